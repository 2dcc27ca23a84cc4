import * as errors from '../../ground/common/errors/domain-errors';
import { DomainError, MalformedBodyError, PasswordPolicyError, RateLimitedError, RequestValidationError } from '../../ground/common/errors/domain-errors';
import { D1Presenter, d1PolicySentence } from './d1.presenter';

/** One instance of every DomainError class the service defines. */
function everyDomainError(): DomainError[] {
  const args: Record<string, unknown[]> = {
    RequestValidationError: [[{ path: 'token', kind: 'required' }]],
    PasswordPolicyError: [[{ rule: 'minLength', min: 8 }]],
    InvalidPolicyError: [['minLength must be an integer of at least 8.']],
    RateLimitedError: [30],
  };
  return Object.entries(errors)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof DomainError)
    .map(([name, Cls]) => new (Cls as new (...a: unknown[]) => DomainError)(...(args[name] ?? [])));
}

describe('D1Presenter', () => {
  const sut = new D1Presenter();

  it('answers every domain error as {"error": "<one sentence>"}, a 500 only for internal errors', () => {
    const all = everyDomainError();
    expect(all.length).toBeGreaterThan(20);
    for (const error of all) {
      const { status, body } = sut.present(error);
      expect(Object.keys(body as object)).toEqual(['error']);
      const sentence = (body as { error: string }).error;
      expect(sentence).toMatch(/^[A-Z][^]*\.$/);
      expect(sentence.slice(0, -1)).not.toMatch(/\.\s/); // one sentence
      if (error.code === 'INTERNAL') expect(status).toBe(500);
      else if (error.code === 'STORAGE_UNAVAILABLE') expect(status).toBe(503);
      else expect(status).toBeLessThan(500);
    }
  });

  it.each([
    ['INVALID_TOKEN', new errors.InvalidTokenError(), 400],
    ['PASSWORD_ALREADY_SET', new errors.PasswordAlreadySetError(), 400],
    ['PASSWORD_LOGIN_DISABLED', new errors.PasswordLoginDisabledError(), 400],
    ['USER_NOT_FOUND', new errors.UserNotFoundError(), 400],
    ['MALFORMED_BODY', new MalformedBodyError('json'), 400],
    ['MALFORMED_BODY content-type', new MalformedBodyError('content-type'), 415],
    ['MALFORMED_BODY depth', new MalformedBodyError('depth'), 400],
    ['PAYLOAD_TOO_LARGE', new errors.PayloadTooLargeError(), 413],
    ['RATE_LIMITED', new RateLimitedError(), 429],
    ['STORAGE_UNAVAILABLE', new errors.StorageUnavailableError(), 503],
    ['INTERNAL', new errors.InternalError(), 500],
  ])('%s → %s', (_name, error, status) => {
    expect(sut.present(error).status).toBe(status);
  });

  it('adds Retry-After when rate limited with a known wait', () => {
    expect(sut.present(new RateLimitedError(42)).headers).toEqual({ 'Retry-After': '42' });
  });

  it('lists every failed rule in one sentence, in the seed\'s words', () => {
    expect(d1PolicySentence([{ rule: 'minLength', min: 8 }])).toBe('Password must be at least 8 characters long.');
    expect(
      d1PolicySentence([
        { rule: 'minLength', min: 8 },
        { rule: 'maxLength', max: 99 },
        { rule: 'requiredClass', charClass: 'lower' },
        { rule: 'requiredClass', charClass: 'upper' },
        { rule: 'requiredClass', charClass: 'digit' },
        { rule: 'requiredClass', charClass: 'special' },
        { rule: 'common' },
        { rule: 'userInfo' },
        { rule: 'history', size: 5 },
      ]),
    ).toBe(
      'Password must be at least 8 characters long, be at most 99 characters long, contain at least one lowercase letter, ' +
        'contain at least one uppercase letter, contain at least one digit (number), contain at least one special character (punctuation or symbol), ' +
        'not be a commonly used password, not contain your name or email address and not match any of your last 5 passwords.',
    );
    expect(d1PolicySentence([{ rule: 'history', size: 1 }])).toBe('Password must differ from your current password.');
    expect(sut.present(new PasswordPolicyError([{ rule: 'common' }])).body).toEqual({ error: 'Password must not be a commonly used password.' });
  });

  it('names the invalid fields in one sentence', () => {
    const error = new RequestValidationError([
      { path: 'token', kind: 'required' },
      { path: 'password', kind: 'type', params: { expected: 'string' } },
      { path: 'role', kind: 'unknown' },
    ]);
    expect(sut.present(error)).toEqual({
      status: 400,
      body: { error: 'The token field is required, the password field must be a string and the role field is not allowed.' },
      headers: undefined,
    });
  });
});
