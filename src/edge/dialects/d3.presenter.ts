import {
  DomainError, FieldIssue, MalformedBodyError, PasswordPolicyError, RequestValidationError,
} from '../../ground/common/errors/domain-errors';
import type { PolicyViolation } from '../../core/password/policy-violation';
import type { DialectPresenter, ErrorResponse } from './presenter';
import { retryAfter, ServicePresenter } from './service.presenter';

/**
 * D3 (seed 002, the integrator password API `/v1/password/{user_id}`) envelopes:
 *   400 {"message","syntaxErrors":{"invalidFields":[{"fieldName","error","params"}]}}
 *   403 {"errorCode":"INSUFFICIENT_PERMISSIONS"}
 *   409 {"errorCode":<seed enum>}
 *   401, 404, 405, 413, 415, 429, 500, 503: the seed's default {"code","message"}.
 *
 * Every domain error has an answer below; one this table does not know yet (added later elsewhere)
 * gets the service's status in the default envelope, so nothing new ever turns into a 500.
 */
export type D3FieldError =
  | 'REQUIRED' | 'HAS_TEXT' | 'REQUIRES' | 'SIZE' | 'RANGE' | 'IN' | 'NOT_IN' | 'REGEX' | 'EXACTLY' | 'AT_LEAST' | 'AT_MOST' | 'ALL_OR_NONE';

export type D3ConflictCode =
  | 'UNRESOLVED_IDENTITY' | 'PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE' | 'PASSWORD_TOO_SHORT' | 'PASSWORD_TOO_LONG'
  | 'PASSWORD_TOO_SIMPLE' | 'PASSWORD_KEY_ALREADY_IN_USE' | 'PASSWORD_ALREADY_CREATED';

export interface D3InvalidField {
  fieldName: string;
  error: D3FieldError;
  params: Array<string | number>;
}

/** The one body shape D3 accepts, for the params of unknown-field and wrong-type answers. */
const D3_BODY_FIELDS: Record<string, string[]> = { '': ['password'], password: ['value'] };

/**
 * Which 409 code a policy failure gets when several rules fail: the first that applies, in this order.
 * Length first (the seed lists it first, and it is what a user fixes first), then composition
 * (missing class, k-of-4, common password, personal info: all PASSWORD_TOO_SIMPLE), and reuse last:
 * a password that breaks the current policy is answered as such even if it was also used before.
 */
export const D3_POLICY_PRECEDENCE: ReadonlyArray<[PolicyViolation['rule'], D3ConflictCode]> = [
  ['minLength', 'PASSWORD_TOO_SHORT'],
  ['maxLength', 'PASSWORD_TOO_LONG'],
  ['requiredClass', 'PASSWORD_TOO_SIMPLE'],
  ['minClasses', 'PASSWORD_TOO_SIMPLE'],
  ['common', 'PASSWORD_TOO_SIMPLE'],
  ['userInfo', 'PASSWORD_TOO_SIMPLE'],
  ['history', 'PASSWORD_KEY_ALREADY_IN_USE'],
];

export function d3PolicyCode(violations: PolicyViolation[]): D3ConflictCode {
  const rules = new Set(violations.map((v) => v.rule));
  return D3_POLICY_PRECEDENCE.find(([rule]) => rules.has(rule))?.[1] ?? 'PASSWORD_TOO_SIMPLE';
}

/** The fields D3 declares under `parent` (own keys only: a client's "constructor" is no declared object). */
function bodyFields(parent: string): string[] {
  return Object.hasOwn(D3_BODY_FIELDS, parent) ? D3_BODY_FIELDS[parent] : [];
}

/** One FieldIssue in the seed's vocabulary. */
export function d3InvalidField(issue: FieldIssue): D3InvalidField {
  const fieldName = issue.path;
  switch (issue.kind) {
    case 'required':
      return { fieldName, error: 'REQUIRED', params: [] };
    case 'size':
      return { fieldName, error: 'SIZE', params: [issue.params?.min, issue.params?.max].filter((p): p is string | number => p !== undefined) };
    case 'type':
      // An object where a member is expected "requires" its members; a non-string where text is expected has no text.
      return issue.params?.expected === 'object'
        ? { fieldName, error: 'REQUIRES', params: bodyFields(fieldName) }
        : { fieldName, error: 'HAS_TEXT', params: [] };
    case 'unknown': {
      const parent = fieldName.includes('.') ? fieldName.slice(0, fieldName.lastIndexOf('.')) : '';
      return { fieldName, error: 'IN', params: bodyFields(parent) };
    }
    case 'choice':
      return { fieldName, error: 'IN', params: issue.params?.allowed === undefined ? [] : String(issue.params.allowed).split(', ') };
    case 'range':
      return { fieldName, error: 'RANGE', params: [issue.params?.min, issue.params?.max].filter((p): p is string | number => p !== undefined) };
    case 'format':
    case 'invalid':
      return { fieldName, error: 'REGEX', params: [] };
  }
}

const badRequest = (message: string, invalidFields: D3InvalidField[] = []): ErrorResponse => ({
  status: 400,
  body: { message, syntaxErrors: { invalidFields } },
});
const conflict = (errorCode: D3ConflictCode): ErrorResponse => ({ status: 409, body: { errorCode } });
const coded = (status: number, code: string, message: string): ErrorResponse => ({ status, body: { code, message } });

const fallback = new ServicePresenter();

export class D3Presenter implements DialectPresenter {
  present(error: DomainError): ErrorResponse {
    const response = this.respond(error);
    const headers = retryAfter(error);
    return headers ? { ...response, headers } : response;
  }

  private respond(error: DomainError): ErrorResponse {
    switch (error.code) {
      case 'REQUEST_INVALID':
        return badRequest('The request body is invalid; see syntaxErrors.invalidFields.', (error as RequestValidationError).issues.map(d3InvalidField));
      case 'MALFORMED_BODY':
        return (error as MalformedBodyError).reason === 'content-type'
          ? coded(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json in UTF-8.')
          : badRequest((error as MalformedBodyError).reason === 'depth' ? 'The request body is nested too deeply.' : 'The request body is not valid JSON.');
      case 'INVALID_POLICY':
      case 'INVALID_TOKEN':
        return badRequest('The request is invalid.');
      case 'PAYLOAD_TOO_LARGE':
        return coded(413, error.code, 'The request body is too large.');
      case 'UNAUTHENTICATED':
      case 'INVALID_BEARER_TOKEN':
        return coded(401, 'UNAUTHENTICATED', 'A valid API key is required in the X-Api-Key header.');
      case 'INVALID_CREDENTIALS':
        return coded(401, error.code, 'Invalid email or password.');
      case 'INVALID_REFRESH_TOKEN':
        return coded(401, error.code, 'The refresh token is invalid, expired or revoked.');
      case 'FORBIDDEN':
        return { status: 403, body: { errorCode: 'INSUFFICIENT_PERMISSIONS' } };
      case 'USER_NOT_FOUND':
        return coded(404, error.code, 'No user with this id.');
      case 'ACCOUNT_NOT_FOUND':
        return coded(404, error.code, 'No account with this id.');
      case 'API_KEY_NOT_FOUND':
        return coded(404, error.code, 'No API key with this id.');
      case 'ROUTE_NOT_FOUND':
        return coded(404, error.code, 'No such route.');
      case 'METHOD_NOT_ALLOWED':
        return coded(405, error.code, 'This method is not allowed on this route.');
      case 'PASSWORD_POLICY':
        return conflict(d3PolicyCode((error as PasswordPolicyError).violations));
      case 'PASSWORD_ALREADY_SET':
        return conflict('PASSWORD_ALREADY_CREATED');
      case 'PASSWORD_LOGIN_DISABLED':
        return conflict('PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE');
      case 'EMAIL_TAKEN':
        // The seed's 409 has no "taken"; the identity cannot be resolved to one user.
        return conflict('UNRESOLVED_IDENTITY');
      case 'RATE_LIMITED':
        return coded(429, error.code, 'Too many requests; try again later.');
      case 'STORAGE_UNAVAILABLE':
        return coded(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; try again later.');
      case 'INTERNAL':
        return coded(500, 'INTERNAL_ERROR', 'internal error');
      default: {
        // A code added elsewhere after this table: the service's status, in this dialect's shape for it.
        const { status } = fallback.present(error);
        if (status === 400) return badRequest('The request is invalid.');
        if (status === 403) return { status, body: { errorCode: 'INSUFFICIENT_PERMISSIONS' } };
        if (status === 409) return conflict('UNRESOLVED_IDENTITY');
        return coded(status, error.code, 'The request cannot be completed.');
      }
    }
  }
}
