import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { Clock } from '../../ground/common/clock';
import { APP_CONFIG, type AppConfig } from '../../ground/config/app-config';
import { KeyRing } from './key-ring';

/** The one algorithm of every JWT this service issues and accepts (pinned on verify: no `none`, no HS256). */
export const JWT_ALGORITHM = 'ES256' as const;

/**
 * The `typ` header of each kind of JWT (RFC 8725 §3.11 explicit typing), checked on verify so that no
 * kind passes for another: access tokens (users' and client tokens) per RFC 9068 §2.1.
 */
export const JWT_TYPES = { access: 'at+jwt', emailVerification: 'email-verification+jwt', passwordChange: 'password-change+jwt' } as const;

/** How far in the future a token's `iat` may lie (clock skew between instances), in seconds; beyond it the token is refused. */
export const IAT_LEEWAY_SECONDS = 60;

/** The verified claims of a JWT; `exp` is always present (tokens without one are refused). */
export interface VerifiedClaims extends JWTPayload {
  exp: number;
  [claim: string]: unknown;
}

export interface SignOptions {
  audience: string;
  expiresInSeconds: number;
  subject?: string;
  /** Defaults to a random UUID. */
  jwtId?: string;
  /** The `typ` header (RFC 7519 §5.1): one of JWT_TYPES. */
  type: string;
}

/** RFC 7517 JWK Set of the public signing keys (active and retired). */
export interface JwkSet {
  keys: JWK[];
}

/**
 * Signs and verifies the service's JWTs with the key ring's signing keys (ES256, `kid` in the
 * header), claims per RFC 9068: `iss` (PUBLIC_URL), `sub`, `aud`, `exp`, `iat`, `jti`. Verification
 * uses the ring's public keys only, ES256 pinned, issuer and audience checked, at the injected Clock's
 * time; an unknown kid reloads the ring once (another instance may have rotated).
 */
@Injectable()
export class TokenSigner {
  constructor(private readonly ring: KeyRing, private readonly clock: Clock, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get issuer(): string {
    return this.config.publicUrl;
  }

  async sign(claims: Record<string, unknown>, opts: SignOptions): Promise<string> {
    const key = this.ring.active('signing');
    const now = Math.floor(this.clock.nowMs() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: JWT_ALGORITHM, kid: key.kid, typ: opts.type })
      .setIssuer(this.issuer)
      .setAudience(opts.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + opts.expiresInSeconds)
      .setJti(opts.jwtId ?? randomUUID());
    if (opts.subject !== undefined) jwt.setSubject(opts.subject);
    return jwt.sign(key.privateKey!);
  }

  /**
   * The token's claims when its signature, algorithm, `typ` header, issuer, audience and times hold
   * (`exp` required and past-due refused; `iat` required and at most IAT_LEEWAY_SECONDS ahead); otherwise null.
   */
  async verify(token: string, audience: string, type: string): Promise<VerifiedClaims | null> {
    try {
      return await this.verifyOnce(token, audience, type);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || !this.namesUnknownKid(token)) return null;
      if (!(await this.ring.reloadForUnknownKid())) return null;
      try {
        return await this.verifyOnce(token, audience, type);
      } catch {
        return null;
      }
    }
  }

  /** The public keys of every signing key, active and retired. */
  jwks(): JwkSet {
    return { keys: this.ring.keys('signing').map((k) => k.publicJwk!) };
  }

  private async verifyOnce(token: string, audience: string, type: string): Promise<VerifiedClaims | null> {
    const nowMs = this.clock.nowMs();
    const { payload, protectedHeader } = await jwtVerify(token, this.localJwks(), {
      algorithms: [JWT_ALGORITHM],
      typ: type,
      issuer: this.issuer,
      audience,
      currentDate: new Date(nowMs),
      clockTolerance: 0,
      requiredClaims: ['exp', 'iat'],
    });
    // jose compares `typ` leniently (case, an "application/" prefix): this service issues the exact value.
    if (protectedHeader.typ !== type) return null;
    if (typeof payload.iat !== 'number' || payload.iat > Math.floor(nowMs / 1000) + IAT_LEEWAY_SECONDS) return null;
    return typeof payload.exp === 'number' ? (payload as VerifiedClaims) : null;
  }

  /**
   * jose's key set over the ring's public keys, made again only when they change (a rotation, a reload):
   * jose imports each JWK once per set, so a set per call imported the key at every verification.
   */
  private localJwks(): ReturnType<typeof createLocalJWKSet> {
    const keys = this.jwks().keys;
    const cached = this.verificationKeys;
    if (cached && cached.keys.length === keys.length && cached.keys.every((k, i) => k === keys[i])) return cached.resolve;
    const resolve = createLocalJWKSet({ keys });
    this.verificationKeys = { keys, resolve };
    return resolve;
  }

  private verificationKeys?: { keys: readonly JWK[]; resolve: ReturnType<typeof createLocalJWKSet> };

  private namesUnknownKid(token: string): boolean {
    try {
      const { kid, alg } = decodeProtectedHeader(token);
      return alg === JWT_ALGORITHM && typeof kid === 'string' && !this.ring.find(kid);
    } catch {
      return false;
    }
  }
}
