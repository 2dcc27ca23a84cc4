import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock';
import { InvalidTokenError } from '../common/errors/domain-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { OneTimeTokensService } from '../tokens/one-time-tokens.service';
import { User } from '../users/user.entity';
import { VerifyEmailDto } from './dto/verify-email.dto';
import { VerifyEmailResponseDto } from './dto/verify-email-response.dto';
import { VERIFICATION_AUDIENCE, VERIFICATION_TTL_SECONDS } from './jwt-claims';

/**
 * POST /auth/verify-email: consumes the sign-up code (single use, expiring), marks the email
 * verified, and answers a verification JWT for D2: audience VERIFICATION_AUDIENCE, 15 minutes, with
 * a jti recorded as a one-time token (purpose 'verification_jwt', stored as a keyed hash), so the JWT
 * works once (SECURITY.md E7). A newer JWT voids the older one.
 */
@Injectable()
export class VerifyEmailUseCase {
  constructor(
    private readonly tokens: OneTimeTokensService,
    private readonly jwt: JwtService,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  async execute(dto: VerifyEmailDto): Promise<VerifyEmailResponseDto> {
    // Codes are upper-case; people type them in any case and with stray spaces.
    const code = dto.code.trim().toUpperCase();
    const token = await this.uow.run(async (em) => {
      const consumed = await this.tokens.consume(em, code, 'email_verification');
      const user = await em.findOneBy(User, { id: consumed.userId });
      if (!user || !user.isActive) throw new InvalidTokenError();
      const now = this.clock.now();
      if (!user.isEmailVerified) await em.update(User, { id: user.id }, { isEmailVerified: true, updatedAt: now });
      const jti = randomUUID();
      await this.tokens.issue(em, { purpose: 'verification_jwt', userId: user.id, ttlMs: VERIFICATION_TTL_SECONDS * 1000, value: jti });
      return this.jwt.sign(
        { sub: user.id, jti, iat: Math.floor(now.getTime() / 1000) },
        { audience: VERIFICATION_AUDIENCE, expiresIn: VERIFICATION_TTL_SECONDS },
      );
    });
    return { success: true, data: { token } };
  }
}
