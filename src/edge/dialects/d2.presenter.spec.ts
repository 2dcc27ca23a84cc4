import * as errors from '../../ground/common/errors/domain-errors';
import { DomainError, PasswordPolicyError, RateLimitedError, RequestValidationError } from '../../ground/common/errors/domain-errors';
import { D2Presenter, d2PolicyDetail } from './d2.presenter';

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

describe('D2Presenter', () => {
  const sut = new D2Presenter();

  it('answers every domain error in {"success":false,"error":{"code","message","details":[]}}, a 500 only for internal errors', () => {
    for (const error of everyDomainError()) {
      const { status, body } = sut.present(error);
      expect(Object.keys(body as object)).toEqual(['success', 'error']);
      const { success, error: e } = body as { success: boolean; error: { code: string; message: string; details: unknown[] } };
      expect(success).toBe(false);
      expect(Object.keys(e)).toEqual(['code', 'message', 'details']);
      expect(e.code).toMatch(/^[A-Z_]+$/);
      expect(e.message.length).toBeGreaterThan(0);
      expect(Array.isArray(e.details)).toBe(true);
      if (error.code === 'INTERNAL') expect(status).toBe(500);
      else if (error.code === 'STORAGE_UNAVAILABLE') expect(status).toBe(503);
      else expect(status).toBeLessThan(500);
    }
  });

  it.each([
    [new errors.UnauthenticatedError(), 401, 'UNAUTHORIZED'],
    [new errors.InvalidBearerTokenError(), 400, 'INVALID_TOKEN'],
    [new errors.InvalidTokenError(), 400, 'INVALID_TOKEN'],
    [new errors.PasswordAlreadySetError(), 400, 'PASSWORD_ALREADY_SET'],
    [new errors.UserNotFoundError(), 404, 'USER_NOT_FOUND'],
    [new PasswordPolicyError([{ rule: 'minLength', min: 8 }]), 400, 'VALIDATION_ERROR'],
    [new RequestValidationError([{ path: 'password', kind: 'required' }]), 400, 'VALIDATION_ERROR'],
    [new errors.MalformedBodyError('json'), 400, 'INVALID_REQUEST'],
    [new errors.PayloadTooLargeError(), 413, 'PAYLOAD_TOO_LARGE'],
    [new RateLimitedError(), 429, 'RATE_LIMITED'],
    [new errors.StorageUnavailableError(), 503, 'SERVICE_UNAVAILABLE'],
    [new errors.InternalError(), 500, 'INTERNAL_ERROR'],
  ])('%p → %s %s', (error, status, code) => {
    const res = sut.present(error);
    expect(res.status).toBe(status);
    expect((res.body as { error: { code: string } }).error.code).toBe(code);
  });

  it("words the seed's example exactly", () => {
    const res = sut.present(new PasswordPolicyError([{ rule: 'minLength', min: 8 }, { rule: 'requiredClass', charClass: 'digit' }, { rule: 'requiredClass', charClass: 'special' }]));
    expect(res.body).toEqual({
      success: false,
      error: {
        code: 'VALIDATION_ERROR',
        message: 'Password validation failed',
        details: ['Password must be at least 8 characters long', 'Password must contain at least one number', 'Password must contain at least one special character'],
      },
    });
  });

  it('words every rule', () => {
    expect(d2PolicyDetail({ rule: 'maxLength', max: 99 })).toBe('Password must be at most 99 characters long');
    expect(d2PolicyDetail({ rule: 'requiredClass', charClass: 'upper' })).toBe('Password must contain at least one uppercase letter');
    expect(d2PolicyDetail({ rule: 'requiredClass', charClass: 'lower' })).toBe('Password must contain at least one lowercase letter');
    expect(d2PolicyDetail({ rule: 'minClasses', min: 3, actual: 1 })).toBe('Password must contain at least 3 of the following: lowercase letters, uppercase letters, numbers, special characters');
    expect(d2PolicyDetail({ rule: 'common' })).toBe('Password is too common');
    expect(d2PolicyDetail({ rule: 'userInfo' })).toBe('Password must not contain your name or email address');
    expect(d2PolicyDetail({ rule: 'history', size: 5 })).toBe('Password must not match any of your last 5 passwords');
  });

  it('adds Retry-After when rate limited with a known wait', () => {
    expect(sut.present(new RateLimitedError(7)).headers).toEqual({ 'Retry-After': '7' });
  });
});
