import { REQUEST_ID_PATTERN, requestIdFrom, resolveLogFormat } from './logging';
import { describeStartupFailure, StartupError } from '../config/startup-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request id (X-Request-Id)', () => {
  it('keeps a well-formed one: up to 128 of letters, digits and . _ : -', () => {
    for (const id of ['abc', 'req-1', 'a.b_c:d-e', 'A'.repeat(128), '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']) {
      expect(requestIdFrom(id)).toBe(id);
    }
  });

  it('replaces a missing, empty, too long or ill-formed one with a new UUID', () => {
    for (const given of [undefined, '', 'A'.repeat(129), 'has space', 'semi;colon', 'slash/x', 'ünïcode', 'a\nb', '<script>', ['a', 'b']]) {
      const id = requestIdFrom(given as string | string[] | undefined);
      expect(id).toMatch(UUID);
      expect(id).toMatch(REQUEST_ID_PATTERN);
    }
    expect(requestIdFrom(undefined)).not.toBe(requestIdFrom(undefined));
  });
});

describe('log format (LOG_FORMAT)', () => {
  it('pretty only on a terminal outside production, unless forced', () => {
    expect(resolveLogFormat(null, {}, true)).toBe('pretty');
    expect(resolveLogFormat(null, { NODE_ENV: 'development' }, true)).toBe('pretty');
    expect(resolveLogFormat(null, { NODE_ENV: 'production' }, true)).toBe('json');
    expect(resolveLogFormat(null, {}, false)).toBe('json');
    expect(resolveLogFormat('pretty', { NODE_ENV: 'production' }, false)).toBe('pretty');
    expect(resolveLogFormat('json', {}, true)).toBe('json');
  });
});

describe('start-up failure line', () => {
  it('names the setting, on one line', () => {
    expect(describeStartupFailure(new StartupError('DATABASE_URL', 'cannot connect to PostgreSQL at h:5432 (ECONNREFUSED)'))).toBe(
      'DATABASE_URL: cannot connect to PostgreSQL at h:5432 (ECONNREFUSED)',
    );
    const line = describeStartupFailure(new TypeError('first\n  second'));
    expect(line).toBe('start-up failed: TypeError: first second');
  });
});
