import {
  DomainError, FieldIssue, MalformedBodyError, PasswordPolicyError, RequestValidationError,
} from '../../ground/common/errors/domain-errors';
import type { CharClass, PasswordPolicy } from '../../core/password/password-policy';
import type { PolicyViolation } from '../../core/password/policy-violation';
import type { DialectPresenter, ErrorResponse } from './presenter';
import { choiceWords, retryAfter, ServicePresenter } from './service.presenter';

/**
 * D5 (seed 004, /v1/auth/password-reset/*): `{"error": "<sentence>"}`, one sentence, lower case, no
 * full stop, the seed's sentences word for word. When several things are wrong, one is reported,
 * chosen deterministically:
 * - body: unknown field, then wrong type (what a strict JSON decoder trips on first), then missing or
 *   empty fields (`code and new_password are required`), then too long, then bad format; within a kind,
 *   the first field in the request's declared order;
 * - password policy: the first failed rule in the policy evaluator's order: minimum length, maximum
 *   length, required character classes, k-of-4 classes, common password, user info, history.
 */
const STATUS: Record<string, [number, string]> = {
  INVALID_TOKEN: [400, 'invalid or expired password reset code'],
  USER_NOT_FOUND: [400, 'invalid or expired password reset code'], // the code's user was deleted
  PASSWORD_LOGIN_DISABLED: [400, 'password sign-in is disabled for this account'],
  PAYLOAD_TOO_LARGE: [413, 'request body too large'],
  ROUTE_NOT_FOUND: [404, 'not found'],
  METHOD_NOT_ALLOWED: [405, 'method not allowed'],
  UNAUTHENTICATED: [401, 'unauthorized'],
  INVALID_BEARER_TOKEN: [401, 'unauthorized'],
  FORBIDDEN: [403, 'forbidden'],
  SIGN_UP_CLOSED: [403, 'sign-up is closed for this account'],
  RATE_LIMITED: [429, 'too many requests'],
  STORAGE_UNAVAILABLE: [503, 'service unavailable'],
  INTERNAL: [500, 'internal error'],
  // Not raised on D5 routes today; worded anyway so no code ever falls through.
  PASSWORD_ALREADY_SET: [409, 'password already set'],
  ACCOUNT_NOT_FOUND: [404, 'account not found'],
  API_KEY_NOT_FOUND: [404, 'api key not found'],
  EMAIL_TAKEN: [409, 'email already in use'],
  ROLE_CONFLICT: [409, 'role conflict'],
  LAST_OWNER: [409, 'the owner of an account cannot be deleted'],
  INVALID_CREDENTIALS: [401, 'invalid credentials'],
  PASSWORD_CHANGE_REQUIRED: [403, 'password change required'],
  USER_DISABLED: [403, 'user disabled'],
  INVALID_CURRENT_PASSWORD: [400, 'current password is wrong'],
  INVALID_REFRESH_TOKEN: [401, 'invalid refresh token'],
  INVALID_POLICY: [400, 'invalid password policy'],
};

/** The seed's order: "one uppercase letter, one lowercase letter, one digit, and one special character". */
const SEED_CLASS_ORDER: CharClass[] = ['upper', 'lower', 'digit', 'special'];
const CLASS_WORDS: Record<CharClass, string> = { upper: 'uppercase letter', lower: 'lowercase letter', digit: 'digit', special: 'special character' };

/** The two fields the seed's "required" sentence names. */
const RESET_FIELDS = new Set(['code', 'new_password']);
const KIND_ORDER: FieldIssue['kind'][] = ['unknown', 'type', 'required', 'size', 'format', 'choice', 'range', 'invalid'];

function listWithAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, and ${items[items.length - 1]}`;
}

/**
 * A missing class is reported as the policy's whole class requirement, as the seed words it: with the
 * default policy (all four) always the seed's sentence, whichever class is missing.
 */
function classSentence(missing: CharClass[], policy: PasswordPolicy | undefined): string {
  const required = policy ? SEED_CLASS_ORDER.filter((c) => policy.requiredClasses.includes(c)) : [];
  const named = required.length > 0 ? required : SEED_CLASS_ORDER.filter((c) => missing.includes(c));
  return `password must contain at least ${listWithAnd(named.map((c) => `one ${CLASS_WORDS[c]}`))}`;
}

export function d5ViolationSentence(v: PolicyViolation, all: PolicyViolation[], policy?: PasswordPolicy): string {
  switch (v.rule) {
    case 'minLength': return `password must be at least ${v.min} characters`;
    case 'maxLength': return `password must be at most ${v.max} characters`;
    case 'requiredClass':
      return classSentence(all.flatMap((x) => (x.rule === 'requiredClass' ? [x.charClass] : [])), policy);
    case 'minClasses': return `password must contain at least ${v.min} of the following: uppercase letters, lowercase letters, digits, special characters`;
    case 'common': return 'password is too common';
    case 'userInfo': return 'password must not contain your email address or name';
    case 'history': return `password must not match any of your last ${v.size} passwords`;
  }
}

function fieldName(path: string): string {
  return path === 'new_password' ? 'password' : path;
}

export function d5IssueSentence(issue: FieldIssue): string {
  const p = issue.params ?? {};
  const blank = issue.kind === 'required' || (issue.kind === 'size' && p.min !== undefined && p.max === undefined);
  if (blank) return RESET_FIELDS.has(issue.path) ? 'code and new_password are required' : `${issue.path} is required`;
  switch (issue.kind) {
    case 'unknown': return `unknown field "${issue.path}"`;
    case 'type': return `${issue.path} must be a ${p.expected ?? 'string'}`;
    case 'size': return `${fieldName(issue.path)} must be at most ${p.max} characters`;
    case 'format': return p.format === 'email address' ? 'invalid email address' : `invalid ${issue.path}`;
    case 'choice': return `${issue.path} ${choiceWords(p)}`;
    default: return `invalid ${issue.path}`;
  }
}

function kindRank(issue: FieldIssue): number {
  const p = issue.params ?? {};
  const blank = issue.kind === 'size' && p.min !== undefined && p.max === undefined;
  return KIND_ORDER.indexOf(blank ? 'required' : issue.kind);
}

/** The one issue D5 reports: by kind (KIND_ORDER), then by position in the request's declared fields. */
export function firstIssue(issues: FieldIssue[]): FieldIssue | undefined {
  return issues.map((issue, i) => ({ issue, i })).sort((a, b) => kindRank(a.issue) - kindRank(b.issue) || a.i - b.i)[0]?.issue;
}

export class D5Presenter implements DialectPresenter {
  private readonly fallback = new ServicePresenter();

  present(error: DomainError): ErrorResponse {
    if (error instanceof RequestValidationError) {
      const issue = firstIssue(error.issues);
      return { status: 400, body: { error: issue ? d5IssueSentence(issue) : 'invalid request body' } };
    }
    if (error instanceof PasswordPolicyError) {
      const [first] = error.violations;
      return { status: 400, body: { error: first ? d5ViolationSentence(first, error.violations, error.policy) : 'password does not meet the password policy' } };
    }
    if (error instanceof MalformedBodyError) {
      return error.reason === 'content-type'
        ? { status: 415, body: { error: 'unsupported content type' } }
        : { status: 400, body: { error: 'invalid request body' } };
    }
    const known = STATUS[error.code];
    if (known) return { status: known[0], body: { error: known[1] }, headers: retryAfter(error) };
    // A code added later: the service's status, a neutral sentence.
    return { status: this.fallback.present(error).status, body: { error: 'request failed' } };
  }
}
