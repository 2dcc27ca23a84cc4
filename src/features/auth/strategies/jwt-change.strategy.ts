import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../ground/common/clock';
import { JWT_TYPES, TokenSigner } from '../../../core/keys/token-signer';
import { OneTimeTokensService } from '../../../core/tokens/one-time-tokens.service';
import { User } from '../../../core/entities/user.entity';
import { PASSWORD_CHANGE_AUDIENCE } from '../../../core/keys/jwt-claims';
import type { ChangePrincipal } from '../../../access/principals';
import { ClockedJwtStrategy, VerifiedClaims } from './clocked-jwt.strategy';

/**
 * 'jwt-change': a change token (src/features/auth/change-tokens.ts), accepted by POST /users/me/password only.
 * Besides the signature checks of ClockedJwtStrategy (its own `typ` and audience), the token must name an
 * active user whose password has not changed since (`pwv`), and its `jti` must still be live: used once.
 */
@Injectable()
export class JwtChangeStrategy extends PassportStrategy(ClockedJwtStrategy, 'jwt-change') {
  constructor(
    signer: TokenSigner,
    clock: Clock,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly tokens: OneTimeTokensService,
  ) {
    super({ signer, clock, audience: PASSWORD_CHANGE_AUDIENCE, type: JWT_TYPES.passwordChange });
  }

  async validate(claims: VerifiedClaims): Promise<ChangePrincipal | null> {
    if (typeof claims.sub !== 'string' || typeof claims.pwv !== 'number' || typeof claims.jti !== 'string') return null;
    const user = await this.users.findOneBy({ id: claims.sub });
    if (!user || !user.isActive || claims.pwv !== (user.credentialsChangedAt?.getTime() ?? 0)) return null;
    const live = await this.tokens.findUnusedBySecret(claims.jti, 'password_change');
    if (!live || live.userId !== user.id) return null;
    return { kind: 'change', userId: user.id, jti: claims.jti };
  }
}
