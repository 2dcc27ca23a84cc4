import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../ground/common/clock';
import { JWT_TYPES, TokenSigner } from '../../../core/keys/token-signer';
import { PasswordAlreadySetError, UserNotFoundError } from '../../../ground/common/errors/domain-errors';
import { Credential } from '../../../core/password/credential.entity';
import { OneTimeTokensService } from '../../../core/tokens/one-time-tokens.service';
import { User } from '../../../core/entities/user.entity';
import { VERIFICATION_AUDIENCE } from '../../../core/keys/jwt-claims';
import type { VerificationPrincipal } from '../../../access/principals';
import { ClockedJwtStrategy, VerifiedClaims } from './clocked-jwt.strategy';

/**
 * 'jwt-verification': the email-verification JWT accepted by D2 only (audience
 * VERIFICATION_AUDIENCE: an access token is refused, SECURITY.md E6). The token's user must exist
 * (else 404, per the seed) and its jti must still be a live one-time token: a JWT already used, or
 * voided by a newer one or by a password change, is refused before any password check (E7): with
 * PASSWORD_ALREADY_SET when the user has a password by now (CONTRACT.md; e.g. a retried D2 call),
 * otherwise INVALID_TOKEN. The jti is consumed later, inside the set-password transaction, so only
 * one request can win.
 */
@Injectable()
export class JwtVerificationStrategy extends PassportStrategy(ClockedJwtStrategy, 'jwt-verification') {
  constructor(
    signer: TokenSigner,
    clock: Clock,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    private readonly tokens: OneTimeTokensService,
  ) {
    super({ signer, clock, audience: VERIFICATION_AUDIENCE, type: JWT_TYPES.emailVerification });
  }

  async validate(claims: VerifiedClaims): Promise<VerificationPrincipal | null> {
    if (typeof claims.sub !== 'string' || typeof claims.jti !== 'string') return null;
    if (!(await this.users.existsBy({ id: claims.sub }))) throw new UserNotFoundError();
    const live = await this.tokens.findUnusedBySecret(claims.jti, 'verification_jwt');
    if (!live || live.userId !== claims.sub) {
      if (await this.credentials.existsBy({ userId: claims.sub })) throw new PasswordAlreadySetError();
      return null;
    }
    return { kind: 'verification', userId: claims.sub, jti: claims.jti };
  }
}
