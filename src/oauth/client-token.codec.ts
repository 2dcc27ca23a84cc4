import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { JWT_ALGORITHM } from '../auth/jwt-claims';
import { Clock } from '../common/clock';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** The audience of client tokens: the service's API (RFC 9068 §3), never the user access tokens' `pls:access`. */
export const CLIENT_TOKEN_AUDIENCE = 'pls:api';
/** RFC 9068 §2.1: the `typ` header of a JWT access token. */
export const CLIENT_TOKEN_TYPE = 'at+jwt';

/** What a client token says once verified. */
export interface VerifiedClientToken {
  /** `client_id` (= `sub`): the API key's id. */
  clientId: string;
  /** `scope`, split on spaces. */
  scopes: string[];
  jti: string;
  iat: number;
  exp: number;
}

/**
 * The one place that signs and verifies client tokens (POST /oauth/token, RFC 6749 §4.4) as RFC 9068
 * JWT access tokens: header `typ: at+jwt`; claims `iss` (PUBLIC_URL), `sub` and `client_id` (the API
 * key's id), `aud` (CLIENT_TOKEN_AUDIENCE), `iat`, `exp` (CLIENT_TOKEN_TTL_SECONDS later), `jti`, `scope`.
 * Times come from the injected Clock. Today it signs with the service's JwtService (HS256, pinned on
 * verify); swapping to another signer (an asymmetric key ring) changes this class only.
 */
@Injectable()
export class ClientTokenCodec {
  private readonly issuer: string;

  constructor(private readonly jwt: JwtService, private readonly clock: Clock, @Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.issuer = config.publicUrl;
  }

  get ttlSeconds(): number {
    return this.config.clientTokenTtlSeconds;
  }

  /** A signed client token for this key id and (space-separated) scope. */
  async sign(claims: { clientId: string; scope: string }): Promise<string> {
    const iat = Math.floor(this.clock.nowMs() / 1000);
    return this.jwt.signAsync(
      { client_id: claims.clientId, scope: claims.scope, iat, exp: iat + this.ttlSeconds },
      {
        algorithm: JWT_ALGORITHM,
        header: { alg: JWT_ALGORITHM, typ: CLIENT_TOKEN_TYPE },
        issuer: this.issuer,
        audience: CLIENT_TOKEN_AUDIENCE,
        subject: claims.clientId,
        jwtid: randomUUID(),
      },
    );
  }

  /**
   * Is this bearer token meant to be a client token (its unverified audience is CLIENT_TOKEN_AUDIENCE)?
   * Only routes a token to verify(); says nothing about its validity.
   */
  recognizes(token: string): boolean {
    try {
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown };
      const aud = payload?.aud;
      return aud === CLIENT_TOKEN_AUDIENCE || (Array.isArray(aud) && aud.includes(CLIENT_TOKEN_AUDIENCE));
    } catch {
      return false;
    }
  }

  /** The token's claims when its signature, type, issuer, audience and lifetime check out; otherwise null. */
  verify(token: string): VerifiedClientToken | null {
    try {
      const { header, payload } = this.jwt.verify<{ header: { typ?: unknown }; payload: Record<string, unknown> }>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.issuer,
        audience: CLIENT_TOKEN_AUDIENCE,
        clockTimestamp: Math.floor(this.clock.nowMs() / 1000),
        complete: true,
      } as never);
      const { sub, client_id: clientId, scope, jti, iat, exp } = payload;
      if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== CLIENT_TOKEN_TYPE) return null;
      if (typeof clientId !== 'string' || sub !== clientId || typeof scope !== 'string' || typeof jti !== 'string') return null;
      if (typeof iat !== 'number' || typeof exp !== 'number') return null;
      return { clientId, scopes: scope.split(' ').filter(Boolean), jti, iat, exp };
    } catch {
      return null;
    }
  }
}
