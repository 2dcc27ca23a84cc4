import * as errors from '../../ground/common/errors/domain-errors';
import { DomainError, MalformedBodyError, PasswordPolicyError, RateLimitedError, RequestValidationError } from '../../ground/common/errors/domain-errors';
import { D4Presenter } from './d4.presenter';

/** One instance of every DomainError subclass exported by domain-errors.ts, including ones added later. */
function everyDomainError(): DomainError[] {
  const args: Record<string, unknown[]> = {
    RequestValidationError: [[{ path: 'password', kind: 'required' }]],
    PasswordPolicyError: [[{ rule: 'minLength', min: 8 }]],
    InvalidPolicyError: [['minLength must be an integer of at least 8.']],
  };
  return Object.entries(errors)
    .filter(([, value]) => typeof value === 'function' && value !== DomainError && value.prototype instanceof DomainError)
    .map(([name, Cls]) => new (Cls as unknown as new (...a: unknown[]) => DomainError)(...(args[name] ?? [])));
}

describe('D4Presenter (DRF style)', () => {
  const sut = new D4Presenter();

  it('answers every domain error as field errors (400) or {"detail"}; only INTERNAL is a 500', () => {
    const all = everyDomainError();
    expect(all.length).toBeGreaterThanOrEqual(20);
    for (const error of all) {
      const { status, body } = sut.present(error);
      if (error.code === 'INTERNAL') expect(status).toBe(500);
      else expect([error.code, status]).not.toEqual([error.code, 500]);
      const b = body as Record<string, unknown>;
      if ('detail' in b) {
        expect(Object.keys(b)).toEqual(['detail']);
        expect(typeof b.detail).toBe('string');
      } else {
        expect(status).toBe(400);
        for (const sentences of Object.values(b)) {
          expect(Array.isArray(sentences)).toBe(true);
          for (const s of sentences as unknown[]) expect(s).toMatch(/^[A-Z].*\.$/);
        }
      }
    }
  });

  it('words field issues as DRF serializers do, grouped by field', () => {
    const { status, body } = sut.present(new RequestValidationError([
      { path: 'validation_code', kind: 'required' },
      { path: 'password', kind: 'size', params: { min: 1 } },
      { path: 'email', kind: 'format', params: { format: 'email address' } },
      { path: 'role', kind: 'unknown' },
      { path: 'password', kind: 'size', params: { max: 4096 } },
    ]));
    expect(status).toBe(400);
    expect(body).toEqual({
      validation_code: ['This field is required.'],
      password: ['This field may not be blank.', 'Ensure this field has no more than 4096 characters.'],
      email: ['Enter a valid email address.'],
      role: ['This field is not allowed.'],
    });
  });

  it('lists every failed policy rule under "password", in Django validator voice', () => {
    const { body } = sut.present(new PasswordPolicyError([
      { rule: 'minLength', min: 8 }, { rule: 'maxLength', max: 128 }, { rule: 'requiredClass', charClass: 'digit' },
      { rule: 'minClasses', min: 3, actual: 1 }, { rule: 'common' }, { rule: 'userInfo' }, { rule: 'history', size: 5 },
    ]));
    expect(body).toEqual({
      password: [
        'This password is too short. It must contain at least 8 characters.',
        'This password is too long. It must contain at most 128 characters.',
        'This password must contain at least one number.',
        'This password must contain at least 3 of the following 4 types of characters: lower case letters, upper case letters, numbers and special characters.',
        'This password is too common.',
        'The password is too similar to your email address or name.',
        'This password must not match any of your last 5 passwords.',
      ],
    });
  });

  it('answers an invalid code under "validation_code", throttling with Retry-After, bad JSON and storage outages in {"detail"}', () => {
    expect(sut.present(new errors.InvalidTokenError())).toEqual({ status: 400, body: { validation_code: ['Invalid or expired validation code.'] } });
    expect(sut.present(new RateLimitedError(42))).toEqual({
      status: 429, body: { detail: 'Request was throttled. Expected available in 42 seconds.' }, headers: { 'Retry-After': '42' },
    });
    expect(sut.present(new MalformedBodyError('json'))).toEqual({ status: 400, body: { detail: 'JSON parse error.' } });
    expect(sut.present(new MalformedBodyError('content-type')).status).toBe(415);
    expect(sut.present(new errors.PayloadTooLargeError())).toEqual({ status: 413, body: { detail: 'Request body is too large.' } });
    expect(sut.present(new errors.StorageUnavailableError())).toEqual({ status: 503, body: { detail: 'Service temporarily unavailable, try again later.' } });
  });
});
