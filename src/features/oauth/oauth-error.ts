import { DomainError } from '../../ground/common/errors/domain-errors';

/** The error codes of RFC 6749 §5.2 this service answers on POST /oauth/token (and `temporarily_unavailable` for limits). */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/**
 * A refusal of the token endpoint in RFC 6749 §5.2 terms. Raised only under /oauth/token, where the
 * OAuth presenter (src/edge/dialects/oauth.presenter.ts) words it `{"error","error_description"}`.
 * `basic`: the client authenticated with HTTP Basic, so `invalid_client` carries `WWW-Authenticate`.
 */
export class OAuthError extends DomainError {
  readonly code = 'OAUTH_ERROR';
  constructor(readonly error: OAuthErrorCode, readonly description?: string, readonly basic = false) {
    super(`oauth ${error}`);
  }
}
