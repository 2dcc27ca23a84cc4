import { JwtService } from '@nestjs/jwt';
import type { Request } from 'express';
import { ExtractJwt } from 'passport-jwt';
import { Strategy } from 'passport-strategy';
import { Clock } from '../../common/clock';
import { toDomainError } from '../../common/errors/to-domain-error';
import { JWT_ALGORITHM, JWT_ISSUER } from '../jwt-claims';

/** The verified claims of a bearer JWT; `exp` is always present (tokens without one are refused). */
export interface VerifiedClaims {
  sub?: unknown;
  jti?: unknown;
  exp: number;
  iat?: number;
  [claim: string]: unknown;
}

export interface ClockedJwtOptions {
  jwt: JwtService;
  clock: Clock;
  /** The one audience this strategy accepts (SECURITY.md E6). */
  audience: string;
}

type Done = (err: unknown, user?: unknown, info?: unknown) => void;

/**
 * A passport strategy for `Authorization: Bearer <jwt>` that verifies the token at the injected
 * Clock's time (passport-jwt can only verify at the system time, so tests could not move it):
 * HS256 pinned (no `none`, no other algorithm: SECURITY.md E1, E2), the signature checked with the
 * service secret only (header keys ignored: E3, E4), issuer and audience checked, `exp` required and
 * `exp`/`nbf` enforced (E5). The subclass's `validate(claims)` then decides who the caller is.
 */
export class ClockedJwtStrategy extends Strategy {
  private readonly extract = ExtractJwt.fromAuthHeaderAsBearerToken();

  constructor(private readonly jwtOptions: ClockedJwtOptions, private readonly verifyClaims: (claims: VerifiedClaims, done: Done) => void) {
    super();
  }

  override authenticate(req: Request): void {
    const raw = this.extract(req);
    if (!raw) return this.fail('missing bearer token', 401);
    const claims = this.verifyToken(raw);
    if (!claims) return this.fail('invalid bearer token', 401);
    this.verifyClaims(claims, (err, user, info) => {
      // A failure while deciding (storage down, ...) is the service's, not the token's: keep its meaning (503, 500).
      if (err) return this.error(toDomainError(err));
      if (!user) return this.fail(info ?? 'invalid bearer token', 401);
      return this.success(user, info);
    });
  }

  private verifyToken(raw: string): VerifiedClaims | null {
    try {
      const claims = this.jwtOptions.jwt.verify<Record<string, unknown>>(raw, {
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: this.jwtOptions.audience,
        clockTimestamp: Math.floor(this.jwtOptions.clock.nowMs() / 1000),
        clockTolerance: 0,
      });
      return typeof claims === 'object' && claims !== null && typeof claims.exp === 'number' ? (claims as VerifiedClaims) : null;
    } catch {
      return null;
    }
  }
}
