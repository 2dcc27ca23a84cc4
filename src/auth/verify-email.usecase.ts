import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AttemptLimiter, Limit, LONGEST_WINDOW_MS } from '../common/attempt-limiter.service';
import { clientKey } from '../common/client-ip';
import { Clock } from '../common/clock';
import { InvalidTokenError } from '../common/errors/domain-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { OneTimeTokensService } from '../tokens/one-time-tokens.service';
import { User } from '../users/user.entity';
import { VerifyEmailDto } from './dto/verify-email.dto';
import { VerifyEmailResponseDto } from './dto/verify-email-response.dto';
import { VERIFICATION_AUDIENCE, VERIFICATION_TTL_SECONDS } from './jwt-claims';

/** Wrong verification codes per client per 15 minutes; more → 429 (SECURITY.md B7). */
export const VERIFY_FAILURES_PER_CLIENT = 10;
/**
 * Wrong verification codes per 15 minutes across all clients; more → 429 for everyone. Like a D5 code,
 * a verification code alone names its user, so only a global cap bounds guessing across all live codes:
 * with 31^8 ≈ 8.5·10^11 codes and L live ones, at most 200·L/8.5·10^11 per window (L = 1,000: 2.4·10^-7).
 */
export const VERIFY_FAILURES_GLOBAL = 200;

export function verifyFailureLimits(client: string): Limit[] {
  return [
    { key: `verify:fail:ip:${client}`, max: VERIFY_FAILURES_PER_CLIENT, windowMs: LONGEST_WINDOW_MS },
    { key: 'verify:fail:global', max: VERIFY_FAILURES_GLOBAL, windowMs: LONGEST_WINDOW_MS },
  ];
}

/**
 * POST /auth/verify-email: consumes the sign-up code (single use, expiring), marks the email
 * verified, and answers a verification JWT for D2: audience VERIFICATION_AUDIENCE, 15 minutes, with
 * a jti recorded as a one-time token (purpose 'verification_jwt', stored as a keyed hash), so the JWT
 * works once (SECURITY.md E7). A newer JWT voids the older one. Every attempt is counted as a failure
 * before the code is looked up (a parallel burst cannot overshoot the limits) and given back when the
 * code was good.
 */
@Injectable()
export class VerifyEmailUseCase {
  constructor(
    private readonly tokens: OneTimeTokensService,
    private readonly jwt: JwtService,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly limiter: AttemptLimiter,
  ) {}

  async execute(dto: VerifyEmailDto, clientIp: string): Promise<VerifyEmailResponseDto> {
    // Codes are upper-case; people type them in any case and with stray spaces.
    const code = dto.code.trim().toUpperCase();
    const reservation = await this.limiter.reserve(verifyFailureLimits(clientKey(clientIp)));
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
    await reservation.refund();
    return { success: true, data: { token } };
  }
}
