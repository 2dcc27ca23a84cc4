import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../../../ground/common/clock';
import { JWT_TYPES, TokenSigner } from '../../../core/keys/token-signer';
import { User } from '../../../core/entities/user.entity';
import { ACCESS_AUDIENCE } from '../../../core/keys/jwt-claims';
import type { UserPrincipal } from '../../../access/principals';
import { ClockedJwtStrategy, VerifiedClaims } from './clocked-jwt.strategy';

/**
 * 'jwt-access': access tokens from login, refresh, D2, D3 and D4. Besides the signature checks of
 * ClockedJwtStrategy, the token must name an active user, and its `pwv` must equal the user's
 * current credentialsChangedAt: a password change after issuance refuses it (SECURITY.md D2).
 */
@Injectable()
export class JwtAccessStrategy extends PassportStrategy(ClockedJwtStrategy, 'jwt-access') {
  constructor(signer: TokenSigner, clock: Clock, @InjectRepository(User) private readonly users: Repository<User>) {
    super({ signer, clock, audience: ACCESS_AUDIENCE, type: JWT_TYPES.access });
  }

  async validate(claims: VerifiedClaims): Promise<UserPrincipal | null> {
    if (typeof claims.sub !== 'string' || typeof claims.pwv !== 'number') return null;
    const user = await this.users.findOneBy({ id: claims.sub });
    if (!user || !user.isActive) return null;
    if (claims.pwv !== (user.credentialsChangedAt?.getTime() ?? 0)) return null;
    return { kind: 'user', userId: user.id };
  }
}
