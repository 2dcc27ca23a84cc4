import { InternalError, InvalidTokenError, RateLimitedError, RequestValidationError, StorageUnavailableError } from './domain-errors';

describe('DomainError stacks', () => {
  it('an answer to the caller (a refusal) records no stack frames, and the stack depth setting is left as it was', () => {
    const before = Error.stackTraceLimit;
    for (const error of [new InvalidTokenError(), new RateLimitedError(30), new RequestValidationError([{ path: 'password', kind: 'required' }])]) {
      expect(error.stack).not.toMatch(/\n\s+at /);
      expect(error).toBeInstanceOf(Error);
    }
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('plain').stack).toMatch(/\n\s+at /);
  });

  it('the faults the exception filter logs (internal error, storage unavailable) keep where they were thrown', () => {
    expect(new InternalError().stack).toMatch(/\n\s+at .*domain-errors\.spec/);
    expect(new StorageUnavailableError().stack).toMatch(/\n\s+at .*domain-errors\.spec/);
  });

  it('a refusal keeps its message and code', () => {
    const error = new RequestValidationError([{ path: 'email', kind: 'format' }], 'query');
    expect(error.message).toBe('request validation failed');
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.source).toBe('query');
  });
});
