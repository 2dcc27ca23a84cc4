import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { JWT_TYPES, TokenSigner } from '../../core/keys/token-signer';

/** The audience of client tokens: the service's API (RFC 9068 §3), never the user access tokens' `pls:access`. */
export const CLIENT_TOKEN_AUDIENCE = 'pls:api';
/** RFC 9068 §2.1: the `typ` header of a JWT access token. */
export const CLIENT_TOKEN_TYPE = JWT_TYPES.access;

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
 * JWT access tokens: header `typ: at+jwt` and the signing key's `kid` (ES256, the key ring: TokenSigner);
 * claims `iss` (PUBLIC_URL), `sub` and `client_id` (the API key's id), `aud` (CLIENT_TOKEN_AUDIENCE),
 * `iat`, `exp` (CLIENT_TOKEN_TTL_SECONDS later), `jti`, `scope`. They verify against
 * GET /.well-known/jwks.json like every token of the service. Times come from the injected Clock.
 */
@Injectable()
export class ClientTokenCodec {
  constructor(private readonly signer: TokenSigner, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get ttlSeconds(): number {
    return this.config.clientTokenTtlSeconds;
  }

  /** A signed client token for this key id and (space-separated) scope. */
  sign(claims: { clientId: string; scope: string }): Promise<string> {
    return this.signer.sign(
      { client_id: claims.clientId, scope: claims.scope },
      { audience: CLIENT_TOKEN_AUDIENCE, expiresInSeconds: this.ttlSeconds, subject: claims.clientId, type: CLIENT_TOKEN_TYPE },
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
  async verify(token: string): Promise<VerifiedClientToken | null> {
    const payload = await this.signer.verify(token, CLIENT_TOKEN_AUDIENCE, CLIENT_TOKEN_TYPE);
    if (!payload) return null;
    const { sub, client_id: clientId, scope, jti, iat, exp } = payload;
    if (typeof clientId !== 'string' || sub !== clientId || typeof scope !== 'string' || typeof jti !== 'string') return null;
    if (typeof iat !== 'number' || typeof exp !== 'number') return null;
    return { clientId, scopes: scope.split(' ').filter(Boolean), jti, iat, exp };
  }
}
