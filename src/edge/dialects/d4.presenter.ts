import {
  DomainError, FieldIssue, MalformedBodyError, PasswordPolicyError, RateLimitedError, RequestValidationError,
} from '../../ground/common/errors/domain-errors';
import type { PolicyViolation } from '../../core/password/policy-violation';
import type { CharClass } from '../../core/password/password-policy';
import type { DialectPresenter, ErrorResponse } from './presenter';
import { retryAfter, ServicePresenter } from './service.presenter';

/**
 * D4 (seed 003, /api/v2/account/*): the seed is a Django REST Framework API, so errors look like DRF's.
 * - Field errors: `400 {"<field>": ["<sentence>", ...]}`, e.g. {"validation_code": ["Invalid or expired validation code."]},
 *   {"password": ["This field is required."]}; password-policy failures as Django validator sentences under "password",
 *   every failed rule one sentence.
 * - Errors not about a field: DRF's `{"detail": "<sentence>"}` with the HTTP status (malformed JSON 400, 413, 415, 404,
 *   405, 429 with Retry-After, 503, 500), like DRF's ParseError, Throttled, NotFound...
 */
const DETAIL: Record<string, [number, string]> = {
  PAYLOAD_TOO_LARGE: [413, 'Request body is too large.'],
  ROUTE_NOT_FOUND: [404, 'Not found.'],
  METHOD_NOT_ALLOWED: [405, 'Method not allowed.'],
  UNAUTHENTICATED: [401, 'Authentication credentials were not provided.'],
  INVALID_BEARER_TOKEN: [401, 'Given token not valid for any token type.'],
  FORBIDDEN: [403, 'You do not have permission to perform this action.'],
  SIGN_UP_CLOSED: [403, 'Sign-up to this account is closed for this email address.'],
  STORAGE_UNAVAILABLE: [503, 'Service temporarily unavailable, try again later.'],
  INTERNAL: [500, 'A server error occurred.'],
};

const INVALID_CODE = 'Invalid or expired validation code.';

const CLASS_WORDS: Record<CharClass, string> = { lower: 'lower case letter', upper: 'upper case letter', digit: 'number', special: 'special character' };

/** Django password-validator voice. */
export function d4ViolationSentence(v: PolicyViolation): string {
  switch (v.rule) {
    case 'minLength': return `This password is too short. It must contain at least ${v.min} characters.`;
    case 'maxLength': return `This password is too long. It must contain at most ${v.max} characters.`;
    case 'requiredClass': return `This password must contain at least one ${CLASS_WORDS[v.charClass]}.`;
    case 'minClasses': return `This password must contain at least ${v.min} of the following 4 types of characters: lower case letters, upper case letters, numbers and special characters.`;
    case 'common': return 'This password is too common.';
    case 'userInfo': return 'The password is too similar to your email address or name.';
    case 'history': return `This password must not match any of your last ${v.size} passwords.`;
  }
}

/** DRF serializer-field voice. */
export function d4IssueSentence(issue: FieldIssue): string {
  const p = issue.params ?? {};
  switch (issue.kind) {
    case 'required': return 'This field is required.';
    case 'type': return p.expected === 'string' ? 'Not a valid string.' : 'Incorrect type.';
    case 'size':
      if (p.max !== undefined && p.min === undefined) return `Ensure this field has no more than ${p.max} characters.`;
      if (p.min !== undefined && p.max === undefined) return Number(p.min) <= 1 ? 'This field may not be blank.' : `Ensure this field has at least ${p.min} characters.`;
      return `Ensure this field has at least ${p.min} and no more than ${p.max} characters.`;
    case 'format': return p.format === 'email address' ? 'Enter a valid email address.' : 'Enter a valid value.';
    case 'unknown': return 'This field is not allowed.';
    case 'range': return 'Ensure this value is within the allowed range.';
    // Django's ChoiceField voice, without echoing the input back.
    case 'choice': return 'Select a valid choice.';
    default: return 'Invalid value.';
  }
}

function fieldErrors(issues: FieldIssue[]): Record<string, string[]> {
  // No prototype: a client's field named "valueOf" or "constructor" is just a key here.
  const body: Record<string, string[]> = Object.create(null);
  for (const issue of issues) (body[issue.path] ??= []).push(d4IssueSentence(issue));
  return body;
}

export class D4Presenter implements DialectPresenter {
  private readonly fallback = new ServicePresenter();

  present(error: DomainError): ErrorResponse {
    if (error instanceof RequestValidationError) return { status: 400, body: fieldErrors(error.issues) };
    if (error instanceof PasswordPolicyError) return { status: 400, body: { password: error.violations.map(d4ViolationSentence) } };
    if (error instanceof RateLimitedError) {
      const wait = error.retryAfterSeconds ? ` Expected available in ${error.retryAfterSeconds} seconds.` : '';
      return { status: 429, body: { detail: `Request was throttled.${wait}` }, headers: retryAfter(error) };
    }
    if (error instanceof MalformedBodyError) {
      return error.reason === 'content-type'
        ? { status: 415, body: { detail: 'Unsupported media type in request.' } }
        : { status: 400, body: { detail: error.reason === 'depth' ? 'JSON parse error - nested too deeply.' : 'JSON parse error.' } };
    }
    switch (error.code) {
      case 'INVALID_TOKEN':
      case 'USER_NOT_FOUND': // the code's user was deleted: the code is as good as expired
        return { status: 400, body: { validation_code: [INVALID_CODE] } };
      case 'PASSWORD_LOGIN_DISABLED':
        return { status: 400, body: { non_field_errors: ['This account does not sign in with a password.'] } };
    }
    const known = DETAIL[error.code];
    if (known) return { status: known[0], body: { detail: known[1] } };
    // Codes no D4 route raises: the service's status and message, in DRF's shape.
    const { status, body } = this.fallback.present(error);
    return { status, body: { detail: (body as { message?: string }).message ?? 'Error.' } };
  }
}
