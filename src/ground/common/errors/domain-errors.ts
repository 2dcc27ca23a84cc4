import type { PasswordPolicy } from '../../../core/password/password-policy';
import type { PolicyViolation } from '../../../core/password/policy-violation';

/**
 * Every failure the service can report, as one exception class each with a stable code.
 * Services throw these; each dialect's presenter (src/edge/dialects) turns them into its own envelope and
 * wording. No HTTP status or sentence lives here.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  /**
   * Whether the error records where it was thrown. Only the two that report a fault (InternalError,
   * StorageUnavailableError: the exception filter logs their stack) do. Every other one is an answer to the
   * caller, never logged with a stack, and capturing one cost ~2% of the CPU of a flood of refused requests.
   */
  static readonly recordsStack: boolean = false;

  constructor(message?: string) {
    const limit = Error.stackTraceLimit;
    if (!new.target.recordsStack) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** One field of a request body that failed validation. `path` uses dots: "password.value". */
export interface FieldIssue {
  path: string;
  kind: 'required' | 'type' | 'size' | 'format' | 'range' | 'choice' | 'unknown' | 'invalid';
  /**
   * e.g. { min: 1, max: 1024 } for size; for choice (a value outside a fixed list), `allowed`: the values
   * joined by ", ", and `each: 1` when every item of an array is held to the list.
   */
  params?: Record<string, number | string>;
}

/** Where invalid input was found: the body, the query string, a header or the path. */
export type InputSource = 'body' | 'query' | 'header' | 'path';

/** Invalid input; `source` says where, so a message can name it ("The query string is invalid."). */
export class RequestValidationError extends DomainError {
  readonly code = 'REQUEST_INVALID';
  constructor(readonly issues: FieldIssue[], readonly source: InputSource = 'body') {
    super('request validation failed');
  }
}
/**
 * A body the service cannot read: not JSON (`json`), nested deeper than the edge allows (`depth`,
 * src/ground/common/request-edge.ts), or of a media type no parser reads (`content-type`, answered 415).
 */
export class MalformedBodyError extends DomainError {
  readonly code = 'MALFORMED_BODY';
  constructor(readonly reason: 'json' | 'content-type' | 'depth' = 'json') {
    super('malformed request body');
  }
}
export class PayloadTooLargeError extends DomainError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}
export class RouteNotFoundError extends DomainError {
  readonly code = 'ROUTE_NOT_FOUND';
}
export class MethodNotAllowedError extends DomainError {
  readonly code = 'METHOD_NOT_ALLOWED';
}
/**
 * No credentials, or credentials that are not of the expected form (missing X-Api-Key, no "Bearer <jwt>").
 * `expected`: what the route takes: any credential (an API key or a bearer token), or only a user's bearer
 * token (GET /users/me and the other routes a signed-in user calls: an API key is no user).
 */
export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
  constructor(readonly expected: 'credential' | 'user-token' = 'credential') {
    super();
  }
}
/** A bearer JWT that is well-formed but fails verification (signature, expiry, audience, purpose, revoked). */
export class InvalidBearerTokenError extends DomainError {
  readonly code = 'INVALID_BEARER_TOKEN';
}
/** The caller is known but may not do this (scope missing, other account's user). */
export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  /** Why the access policy said no (src/access/policy.ts DenyReason), for logs; never shown to the caller. */
  constructor(readonly reason?: string) {
    super('forbidden');
  }
}
export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds?: number) {
    super('rate limited');
  }
}
export class StorageUnavailableError extends DomainError {
  static override readonly recordsStack = true;
  readonly code = 'STORAGE_UNAVAILABLE';
}
export class InternalError extends DomainError {
  static override readonly recordsStack = true;
  readonly code = 'INTERNAL';
}

/** A one-time token or code that does not exist, has expired, was used, or is for another purpose. */
export class InvalidTokenError extends DomainError {
  readonly code = 'INVALID_TOKEN';
}
export class PasswordPolicyError extends DomainError {
  readonly code = 'PASSWORD_POLICY';
  /** `policy`: the policy that was applied, for dialects whose wording names its rules (D5 lists the required classes). */
  constructor(readonly violations: PolicyViolation[], readonly policy?: PasswordPolicy) {
    super('password policy violated');
  }
}
export class PasswordAlreadySetError extends DomainError {
  readonly code = 'PASSWORD_ALREADY_SET';
}
/** The user's account does not use passwords (policy passwordLogin = false). */
export class PasswordLoginDisabledError extends DomainError {
  readonly code = 'PASSWORD_LOGIN_DISABLED';
}
export class UserNotFoundError extends DomainError {
  readonly code = 'USER_NOT_FOUND';
}
export class AccountNotFoundError extends DomainError {
  readonly code = 'ACCOUNT_NOT_FOUND';
}
export class ApiKeyNotFoundError extends DomainError {
  readonly code = 'API_KEY_NOT_FOUND';
}
export class EmailTakenError extends DomainError {
  readonly code = 'EMAIL_TAKEN';
}
/** A role change that would leave an account without exactly one owner, or a role for a user without an account. */
export class RoleConflictError extends DomainError {
  readonly code = 'ROLE_CONFLICT';
  constructor(readonly reason: 'owner_demotion' | 'no_account') {
    super(reason);
  }
}
/** Unknown email or wrong password: one error for both (SECURITY.md C1). */
export class InvalidCredentialsError extends DomainError {
  readonly code = 'INVALID_CREDENTIALS';
}
/**
 * The password was right but is due for change: older than the policy's maxAgeDays (SECURITY.md A14) or
 * set as temporary by an administrator (F5). Only said after a correct password. Carries the change
 * token (for POST /users/me/password only) and its lifetime in seconds, which the answer hands over.
 */
export class PasswordChangeRequiredError extends DomainError {
  readonly code = 'PASSWORD_CHANGE_REQUIRED';
  constructor(readonly reason: 'expired' | 'temporary', readonly changeToken: string, readonly expiresInSeconds: number) {
    super('password change required');
  }
}
/** The password was right but an administrator disabled the user; only said after a correct password. */
export class UserDisabledError extends DomainError {
  readonly code = 'USER_DISABLED';
}
/** POST /users/me/password: the current password given is wrong (counted as a failed login). */
export class InvalidCurrentPasswordError extends DomainError {
  readonly code = 'INVALID_CURRENT_PASSWORD';
}
/** A refresh token that is unknown, expired, revoked or already rotated. */
export class InvalidRefreshTokenError extends DomainError {
  readonly code = 'INVALID_REFRESH_TOKEN';
}
/** An admin-supplied policy that is inconsistent (minLength > maxLength, ...). */
export class InvalidPolicyError extends DomainError {
  readonly code = 'INVALID_POLICY';
  constructor(readonly problems: string[]) {
    super('invalid password policy');
  }
}
/** Erasing the one owner of an account (transfer ownership first). */
export class LastOwnerError extends DomainError {
  readonly code = 'LAST_OWNER';
}
/** Sign-up into an account that does not allow self sign-up for this address (CONTRACT.md "No escalation"). */
export class SignUpClosedError extends DomainError {
  readonly code = 'SIGN_UP_CLOSED';
}
export class WebhookNotFoundError extends DomainError {
  readonly code = 'WEBHOOK_NOT_FOUND';
}
/**
 * A webhook target the service will not send to (src/features/webhooks/webhook-target.ts): not https:// (or
 * http:// with private targets allowed), malformed (`shape`), or a host that does not resolve or
 * resolves to a non-public address (`address`; one answer for both, so registration cannot probe internal names).
 */
export class WebhookTargetRefusedError extends DomainError {
  readonly code = 'WEBHOOK_TARGET_REFUSED';
  constructor(readonly reason: 'scheme' | 'shape' | 'address') {
    super(`webhook target refused: ${reason}`);
  }
}
/** An account has as many webhook subscriptions as it may (MAX_WEBHOOKS_PER_ACCOUNT). */
export class WebhookLimitError extends DomainError {
  readonly code = 'WEBHOOK_LIMIT';
}
