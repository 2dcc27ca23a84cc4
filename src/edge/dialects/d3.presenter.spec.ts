import * as errors from '../../ground/common/errors/domain-errors';
import { DomainError, FieldIssue, MalformedBodyError, PasswordPolicyError, RateLimitedError, RequestValidationError } from '../../ground/common/errors/domain-errors';
import type { PolicyViolation } from '../../core/password/policy-violation';
import { d3InvalidField, d3PolicyCode, D3Presenter } from './d3.presenter';

const SEED_409 = [
  'UNRESOLVED_IDENTITY', 'PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE', 'PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG',
  'PASSWORD_TOO_SIMPLE', 'PASSWORD_KEY_ALREADY_IN_USE', 'PASSWORD_ALREADY_CREATED',
];
const SEED_FIELD_ERRORS = ['REQUIRED', 'HAS_TEXT', 'REQUIRES', 'SIZE', 'RANGE', 'IN', 'NOT_IN', 'REGEX', 'EXACTLY', 'AT_LEAST', 'AT_MOST', 'ALL_OR_NONE'];

/** One instance of every DomainError subclass exported by domain-errors.ts, including ones added later. */
function everyDomainError(): DomainError[] {
  const args: Record<string, unknown[]> = {
    RequestValidationError: [[{ path: 'password.value', kind: 'required' }]],
    PasswordPolicyError: [[{ rule: 'minLength', min: 8 }]],
    InvalidPolicyError: [['minLength must be an integer of at least 8.']],
  };
  return Object.entries(errors)
    .filter(([, value]) => typeof value === 'function' && value !== DomainError && value.prototype instanceof DomainError)
    .map(([name, Cls]) => new (Cls as unknown as new (...a: unknown[]) => DomainError)(...(args[name] ?? [])));
}

describe('D3Presenter', () => {
  const sut = new D3Presenter();

  it('answers every domain error in one of the seed\'s envelopes; only INTERNAL is a 500', () => {
    const all = everyDomainError();
    expect(all.length).toBeGreaterThanOrEqual(20);
    for (const error of all) {
      const { status, body } = sut.present(error);
      const b = body as Record<string, unknown>;
      if (error.code === 'INTERNAL') expect(status).toBe(500);
      else expect({ code: error.code, status }).not.toEqual({ code: error.code, status: 500 });
      if (status === 400) {
        expect(Object.keys(b).sort()).toEqual(['message', 'syntaxErrors']);
        expect(Array.isArray((b.syntaxErrors as { invalidFields: unknown[] }).invalidFields)).toBe(true);
      } else if (status === 403) {
        expect(b).toEqual({ errorCode: 'INSUFFICIENT_PERMISSIONS' });
      } else if (status === 409) {
        expect(Object.keys(b)).toEqual(['errorCode']);
        expect(SEED_409).toContain(b.errorCode);
      } else {
        expect(Object.keys(b).sort()).toEqual(['code', 'message']);
        expect(typeof b.code).toBe('string');
        expect(typeof b.message).toBe('string');
      }
    }
  });

  it.each([
    [401, new errors.UnauthenticatedError()],
    [403, new errors.ForbiddenError()],
    [404, new errors.UserNotFoundError()],
    [409, new errors.PasswordAlreadySetError()],
    [409, new errors.PasswordLoginDisabledError()],
    [429, new RateLimitedError()],
    [503, new errors.StorageUnavailableError()],
    [413, new errors.PayloadTooLargeError()],
    [400, new MalformedBodyError('json')],
    [415, new MalformedBodyError('content-type')],
  ].map(([status, error]) => [status, (error as DomainError).code, error]) as Array<[number, string, DomainError]>)('%i for %s', (status, _code, error) => {
    expect(sut.present(error).status).toBe(status);
  });

  it('passes Retry-After on when the limiter knows it', () => {
    expect(sut.present(new RateLimitedError(30)).headers).toEqual({ 'Retry-After': '30' });
    expect(sut.present(new RateLimitedError()).headers).toBeUndefined();
  });

  it('maps create-semantics errors to the seed codes', () => {
    expect(sut.present(new errors.PasswordAlreadySetError()).body).toEqual({ errorCode: 'PASSWORD_ALREADY_CREATED' });
    expect(sut.present(new errors.PasswordLoginDisabledError()).body).toEqual({ errorCode: 'PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE' });
  });
});

describe('d3PolicyCode precedence: length, then composition, then reuse', () => {
  const short: PolicyViolation = { rule: 'minLength', min: 8 };
  const long: PolicyViolation = { rule: 'maxLength', max: 30 };
  const noDigit: PolicyViolation = { rule: 'requiredClass', charClass: 'digit' };
  const kOf4: PolicyViolation = { rule: 'minClasses', min: 3, actual: 2 };
  const common: PolicyViolation = { rule: 'common' };
  const userInfo: PolicyViolation = { rule: 'userInfo' };
  const reused: PolicyViolation = { rule: 'history', size: 5 };

  it.each([
    [[short], 'PASSWORD_TOO_SHORT'],
    [[long], 'PASSWORD_TOO_LONG'],
    [[noDigit], 'PASSWORD_TOO_SIMPLE'],
    [[kOf4], 'PASSWORD_TOO_SIMPLE'],
    [[common], 'PASSWORD_TOO_SIMPLE'],
    [[userInfo], 'PASSWORD_TOO_SIMPLE'],
    [[reused], 'PASSWORD_KEY_ALREADY_IN_USE'],
    [[reused, noDigit, short], 'PASSWORD_TOO_SHORT'],
    [[reused, long, noDigit], 'PASSWORD_TOO_LONG'],
    [[reused, common], 'PASSWORD_TOO_SIMPLE'],
    [[reused, userInfo], 'PASSWORD_TOO_SIMPLE'],
  ] as Array<[PolicyViolation[], string]>)('%j → %s', (violations, code) => {
    expect(d3PolicyCode(violations)).toBe(code);
    expect(new D3Presenter().present(new PasswordPolicyError(violations)).body).toEqual({ errorCode: code });
  });
});

describe('d3InvalidField', () => {
  it.each([
    [{ path: 'password', kind: 'required' }, { fieldName: 'password', error: 'REQUIRED', params: [] }],
    [{ path: 'password.value', kind: 'size', params: { min: 1, max: 1024 } }, { fieldName: 'password.value', error: 'SIZE', params: [1, 1024] }],
    [{ path: 'password.value', kind: 'type', params: { expected: 'string' } }, { fieldName: 'password.value', error: 'HAS_TEXT', params: [] }],
    [{ path: 'password', kind: 'type', params: { expected: 'object' } }, { fieldName: 'password', error: 'REQUIRES', params: ['value'] }],
    [{ path: 'role', kind: 'unknown' }, { fieldName: 'role', error: 'IN', params: ['password'] }],
    [{ path: 'password.extra', kind: 'unknown' }, { fieldName: 'password.extra', error: 'IN', params: ['value'] }],
    [{ path: 'x', kind: 'range', params: { min: 0, max: 5 } }, { fieldName: 'x', error: 'RANGE', params: [0, 5] }],
    [{ path: 'x', kind: 'format' }, { fieldName: 'x', error: 'REGEX', params: [] }],
    [{ path: 'locale', kind: 'choice', params: { allowed: 'de, en' } }, { fieldName: 'locale', error: 'IN', params: ['de', 'en'] }],
    [{ path: 'x', kind: 'invalid' }, { fieldName: 'x', error: 'REGEX', params: [] }],
  ] as Array<[FieldIssue, unknown]>)('%j', (issue, expected) => {
    const field = d3InvalidField(issue);
    expect(field).toEqual(expected);
    expect(SEED_FIELD_ERRORS).toContain(field.error);
  });

  it('lists every invalid field of a request', () => {
    const { body } = new D3Presenter().present(new RequestValidationError([{ path: 'role', kind: 'unknown' }, { path: 'password', kind: 'required' }]));
    expect((body as { syntaxErrors: { invalidFields: unknown[] } }).syntaxErrors.invalidFields).toHaveLength(2);
  });
});
