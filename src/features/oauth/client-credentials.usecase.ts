import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { API_KEY_SCOPES, ApiKeyScope } from '../../access/scopes';
import { ApiKey } from '../api-keys/api-key.entity';
import { AttemptLimiter, Limit } from '../../ground/common/attempt-limiter.service';
import { AuditTrail } from '../../ground/common/audit-trail';
import { clientKey } from '../../ground/common/client-ip';
import { Clock } from '../../ground/common/clock';
import { OncePerWindow } from '../../ground/common/rate-limit/once-per-window';
import { RateLimitedError } from '../../ground/common/errors/domain-errors';
import { isStorageDown } from '../../ground/common/errors/to-domain-error';
import { SecretKeys } from '../../ground/common/secrets';
import { ClientTokenCodec } from './client-token.codec';
import { OAuthError } from './oauth-error';
import { oauthAddressLimit, oauthClientLimit } from './oauth-limits';

/** A token request as the controller read it off the wire (RFC 6749 §4.4.2, client authentication §2.3.1). */
export interface ClientCredentialsRequest {
  grantType: string;
  /** The `scope` parameter as sent; undefined when absent. */
  scope?: string;
  clientId: string;
  clientSecret: string;
  /** The client authenticated with HTTP Basic (a refusal then carries WWW-Authenticate). */
  basic: boolean;
}

/** RFC 6749 §5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), tokens separated by single spaces. */
const SCOPE_SYNTAX = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): an API key's id and secret buy a short-lived client
 * token (ClientTokenCodec) for the requested scopes, a subset of the key's (`admin` implies all), or
 * all of the key's when none are named. Unknown id, wrong secret and revoked key are one answer
 * (`invalid_client`), each spending the budget of that client id from that address, and the address's (oauth-limits.ts).
 * Records `oauth.token_issued` (actor: the key) and `oauth.limited` (once per exhausted budget and window).
 */
@Injectable()
export class ClientCredentialsUseCase {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly codec: ClientTokenCodec,
    private readonly limiter: AttemptLimiter,
    private readonly secrets: SecretKeys,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  private readonly reported = new OncePerWindow();

  async execute(request: ClientCredentialsRequest, clientIp: string): Promise<TokenResponse> {
    if (request.grantType !== 'client_credentials') throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
    if (request.scope !== undefined && !SCOPE_SYNTAX.test(request.scope)) throw new OAuthError('invalid_scope', 'scope must be space-separated scope names.');
    const key = await this.authenticate(request, clientIp);
    const scopes = grantedScopes(request.scope, key);
    const scope = scopes.join(' ');
    const token = await this.codec.sign({ clientId: key.id, scope });
    await this.audit.record(null, {
      type: 'oauth.token_issued', accountId: key.accountId, actor: { kind: 'api_key', id: key.id }, clientIp, outcome: 'success',
      details: { api_key_id: key.id, scope, expires_in: this.codec.ttlSeconds },
    });
    return { access_token: token, token_type: 'Bearer', expires_in: this.codec.ttlSeconds, scope };
  }

  /** The live key, or invalid_client; a place is taken first, counted as a failure only when the client does not authenticate. */
  private async authenticate(request: ClientCredentialsRequest, clientIp: string): Promise<ApiKey> {
    const clientRef = this.secrets.lookupHash(`oauth-client:${request.clientId.toLowerCase()}:${clientKey(clientIp)}`);
    const clientLimit = oauthClientLimit(clientRef);
    const reserved = await this.limiter.tryReserve([clientLimit, oauthAddressLimit(clientKey(clientIp))]);
    if (!reserved.granted) {
      this.report(reserved.limit === clientLimit ? 'client_id' : 'client', reserved.limit, reserved.retryAfterSeconds, reserved.windowEndsAtMs, clientIp);
      throw new RateLimitedError(reserved.retryAfterSeconds);
    }
    let key: ApiKey | null;
    try {
      key = await this.apiKeys.authenticateClient(request.clientId, request.clientSecret);
    } catch (error) {
      // Not a failed authentication: released, unless the database is unavailable (then it lapses with its lease).
      if (!isStorageDown(error)) await reserved.reservation.refund().catch(() => undefined);
      throw error;
    }
    if (!key) {
      await reserved.reservation.fail();
      throw new OAuthError('invalid_client', 'Client authentication failed.', request.basic);
    }
    await reserved.reservation.refund();
    return key;
  }

  /** One `oauth.limited` event per exhausted counter and window (not one per refused request). */
  private report(budget: 'client_id' | 'client', limit: Limit, retryAfterSeconds: number, windowEndsAtMs: number, clientIp: string): void {
    const now = this.clock.nowMs();
    if (!this.reported.first(limit.key, now, windowEndsAtMs)) return;
    void this.audit
      .record(null, { type: 'oauth.limited', actor: { kind: 'anonymous' }, clientIp, outcome: 'limited', details: { budget, max: limit.max, window_seconds: limit.windowMs / 1000, retry_after_seconds: retryAfterSeconds } })
      .catch(() => undefined);
  }
}

/** The requested scopes (deduplicated, in the service's order) when the key holds them all; the key's own when none are named. */
function grantedScopes(requested: string | undefined, key: ApiKey): ApiKeyScope[] {
  if (requested === undefined) return [...key.scopes];
  const names = [...new Set(requested.split(' '))];
  const unknown = names.filter((n) => !(API_KEY_SCOPES as readonly string[]).includes(n));
  if (unknown.length) throw new OAuthError('invalid_scope', `Unknown scope; the scopes are: ${API_KEY_SCOPES.join(' ')}.`);
  const held = (s: string) => key.scopes.includes('admin') || key.scopes.includes(s as ApiKeyScope);
  const missing = names.filter((n) => !held(n));
  if (missing.length) throw new OAuthError('invalid_scope', `The client does not hold scope: ${missing.join(' ')}.`);
  return API_KEY_SCOPES.filter((s) => names.includes(s));
}
