import { DomainError, FieldIssue, MalformedBodyError, PasswordPolicyError, RequestValidationError } from '../../ground/common/errors/domain-errors';
import type { PolicyViolation } from '../../core/password/policy-violation';
import type { DialectPresenter, ErrorResponse } from './presenter';
import { choiceWords, isBlankIssue, retryAfter } from './service.presenter';

/**
 * D2 (`POST /auth/setpassword`, seed 001) and the sign-up routes that lead to it (`/auth/signup`,
 * `/auth/verify-email`): `{"success":false,"error":{"code","message","details":[...]}}`.
 *
 * From the seed: VALIDATION_ERROR "Password validation failed" with one sentence per failed rule
 * ("Password must be at least 8 characters long", "Password must contain at least one number",
 * "Password must contain at least one special character"); INVALID_TOKEN (400) for an invalid or
 * expired verification token; PASSWORD_ALREADY_SET (400); 401 UNAUTHORIZED when the Authorization
 * header is missing or not a bearer JWT; 404 when the token's user is gone; 500 in the envelope.
 */
const ANSWERS: Record<string, [number, string, string]> = {
  REQUEST_INVALID: [400, 'VALIDATION_ERROR', 'Validation failed'],
  MALFORMED_BODY: [400, 'INVALID_REQUEST', 'The request body must be valid JSON'],
  PAYLOAD_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE', 'The request body is too large'],
  ROUTE_NOT_FOUND: [404, 'NOT_FOUND', 'Route not found'],
  METHOD_NOT_ALLOWED: [405, 'METHOD_NOT_ALLOWED', 'Method not allowed'],
  UNAUTHENTICATED: [401, 'UNAUTHORIZED', 'Authorization header with a Bearer token is required'],
  INVALID_BEARER_TOKEN: [400, 'INVALID_TOKEN', 'Invalid or expired token'],
  FORBIDDEN: [403, 'FORBIDDEN', 'Access denied'],
  SIGN_UP_CLOSED: [403, 'SIGN_UP_CLOSED', 'Sign-up to this account is closed for this email address'],
  RATE_LIMITED: [429, 'RATE_LIMITED', 'Too many requests, please try again later'],
  STORAGE_UNAVAILABLE: [503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable, please try again later'],
  INTERNAL: [500, 'INTERNAL_ERROR', 'An unexpected error occurred'],
  INVALID_TOKEN: [400, 'INVALID_TOKEN', 'Invalid or expired token'],
  PASSWORD_POLICY: [400, 'VALIDATION_ERROR', 'Password validation failed'],
  PASSWORD_ALREADY_SET: [400, 'PASSWORD_ALREADY_SET', 'User already has a password set'],
  PASSWORD_LOGIN_DISABLED: [400, 'PASSWORD_LOGIN_DISABLED', 'Password sign-in is disabled for this account'],
  USER_NOT_FOUND: [404, 'USER_NOT_FOUND', 'User not found'],
  // Sign-up with an account_id that names no account: a field error of the request.
  ACCOUNT_NOT_FOUND: [400, 'VALIDATION_ERROR', 'Validation failed'],
  API_KEY_NOT_FOUND: [404, 'NOT_FOUND', 'API key not found'],
  EMAIL_TAKEN: [409, 'EMAIL_TAKEN', 'A user with this email already exists'],
  ROLE_CONFLICT: [409, 'ROLE_CONFLICT', 'An account has exactly one owner'],
  LAST_OWNER: [409, 'LAST_OWNER', 'The owner of an account cannot be deleted'],
  INVALID_CREDENTIALS: [401, 'INVALID_CREDENTIALS', 'Invalid email or password'],
  PASSWORD_CHANGE_REQUIRED: [403, 'PASSWORD_CHANGE_REQUIRED', 'The password must be changed before signing in'],
  USER_DISABLED: [403, 'USER_DISABLED', 'This user is disabled'],
  INVALID_CURRENT_PASSWORD: [400, 'INVALID_CURRENT_PASSWORD', 'The current password is wrong'],
  INVALID_REFRESH_TOKEN: [401, 'INVALID_TOKEN', 'Invalid or expired refresh token'],
  INVALID_POLICY: [400, 'VALIDATION_ERROR', 'Validation failed'],
  WEBHOOK_NOT_FOUND: [404, 'NOT_FOUND', 'Webhook not found'],
  WEBHOOK_TARGET_REFUSED: [400, 'VALIDATION_ERROR', 'Validation failed'],
  WEBHOOK_LIMIT: [409, 'WEBHOOK_LIMIT', 'The account has as many webhooks as it may'],
};

const CLASS_DETAILS = {
  lower: 'Password must contain at least one lowercase letter',
  upper: 'Password must contain at least one uppercase letter',
  digit: 'Password must contain at least one number',
  special: 'Password must contain at least one special character',
} as const;

/** One detail per failed rule, in the seed's words. */
export function d2PolicyDetail(v: PolicyViolation): string {
  switch (v.rule) {
    case 'minLength': return `Password must be at least ${v.min} characters long`;
    case 'maxLength': return `Password must be at most ${v.max} characters long`;
    case 'requiredClass': return CLASS_DETAILS[v.charClass];
    case 'minClasses': return `Password must contain at least ${v.min} of the following: lowercase letters, uppercase letters, numbers, special characters`;
    case 'common': return 'Password is too common';
    case 'userInfo': return 'Password must not contain your name or email address';
    case 'history': return v.size === 1 ? 'Password must be different from your current password' : `Password must not match any of your last ${v.size} passwords`;
  }
}

const FIELD_LABELS: Record<string, string> = {
  password: 'Password', email: 'Email', firstName: 'First name', lastName: 'Last name', code: 'Code', account_id: 'account_id', locale: 'Locale',
};

/** One detail per invalid field: "Password is required", "Email must be a valid email address". */
export function d2IssueDetail(issue: FieldIssue): string {
  // Own keys only: a client's field named "constructor" must not find Object.prototype.constructor.
  const field = Object.hasOwn(FIELD_LABELS, issue.path) ? FIELD_LABELS[issue.path] : issue.path;
  switch (issue.kind) {
    case 'required': return `${field} is required`;
    case 'type': return `${field} must be a ${issue.params?.expected ?? 'string'}`;
    case 'size': {
      const { min, max } = issue.params ?? {};
      if (min !== undefined && max !== undefined) return `${field} must be between ${min} and ${max} characters long`;
      if (isBlankIssue(issue.params)) return `${field} must not be blank`;
      return max !== undefined ? `${field} must be at most ${max} characters long` : `${field} has an invalid length`;
    }
    case 'format': return `${field} must be a valid ${issue.params?.format ?? 'value'}`;
    case 'choice': return `${field} ${choiceWords(issue.params)}`;
    case 'unknown': return `${field} is not an allowed field`;
    default: return `${field} is invalid`;
  }
}

function details(error: DomainError): string[] {
  if (error instanceof PasswordPolicyError) return error.violations.map(d2PolicyDetail);
  if (error instanceof RequestValidationError) return error.issues.map(d2IssueDetail);
  if (error.code === 'ACCOUNT_NOT_FOUND') return ['account_id does not name an existing account'];
  return [];
}

export class D2Presenter implements DialectPresenter {
  present(error: DomainError): ErrorResponse {
    if (error instanceof MalformedBodyError && error.reason === 'content-type') {
      return { status: 415, body: { success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request body must be JSON (Content-Type: application/json)', details: [] } } };
    }
    if (error instanceof MalformedBodyError && error.reason === 'depth') {
      return { status: 400, body: { success: false, error: { code: 'INVALID_REQUEST', message: 'The request body is nested too deeply', details: [] } } };
    }
    const [status, code, message] = ANSWERS[error.code] ?? ANSWERS.INTERNAL;
    return { status, body: { success: false, error: { code, message, details: details(error) } }, headers: retryAfter(error) };
  }
}
