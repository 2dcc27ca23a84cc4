import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { ApiKeyScope } from '../../../access/scopes';
import { SERVICE_EXAMPLES, ServiceErrorDto } from './service-error.dto';

/** What the request edge refuses on every route (docs/input-handling.md). */
export const MALFORMED_REQUEST = 'A malformed request: ill-formed text or a NUL in the query or a header.';

const envelope = (statusCode: number, error: string, code: string, message: string, details?: string[]) => ({ statusCode, error, code, message, ...(details ? { details } : {}) });

/** The request edge's 400 (docs/input-handling.md): ill-formed text or a NUL in the query string. */
const MALFORMED_REQUEST_EXAMPLE = envelope(400, 'Bad Request', 'REQUEST_INVALID', 'The query string is invalid.', ['q is not a valid value.']);

export interface AdminErrorsOptions {
  /** The route's scope (its action's, src/access/policy.ts), named in the 403. */
  scope: ApiKeyScope;
  /** What makes a request invalid (400); default: the body, path or query. */
  badRequest?: string;
  /** The route takes its input in the query string (no body): the 400 example says so. */
  queryOnly?: boolean;
  /** Example detail of the 400 (the field at fault). */
  badRequestDetail?: string;
  /** What else answers 403 besides a missing scope. */
  forbidden?: string;
  /** The 404: its code (e.g. ACCOUNT_NOT_FOUND), message and when. */
  notFound?: { code: string; message: string; description: string };
  /** The 409: its code, message and when. */
  conflict?: { code: string; message: string; description: string };
}

/**
 * The 4xx of an admin route (an action with an admin credential) in the service envelope, each with the ServiceErrorDto schema
 * and an example: 400, 401, 403, 404 and 409 where they apply, and 429 (the caller's request limit).
 */
export function ApiAdminErrors(o: AdminErrorsOptions): MethodDecorator & ClassDecorator {
  const decorators = [
    o.badRequest === MALFORMED_REQUEST
      ? ApiAdminMalformedRequest()
      : ApiBadRequestResponse({
        type: ServiceErrorDto,
        description: o.badRequest ?? 'Invalid request: an invalid or unknown body field or query parameter, or a malformed body; `details` names the field.',
        example: envelope(400, 'Bad Request', 'REQUEST_INVALID', o.queryOnly ? 'The query string is invalid.' : 'The request body is invalid.', o.badRequestDetail ? [o.badRequestDetail] : undefined),
      }),
    ApiUnauthorizedResponse({
      type: ServiceErrorDto,
      description: 'No credentials, or an unknown, revoked or expired API key or token.',
      example: SERVICE_EXAMPLES.unauthenticated,
    }),
    ApiForbiddenResponse({
      type: ServiceErrorDto,
      description: `The caller lacks ${o.scope === 'admin' ? 'the admin scope' : `${o.scope} (or admin)`}${o.forbidden ? `, or ${o.forbidden}` : ''}.`,
      example: envelope(403, 'Forbidden', 'FORBIDDEN', 'The credentials do not allow this operation.'),
    }),
    ApiTooManyRequestsResponse({
      type: ServiceErrorDto,
      description: "The caller's request limit (per API key, API_KEY_RATE_LIMIT_PER_MINUTE or the key's own); Retry-After says when to come back.",
      example: SERVICE_EXAMPLES.rateLimited,
    }),
  ];
  if (o.notFound) {
    decorators.push(ApiNotFoundResponse({ type: ServiceErrorDto, description: o.notFound.description, example: envelope(404, 'Not Found', o.notFound.code, o.notFound.message) }));
  }
  if (o.conflict) {
    decorators.push(ApiConflictResponse({ type: ServiceErrorDto, description: o.conflict.description, example: envelope(409, 'Conflict', o.conflict.code, o.conflict.message) }));
  }
  return applyDecorators(...decorators);
}

export const ACCOUNT_NOT_FOUND = { code: 'ACCOUNT_NOT_FOUND', message: 'No such account.', description: 'No such account, or one the caller may not see (an account-bound caller sees its own only).' };
export const USER_NOT_FOUND = { code: 'USER_NOT_FOUND', message: 'No such user.', description: 'No such user, or one in another account than an account-bound caller\'s.' };
export const API_KEY_NOT_FOUND = { code: 'API_KEY_NOT_FOUND', message: 'No such API key.', description: 'No such live key (unknown or already revoked), or one of another account than an account-bound caller\'s.' };
export const EMAIL_TAKEN = { code: 'EMAIL_TAKEN', message: 'A user with this email already exists.', description: 'A user with this email address exists already.' };

/**
 * The 4xx of a public route without a body or parameters (health, JWKS, assets): the request edge refuses
 * ill-formed text or a NUL in the query or a header (docs/input-handling.md); and, unless the route skips
 * the limit, 429 from the per-client request limit.
 */
export function ApiRequestEdgeErrors(o: { rateLimited: boolean }): MethodDecorator & ClassDecorator {
  const decorators = [ApiAdminMalformedRequest()];
  if (o.rateLimited) decorators.push(ApiClientRateLimited());
  return applyDecorators(...decorators);
}

/** The 429 of a route limited per client address (every route without SkipThrottle that no API key or client token calls). */
export function ApiClientRateLimited(): MethodDecorator & ClassDecorator {
  return ApiTooManyRequestsResponse({ type: ServiceErrorDto, description: 'The per-client request limit (RATE_LIMIT_PER_MINUTE); Retry-After says when to come back.', example: SERVICE_EXAMPLES.rateLimited });
}

/** The 429 of an admin route alone (for routes documenting their other errors themselves). */
export const ApiAdminRateLimited = (): MethodDecorator & ClassDecorator =>
  ApiTooManyRequestsResponse({
    type: ServiceErrorDto,
    description: "The caller's request limit (per API key, API_KEY_RATE_LIMIT_PER_MINUTE or the key's own); Retry-After says when to come back.",
    example: SERVICE_EXAMPLES.rateLimited,
  });

/** The 400 of an admin route without a body: only a malformed request (ill-formed text or a NUL in the query or a header). */
export function ApiAdminMalformedRequest(): MethodDecorator & ClassDecorator {
  return ApiBadRequestResponse({ type: ServiceErrorDto, description: MALFORMED_REQUEST, example: MALFORMED_REQUEST_EXAMPLE });
}
