import { DomainError, MalformedBodyError, RateLimitedError } from '../../ground/common/errors/domain-errors';
import { OAuthError } from '../../features/oauth/oauth-error';
import type { DialectPresenter, ErrorResponse } from './presenter';

/** The realm named in `WWW-Authenticate: Basic` on `invalid_client` (RFC 6749 §5.2, RFC 7617). */
export const OAUTH_REALM = 'password-lifecycle-service';

/** RFC 6749 §5.2 forbids caching token responses, errors included. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

const STATUS: Record<OAuthError['error'], number> = {
  invalid_request: 400, invalid_client: 401, invalid_grant: 400, unauthorized_client: 400, unsupported_grant_type: 400, invalid_scope: 400,
};

/**
 * The token endpoint (POST /oauth/token, RFC 6749 §4.4): errors as RFC 6749 §5.2,
 * `{"error": "<code>", "error_description"?: "<sentence>"}`. Failures raised before the handler (a body
 * that is not a form, an oversized one, text the edge refuses) are `invalid_request`; limits are 429
 * `temporarily_unavailable` with Retry-After; the service's own troubles `temporarily_unavailable` (503)
 * or `server_error` (500).
 */
export class OAuthPresenter implements DialectPresenter {
  present(error: DomainError): ErrorResponse {
    if (error instanceof OAuthError) {
      const headers: Record<string, string> = { ...NO_STORE };
      if (error.error === 'invalid_client' && error.basic) headers['WWW-Authenticate'] = `Basic realm="${OAUTH_REALM}", charset="UTF-8"`;
      return { status: STATUS[error.error], body: body(error.error, error.description), headers };
    }
    if (error instanceof RateLimitedError) {
      return {
        status: 429,
        body: body('temporarily_unavailable', 'Too many requests; try again later.'),
        headers: { ...NO_STORE, ...(error.retryAfterSeconds ? { 'Retry-After': String(error.retryAfterSeconds) } : {}) },
      };
    }
    switch (error.code) {
      case 'MALFORMED_BODY':
        return {
          status: 400,
          body: body('invalid_request', (error as MalformedBodyError).reason === 'content-type'
            ? 'The request body must be application/x-www-form-urlencoded.'
            : 'The request body is malformed.'),
          headers: NO_STORE,
        };
      case 'REQUEST_INVALID':
        return { status: 400, body: body('invalid_request', 'The request is malformed.'), headers: NO_STORE };
      case 'PAYLOAD_TOO_LARGE':
        return { status: 413, body: body('invalid_request', 'The request body is too large.'), headers: NO_STORE };
      case 'ROUTE_NOT_FOUND':
        return { status: 404, body: body('invalid_request', 'No such route.'), headers: NO_STORE };
      case 'METHOD_NOT_ALLOWED':
        return { status: 405, body: body('invalid_request', 'The token endpoint takes POST only.'), headers: { ...NO_STORE, Allow: 'POST' } };
      case 'UNAUTHENTICATED':
      case 'INVALID_BEARER_TOKEN':
        return { status: 401, body: body('invalid_client', 'Client authentication failed.'), headers: NO_STORE };
      case 'STORAGE_UNAVAILABLE':
        return { status: 503, body: body('temporarily_unavailable', 'The service is temporarily unavailable.'), headers: NO_STORE };
      default:
        return { status: 500, body: body('server_error'), headers: NO_STORE };
    }
  }
}

function body(error: string, description?: string): Record<string, string> {
  return description ? { error, error_description: description } : { error };
}
