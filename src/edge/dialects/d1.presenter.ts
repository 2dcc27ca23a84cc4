import {
  DomainError, FieldIssue, MalformedBodyError, PasswordPolicyError, RequestValidationError,
} from '../../ground/common/errors/domain-errors';
import type { PolicyViolation } from '../../core/password/policy-violation';
import type { DialectPresenter, ErrorResponse } from './presenter';
import { choiceWords, isBlankIssue, retryAfter } from './service.presenter';

/**
 * D1 (`POST /accounts/set-password`, seed 000): every failure is `{"error":"<one sentence>"}`.
 * The seed documents only `400 Bad request`, so every failure the client caused is a 400; the
 * statuses that are not about the request itself (404 route, 405, 413, 429, 503, 500) keep their
 * HTTP meaning, in the same envelope.
 *
 * Policy failures are one sentence listing every failed rule in the seed's words ("Minimum length:
 * 8 characters", "Must contain at least one uppercase letter", ... "digit (number)", "special
 * character (punctuation or symbol)", "Maximum length: 99 characters").
 */
const ANSWERS: Record<string, [number, string]> = {
  REQUEST_INVALID: [400, 'The request is invalid.'],
  MALFORMED_BODY: [400, 'The request body must be a JSON object with a token and a password.'],
  PAYLOAD_TOO_LARGE: [413, 'The request body is too large.'],
  ROUTE_NOT_FOUND: [404, 'No such route; send POST /accounts/set-password with a token and a password.'],
  METHOD_NOT_ALLOWED: [405, 'This method is not allowed; send POST /accounts/set-password.'],
  UNAUTHENTICATED: [401, 'Authentication is required.'],
  INVALID_BEARER_TOKEN: [401, 'The bearer token is invalid or has expired.'],
  FORBIDDEN: [403, 'These credentials do not allow this operation.'],
  SIGN_UP_CLOSED: [403, 'This account does not allow sign-up for this email address.'],
  RATE_LIMITED: [429, 'Too many requests; try again later.'],
  STORAGE_UNAVAILABLE: [503, 'The service is temporarily unavailable; try again later.'],
  INTERNAL: [500, 'Internal error.'],
  INVALID_TOKEN: [400, 'The set-password token is invalid, has expired or has already been used.'],
  PASSWORD_POLICY: [400, 'The password does not meet the password policy.'],
  PASSWORD_ALREADY_SET: [400, 'A password has already been set for this user.'],
  PASSWORD_LOGIN_DISABLED: [400, "The user's account does not sign in with passwords, so no password can be set."],
  // The token names the user; a user that is gone means the token no longer names anyone.
  USER_NOT_FOUND: [400, 'The set-password token is invalid, has expired or has already been used.'],
  ACCOUNT_NOT_FOUND: [400, 'The account does not exist.'],
  API_KEY_NOT_FOUND: [404, 'The API key does not exist.'],
  EMAIL_TAKEN: [400, 'A user with this email address already exists.'],
  ROLE_CONFLICT: [409, 'An account has exactly one owner; make another user owner instead.'],
  LAST_OWNER: [409, 'The owner of an account cannot be deleted; make another user owner first.'],
  INVALID_CREDENTIALS: [401, 'Invalid email or password.'],
  PASSWORD_CHANGE_REQUIRED: [403, 'The password must be changed before signing in.'],
  USER_DISABLED: [403, 'This user is disabled.'],
  INVALID_CURRENT_PASSWORD: [400, 'The current password is wrong.'],
  INVALID_REFRESH_TOKEN: [401, 'The refresh token is invalid, has expired or has been revoked.'],
  INVALID_POLICY: [400, 'The password policy is inconsistent.'],
  WEBHOOK_NOT_FOUND: [404, 'The webhook does not exist.'],
  WEBHOOK_TARGET_REFUSED: [400, 'The webhook URL is not a target this service sends to.'],
  WEBHOOK_LIMIT: [409, 'The account has as many webhooks as it may.'],
};

const CLASS_WORDS = {
  upper: 'contain at least one uppercase letter',
  lower: 'contain at least one lowercase letter',
  digit: 'contain at least one digit (number)',
  special: 'contain at least one special character (punctuation or symbol)',
} as const;

/** The predicate after "Password must …" for one failed rule. */
function ruleWords(v: PolicyViolation): string {
  switch (v.rule) {
    case 'minLength': return `be at least ${v.min} characters long`;
    case 'maxLength': return `be at most ${v.max} characters long`;
    case 'requiredClass': return CLASS_WORDS[v.charClass];
    case 'minClasses': return `contain characters of at least ${v.min} kinds (lowercase letters, uppercase letters, digits, special characters)`;
    case 'common': return 'not be a commonly used password';
    case 'userInfo': return 'not contain your name or email address';
    case 'history': return v.size === 1 ? 'differ from your current password' : `not match any of your last ${v.size} passwords`;
  }
}

/** "Password must be at least 8 characters long, contain at least one digit (number) and not be a commonly used password." */
export function d1PolicySentence(violations: PolicyViolation[]): string {
  return `Password must ${joinWords(violations.map(ruleWords))}.`;
}

function issueWords(issue: FieldIssue): string {
  const field = `the ${issue.path} field`;
  switch (issue.kind) {
    case 'required': return `${field} is required`;
    case 'type': return `${field} must be a ${issue.params?.expected ?? 'string'}`;
    case 'size': {
      const { min, max } = issue.params ?? {};
      if (min !== undefined && max !== undefined) return `${field} must be between ${min} and ${max} characters long`;
      if (isBlankIssue(issue.params)) return `${field} must not be blank`;
      return max !== undefined ? `${field} must be at most ${max} characters long` : `${field} has an invalid length`;
    }
    case 'format': return `${field} is not a valid ${issue.params?.format ?? 'value'}`;
    case 'choice': return `${field} ${choiceWords(issue.params)}`;
    case 'unknown': return `${field} is not allowed`;
    default: return `${field} is invalid`;
  }
}

/** "The token field is required and the password field must be a string." */
export function d1IssuesSentence(issues: FieldIssue[]): string {
  if (issues.length === 0) return ANSWERS.REQUEST_INVALID[1];
  const text = joinWords(issues.map(issueWords));
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function joinWords(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export class D1Presenter implements DialectPresenter {
  present(error: DomainError): ErrorResponse {
    const [status, fallback] = ANSWERS[error.code] ?? ANSWERS.INTERNAL;
    let sentence = fallback;
    if (error instanceof PasswordPolicyError && error.violations.length > 0) sentence = d1PolicySentence(error.violations);
    if (error instanceof RequestValidationError) sentence = d1IssuesSentence(error.issues);
    if (error instanceof MalformedBodyError && error.reason === 'content-type') {
      // Like 413, a transport-level refusal keeps its HTTP meaning (SECURITY.md G5).
      return { status: 415, body: { error: 'The request body must be JSON (Content-Type: application/json).' } };
    }
    if (error instanceof MalformedBodyError && error.reason === 'depth') sentence = 'The request body is nested too deeply.';
    return { status, body: { error: sentence }, headers: retryAfter(error) };
  }
}
