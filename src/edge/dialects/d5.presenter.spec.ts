import * as errors from '../../ground/common/errors/domain-errors';
import { DomainError, FieldIssue, MalformedBodyError, PasswordPolicyError, RateLimitedError, RequestValidationError } from '../../ground/common/errors/domain-errors';
import { completePolicy, DEFAULT_PASSWORD_POLICY } from '../../core/password/password-policy';
import { D5Presenter } from './d5.presenter';

function everyDomainError(): DomainError[] {
  const args: Record<string, unknown[]> = {
    RequestValidationError: [[{ path: 'code', kind: 'required' }]],
    PasswordPolicyError: [[{ rule: 'minLength', min: 8 }]],
    InvalidPolicyError: [['minLength must be an integer of at least 8.']],
  };
  return Object.entries(errors)
    .filter(([, value]) => typeof value === 'function' && value !== DomainError && value.prototype instanceof DomainError)
    .map(([name, Cls]) => new (Cls as unknown as new (...a: unknown[]) => DomainError)(...(args[name] ?? [])));
}

const SEED_CLASSES = 'password must contain at least one uppercase letter, one lowercase letter, one digit, and one special character';

describe('D5Presenter ({"error": "..."})', () => {
  const sut = new D5Presenter();
  const issues = (...list: FieldIssue[]) => sut.present(new RequestValidationError(list));

  it('answers every domain error as {"error": one lower-case sentence}; only INTERNAL is a 500, and it says "internal error"', () => {
    for (const error of everyDomainError()) {
      const { status, body } = sut.present(error);
      expect(Object.keys(body as object)).toEqual(['error']);
      const sentence = (body as { error: string }).error;
      expect(sentence).toMatch(/^[a-z][^.]*$/);
      if (error.code === 'INTERNAL') expect([status, sentence]).toEqual([500, 'internal error']);
      else expect(status).not.toBe(500);
    }
  });

  it('uses the seed\'s sentences word for word', () => {
    expect(issues({ path: 'code', kind: 'required' }).body).toEqual({ error: 'code and new_password are required' });
    expect(issues({ path: 'new_password', kind: 'size', params: { min: 1 } }).body).toEqual({ error: 'code and new_password are required' });
    expect(sut.present(new PasswordPolicyError([{ rule: 'minLength', min: 8 }])).body).toEqual({ error: 'password must be at least 8 characters' });
    expect(sut.present(new errors.InvalidTokenError())).toEqual({ status: 400, body: { error: 'invalid or expired password reset code' } });
    expect(sut.present(new errors.InternalError())).toEqual({ status: 500, body: { error: 'internal error' } });
  });

  it('words a missing class as the policy\'s whole class requirement (the seed\'s sentence under the default policy)', () => {
    const missingSpecial = new PasswordPolicyError([{ rule: 'requiredClass', charClass: 'special' }], DEFAULT_PASSWORD_POLICY);
    expect(sut.present(missingSpecial).body).toEqual({ error: SEED_CLASSES });
    const partial = completePolicy({ requiredClasses: ['digit', 'upper'] });
    expect(sut.present(new PasswordPolicyError([{ rule: 'requiredClass', charClass: 'digit' }], partial)).body).toEqual({
      error: 'password must contain at least one uppercase letter and one digit',
    });
    // without the policy: the missing classes
    expect(sut.present(new PasswordPolicyError([{ rule: 'requiredClass', charClass: 'digit' }])).body).toEqual({ error: 'password must contain at least one digit' });
  });

  it('reports one failure, chosen deterministically: the first policy rule; for bodies unknown > type > missing > size > format', () => {
    const policy = new PasswordPolicyError([{ rule: 'minLength', min: 8 }, { rule: 'requiredClass', charClass: 'upper' }, { rule: 'common' }], DEFAULT_PASSWORD_POLICY);
    expect(sut.present(policy).body).toEqual({ error: 'password must be at least 8 characters' });
    expect(issues({ path: 'new_password', kind: 'required' }, { path: 'code', kind: 'type', params: { expected: 'string' } }).body).toEqual({ error: 'code must be a string' });
    expect(issues({ path: 'code', kind: 'type', params: { expected: 'string' } }, { path: 'role', kind: 'unknown' }).body).toEqual({ error: 'unknown field "role"' });
    expect(issues({ path: 'new_password', kind: 'size', params: { max: 4096 } }, { path: 'code', kind: 'required' }).body).toEqual({ error: 'code and new_password are required' });
    expect(issues({ path: 'new_password', kind: 'size', params: { max: 4096 } }).body).toEqual({ error: 'password must be at most 4096 characters' });
    expect(issues({ path: 'email', kind: 'format', params: { format: 'email address' } }, { path: 'new_password', kind: 'size', params: { max: 4096 } }).body).toEqual({ error: 'password must be at most 4096 characters' });
    expect(issues({ path: 'email', kind: 'format', params: { format: 'email address' } }).body).toEqual({ error: 'invalid email address' });
    expect(issues({ path: 'email', kind: 'required' }).body).toEqual({ error: 'email is required' });
  });

  it('words the other rules in the same voice', () => {
    const one = (v: errors.PasswordPolicyError['violations'][number]) => (sut.present(new PasswordPolicyError([v])).body as { error: string }).error;
    expect(one({ rule: 'maxLength', max: 30 })).toBe('password must be at most 30 characters');
    expect(one({ rule: 'history', size: 5 })).toBe('password must not match any of your last 5 passwords');
    expect(one({ rule: 'common' })).toBe('password is too common');
    expect(one({ rule: 'userInfo' })).toBe('password must not contain your email address or name');
  });

  it('429 with Retry-After, 413, 415, malformed JSON, 503', () => {
    expect(sut.present(new RateLimitedError(60))).toEqual({ status: 429, body: { error: 'too many requests' }, headers: { 'Retry-After': '60' } });
    expect(sut.present(new errors.PayloadTooLargeError())).toEqual({ status: 413, body: { error: 'request body too large' } });
    expect(sut.present(new MalformedBodyError('content-type')).status).toBe(415);
    expect(sut.present(new MalformedBodyError('json'))).toEqual({ status: 400, body: { error: 'invalid request body' } });
    expect(sut.present(new errors.StorageUnavailableError())).toEqual({ status: 503, body: { error: 'service unavailable' } });
  });
});
