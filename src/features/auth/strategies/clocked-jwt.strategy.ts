import type { Request } from 'express';
import { ExtractJwt } from 'passport-jwt';
import { Strategy } from 'passport-strategy';
import { Clock } from '../../../ground/common/clock';
import { toDomainError } from '../../../ground/common/errors/to-domain-error';
import { TokenSigner, type VerifiedClaims } from '../../../core/keys/token-signer';

export type { VerifiedClaims };

export interface ClockedJwtOptions {
  signer: TokenSigner;
  clock: Clock;
  /** The one audience this strategy accepts (SECURITY.md E6). */
  audience: string;
  /** The one `typ` header it accepts (JWT_TYPES). */
  type: string;
}

type Done = (err: unknown, user?: unknown, info?: unknown) => void;

/**
 * A passport strategy for `Authorization: Bearer <jwt>` that verifies the token at the injected
 * Clock's time (passport-jwt can only verify at the system time, so tests could not move it):
 * ES256 pinned (no `none`, no HS256, no other algorithm: SECURITY.md E1, E2), its own `typ`, the signature checked
 * with the key ring's public keys only, found by `kid` (header keys ignored: E3, E4), issuer and
 * audience checked, `exp` required and `exp`/`nbf` enforced (E5) (TokenSigner.verify). The subclass's `validate(claims)` then decides who the caller is.
 */
export class ClockedJwtStrategy extends Strategy {
  private readonly extract = ExtractJwt.fromAuthHeaderAsBearerToken();

  constructor(private readonly jwtOptions: ClockedJwtOptions, private readonly verifyClaims: (claims: VerifiedClaims, done: Done) => void) {
    super();
  }

  override authenticate(req: Request): void {
    const raw = this.extract(req);
    if (!raw) return this.fail('missing bearer token', 401);
    void this.jwtOptions.signer.verify(raw, this.jwtOptions.audience, this.jwtOptions.type).then(
      (claims) => this.decide(claims),
      (err: unknown) => this.error(toDomainError(err)),
    );
  }

  private decide(claims: VerifiedClaims | null): void {
    if (!claims) return this.fail('invalid bearer token', 401);
    this.verifyClaims(claims, (err, user, info) => {
      // A failure while deciding (storage down, ...) is the service's, not the token's: keep its meaning (503, 500).
      if (err) return this.error(toDomainError(err));
      if (!user) return this.fail(info ?? 'invalid bearer token', 401);
      return this.success(user, info);
    });
  }
}
