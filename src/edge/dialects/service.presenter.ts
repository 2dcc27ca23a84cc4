import type { CharClass } from '../../core/password/password-policy';
import type { PolicyViolation } from '../../core/password/policy-violation';
import {
  DomainError, InputSource, InvalidPolicyError, MalformedBodyError, PasswordChangeRequiredError, PasswordPolicyError, RateLimitedError, RequestValidationError,
  UnauthenticatedError, WebhookTargetRefusedError,
} from '../../ground/common/errors/domain-errors';
import type { DialectPresenter, ErrorResponse } from './presenter';

/**
 * The service's own envelope, for everything that is not one of the five seed dialects: the admin
 * API (accounts, users, API keys), login/refresh/logout, /users/me, /health and unknown routes.
 *   {"statusCode": 404, "error": "Not Found", "code": "USER_NOT_FOUND", "message": "...", "details"?: [...]}
 */
/** Codes this envelope names differently from the domain error (CONTRACT.md "Third round"). */
const CODES: Record<string, string> = { PASSWORD_POLICY: 'PASSWORD_POLICY_VIOLATION' };

const STATUS: Record<string, [number, string]> = {
  REQUEST_INVALID: [400, 'The request body is invalid.'],
  MALFORMED_BODY: [400, 'The request body is not valid JSON.'],
  PAYLOAD_TOO_LARGE: [413, 'The request body is too large.'],
  ROUTE_NOT_FOUND: [404, 'No such route.'],
  METHOD_NOT_ALLOWED: [405, 'This method is not allowed on this route.'],
  UNAUTHENTICATED: [401, 'Authentication is required: send X-Api-Key or Authorization: Bearer <token>.'],
  INVALID_BEARER_TOKEN: [401, 'The bearer token is invalid or has expired.'],
  FORBIDDEN: [403, 'The credentials do not allow this operation.'],
  SIGN_UP_CLOSED: [403, 'This account does not allow sign-up for this email address.'],
  RATE_LIMITED: [429, 'Too many requests; try again later.'],
  STORAGE_UNAVAILABLE: [503, 'The service is temporarily unavailable.'],
  INTERNAL: [500, 'internal error'],
  INVALID_TOKEN: [400, 'The token or code is invalid or has expired.'],
  PASSWORD_POLICY: [400, 'The password does not meet the password policy.'],
  PASSWORD_ALREADY_SET: [409, 'The user already has a password.'],
  PASSWORD_LOGIN_DISABLED: [409, "The user's account does not use passwords."],
  USER_NOT_FOUND: [404, 'No such user.'],
  ACCOUNT_NOT_FOUND: [404, 'No such account.'],
  API_KEY_NOT_FOUND: [404, 'No such API key.'],
  EMAIL_TAKEN: [409, 'A user with this email already exists.'],
  ROLE_CONFLICT: [409, 'An account has exactly one owner: make another user owner to change the owner\'s role; users without an account have no role.'],
  LAST_OWNER: [409, 'The owner of an account cannot be deleted: make another user owner first.'],
  INVALID_CREDENTIALS: [401, 'Invalid email or password.'],
  PASSWORD_CHANGE_REQUIRED: [403, 'The password must be changed before signing in: send the new one to POST /users/me/password with Authorization: Bearer <change_token>.'],
  USER_DISABLED: [403, 'This user is disabled.'],
  INVALID_CURRENT_PASSWORD: [400, 'The current password is wrong.'],
  INVALID_REFRESH_TOKEN: [401, 'The refresh token is invalid, expired or revoked.'],
  INVALID_POLICY: [400, 'The password policy is inconsistent.'],
  WEBHOOK_NOT_FOUND: [404, 'No such webhook.'],
  WEBHOOK_TARGET_REFUSED: [400, 'The webhook URL is not a target this service sends to.'],
  WEBHOOK_LIMIT: [409, 'The account has as many webhooks as it may; delete one first.'],
};

/** Why a webhook target was refused, in the 400's `details`: the rule, never what a name resolved to. */
export const TARGET_REFUSALS: Record<WebhookTargetRefusedError['reason'], string> = {
  scheme: 'url must be an https:// URL',
  shape: 'url must be an absolute URL of at most 2048 characters, without user name, password or fragment',
  address: 'url must name a host that resolves to public addresses only (not loopback, private, link-local, unique-local, shared or metadata)',
};

/** REQUEST_INVALID's message, naming where the invalid input was. */
const INVALID_INPUT: Record<InputSource, string> = {
  body: 'The request body is invalid.',
  query: 'The query string is invalid.',
  header: 'A request header is invalid.',
  path: 'The request path is invalid.',
};

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export const CLASS_NAMES: Record<CharClass, string> = { lower: 'lowercase letter', upper: 'uppercase letter', digit: 'digit', special: 'special character' };

/** Plain English for one violation; also the fallback wording of dialects that have none of their own. */
export function describeViolation(v: PolicyViolation): string {
  switch (v.rule) {
    case 'minLength': return `Password must be at least ${v.min} characters long.`;
    case 'maxLength': return `Password must be at most ${v.max} characters long.`;
    case 'requiredClass': return `Password must contain at least one ${CLASS_NAMES[v.charClass]}.`;
    case 'minClasses': return `Password must contain at least ${v.min} of: lowercase letters, uppercase letters, digits, special characters.`;
    case 'common': return 'Password is too common.';
    case 'userInfo': return 'Password must not contain your email address or name.';
    case 'history': return v.size === 1 ? 'Password must be different from your current password.' : `Password must not match any of your last ${v.size} passwords.`;
  }
}

/** Plain English for one invalid field. */
export function describeIssue(issue: RequestValidationError['issues'][number]): string {
  switch (issue.kind) {
    case 'required': return `${issue.path} is required.`;
    case 'type': return `${issue.path} has the wrong type${issue.params?.expected ? ` (expected ${issue.params.expected})` : ''}.`;
    case 'size': return isBlankIssue(issue.params) ? `${issue.path} must not be blank.` : `${issue.path} must be ${sizeText(issue.params)}.`;
    case 'format': return `${issue.path} is not a valid ${issue.params?.format ?? 'value'}.`;
    case 'range': return `${issue.path} is out of range.`;
    case 'choice': return `${issue.path} ${choiceWords(issue.params)}.`;
    case 'unknown': return `${issue.path} is not an allowed field.`;
    default: return `${issue.path} is invalid.`;
  }
}

/** A value outside a fixed list (FieldIssue kind `choice`): "must be one of: de, en", or for an array "may only contain: …". */
export function choiceWords(params?: Record<string, number | string>): string {
  if (params?.allowed === undefined) return 'is not one of the allowed values';
  return `${params.each ? 'may only contain' : 'must be one of'}: ${params.allowed}`;
}

/** A size issue with only a minimum of 1: the value is empty or shows nothing (NameField). */
export function isBlankIssue(params?: Record<string, number | string>): boolean {
  return params?.max === undefined && params?.min !== undefined && Number(params.min) <= 1;
}

function sizeText(params?: Record<string, number | string>): string {
  const min = params?.min, max = params?.max;
  if (min !== undefined && max !== undefined) return `between ${min} and ${max} characters long`;
  if (min !== undefined) return `at least ${min} characters long`;
  if (max !== undefined) return `at most ${max} characters long`;
  return 'of a valid length';
}

export class ServicePresenter implements DialectPresenter {
  present(error: DomainError): ErrorResponse {
    const [status, message] = STATUS[error.code] ?? STATUS.INTERNAL;
    const code = error.code === 'MALFORMED_BODY' && (error as MalformedBodyError).reason === 'content-type' ? 415 : status;
    const body: Record<string, unknown> = {
      statusCode: code, error: REASONS[code] ?? 'Error', code: CODES[error.code] ?? error.code,
      message: malformedMessage(error) ?? invalidInputMessage(error) ?? userTokenMessage(error) ?? message,
    };
    if (error instanceof RequestValidationError) body.details = error.issues.map(describeIssue);
    if (error instanceof PasswordPolicyError) {
      // Every rule the password breaks, each once: `violations` names the rule, `details` keeps the plain sentences.
      body.details = error.violations.map(describeViolation);
      body.violations = error.violations.map((v) => ({ rule: v.rule, message: describeViolation(v) }));
    }
    if (error instanceof InvalidPolicyError) body.details = error.problems;
    if (error instanceof WebhookTargetRefusedError) body.details = [TARGET_REFUSALS[error.reason]];
    // The login's answer for a password due for change: the token that lets the user change it, and only that.
    if (error instanceof PasswordChangeRequiredError) Object.assign(body, { reason: error.reason, change_token: error.changeToken, expires_in: error.expiresInSeconds });
    return { status: code, body, headers: retryAfter(error) };
  }
}

/** UNAUTHENTICATED on a route only a signed-in user calls: an API key, sent or not, is not what it takes. */
function userTokenMessage(error: DomainError): string | undefined {
  if (!(error instanceof UnauthenticatedError) || error.expected !== 'user-token') return undefined;
  return "Authentication is required: send a user's access token as Authorization: Bearer <access_token> (an API key does not sign a user in).";
}

function invalidInputMessage(error: DomainError): string | undefined {
  return error instanceof RequestValidationError ? INVALID_INPUT[error.source] : undefined;
}

function malformedMessage(error: DomainError): string | undefined {
  if (!(error instanceof MalformedBodyError)) return undefined;
  if (error.reason === 'content-type') return 'The request body must be JSON (Content-Type: application/json).';
  if (error.reason === 'depth') return 'The request body is nested too deeply.';
  return undefined;
}

export function retryAfter(error: DomainError): Record<string, string> | undefined {
  return error instanceof RateLimitedError && error.retryAfterSeconds ? { 'Retry-After': String(error.retryAfterSeconds) } : undefined;
}
