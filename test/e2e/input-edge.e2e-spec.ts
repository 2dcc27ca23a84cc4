import { ValidationPipe } from '@nestjs/common';
import { describeEachDatabase } from './support/databases';
import { databaseChecksum } from './support/database-checksum';
import { admin, createAccount } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 8 part 1: malformed input that reached a library came back as 500. Each sample of the issue,
 * on both databases: a 4xx in the route's dialect envelope, and nothing stored (SECURITY.md G2–G5).
 */

const nested = (levels: number, inner = '"x"') => '['.repeat(levels) + inner + ']'.repeat(levels);

describeEachDatabase('input edge: issue 8 samples', (kind) => {
  let t: TestApp;
  let accountId: string;

  /** Sends a raw JSON text (so lone surrogates and NUL escapes reach the server as written). */
  const raw = (method: 'post' | 'put' | 'get', path: string, json?: string, headers: Record<string, string> = {}) => {
    const req = t.http[method](path).set(headers);
    return json === undefined ? req : req.set('Content-Type', 'application/json').send(json);
  };

  /** Runs `send` and asserts that the database is the same afterwards. */
  async function unchanged<T>(send: () => Promise<T>): Promise<T> {
    const before = await databaseChecksum(t);
    const res = await send();
    expect(await databaseChecksum(t)).toBe(before);
    return res;
  }

  beforeAll(async () => {
    t = await startTestApp({ kind });
    accountId = (await createAccount(t)).accountId;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('G3 a lone surrogate in an email field → 400 in the envelope (was 500: the email validator threw)', () => {
    it('D5 POST /v1/auth/password-reset/request {"email":"\\ud800"}', async () => {
      const res = await unchanged(() => raw('post', '/v1/auth/password-reset/request', '{"email":"\\ud800"}'));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid email' });
    });

    it('POST /auth/login', async () => {
      const res = await unchanged(() => raw('post', '/auth/login', '{"email":"a\\ud800@example.com","password":"Whatever-1"}'));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'REQUEST_INVALID', details: ['email is not a valid value.'] });
    });

    it('D2 POST /auth/signup', async () => {
      const res = await unchanged(() => raw('post', '/auth/signup', '{"email":"\\udfff@example.com","firstName":"Ada","lastName":"Lovelace"}'));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: { code: 'VALIDATION_ERROR', message: 'Validation failed', details: ['Email must be a valid value'] } });
    });

    it('D4 POST /api/v2/account/recover/', async () => {
      const res = await unchanged(() => raw('post', '/api/v2/account/recover/', '{"email":"\\ud800"}'));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ email: ['Enter a valid value.'] });
    });

    it('POST /accounts (owner.email)', async () => {
      const res = await unchanged(() => raw('post', '/accounts', '{"name":"Acme","owner":{"email":"\\ud800"}}', admin));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'REQUEST_INVALID', details: ['owner.email is not a valid value.'] });
    });

    it('POST /accounts/{id}/users', async () => {
      const res = await unchanged(() => raw('post', `/accounts/${accountId}/users`, '{"email":"x\\udc00y@example.com"}', admin));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'REQUEST_INVALID', details: ['email is not a valid value.'] });
    });

    it('a lone surrogate in a key is refused too', async () => {
      const res = await unchanged(() => raw('post', '/v1/auth/password-reset/request', '{"email":"a@example.com","\\ud800":1}'));
      expect(res.status).toBe(400);
    });
  });

  describe('G3 NUL (U+0000) → 4xx on both databases (was 500 "invalid byte sequence" on PostgreSQL)', () => {
    it('GET /users/%00 → 404 in the service envelope', async () => {
      const res = await unchanged(() => raw('get', '/users/%00', undefined, admin));
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });

    it('D3 POST /v1/password/%00 → 404 {"code","message"} (the seed\'s 404)', async () => {
      const res = await unchanged(() => raw('post', '/v1/password/%00', '{"password":{"value":"Correct-Horse-9"}}', admin));
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: expect.any(String), message: expect.any(String) });
    });

    it('D2 sign-up with firstName "a\\u0000b" → 400 VALIDATION_ERROR', async () => {
      const res = await unchanged(() => raw('post', '/auth/signup', '{"email":"nul@example.com","firstName":"a\\u0000b","lastName":"Doe"}'));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: { code: 'VALIDATION_ERROR', message: 'Validation failed', details: ['First name must be a valid value'] } });
    });

    it('a NUL in a query value → 400 saying the query string is invalid; in a path id that is otherwise a UUID → 404', async () => {
      const query = await unchanged(() => raw('get', `/accounts/${accountId}?x=a%00b`, undefined, admin));
      expect(query.status).toBe(400);
      expect(query.body).toMatchObject({ code: 'REQUEST_INVALID', message: 'The query string is invalid.', details: ['x is not a valid value.'] });
      expect((await unchanged(() => raw('get', `/accounts/${accountId}%00`, undefined, admin))).status).toBe(404);
    });

    it('an undecodable path segment (%E0%A4%A, an encoded surrogate %ED%A0%80) → 404, not a 400 "body is not JSON"', async () => {
      for (const id of ['%E0%A4%A', '%ED%A0%80']) {
        const res = await unchanged(() => raw('get', `/users/${id}`, undefined, admin));
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('ROUTE_NOT_FOUND');
      }
    });
  });

  describe('G1 deeply nested arrays (2,000 levels, 4 KB) in a nested-DTO field → 400 (was 500: stack overflow in the transformer)', () => {
    it('D3 POST /v1/password/x {"password":[[[…]]]} → 400 in the D3 envelope (depth is checked at the edge, before the id)', async () => {
      const res = await unchanged(() => raw('post', '/v1/password/x', `{"password":${nested(2000)}}`, admin));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: 'The request body is nested too deeply.', syntaxErrors: { invalidFields: [] } });
    });

    it('D3 with a real user: 400 {"message","syntaxErrors"}', async () => {
      const user = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: 'deep@example.com' }).expect(201);
      const res = await unchanged(() => raw('post', `/v1/password/${user.body.data.user_id}`, `{"password":${nested(2000)}}`, admin));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: 'The request body is nested too deeply.', syntaxErrors: { invalidFields: [] } });
    });

    it('POST /accounts with owner nested 2,000 levels', async () => {
      const res = await unchanged(() => raw('post', '/accounts', `{"name":"Acme","owner":${nested(2000, '{}')}}`, admin));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'MALFORMED_BODY', message: 'The request body is nested too deeply.' });
    });

    it('PUT /accounts/{id}/password-policy with a nested policy', async () => {
      const res = await unchanged(() => raw('put', `/accounts/${accountId}/password-policy`, `{"requiredClasses":${nested(2000)}}`, admin));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MALFORMED_BODY');
    });

    it('D1 POST /accounts/set-password', async () => {
      const res = await unchanged(() => raw('post', '/accounts/set-password', `{"token":"abc","password":${nested(2000)}}`));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'The request body is nested too deeply.' });
    });

    it('32 levels are read; 33 are refused before any transformation', async () => {
      // The body object and 31 arrays are 32 containers: past the edge, then a validation failure.
      // The validation pipe is where class-transformer turns the body into the DTO: 33 never reach it.
      const transform = jest.spyOn(ValidationPipe.prototype, 'transform');
      try {
        const ok = await unchanged(() => raw('post', '/accounts/set-password', `{"token":"abc","password":${nested(31)}}`));
        expect(ok.body.error).toMatch(/password field must be a string/);
        expect(transform).toHaveBeenCalled();
        transform.mockClear();
        const refused = await unchanged(() => raw('post', '/accounts/set-password', `{"token":"abc","password":${nested(32)}}`));
        expect(refused.body).toEqual({ error: 'The request body is nested too deeply.' });
        expect(transform).not.toHaveBeenCalled();
      } finally {
        transform.mockRestore();
      }
    });
  });

  describe('G4 Object.prototype names are unknown fields like "role" (they passed the whitelist)', () => {
    it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'])('POST /accounts with "%s" → 400 unknown field', async (name) => {
      const body = JSON.stringify({ name: 'Acme', owner: { email: 'proto@example.com' }, [name]: 'x' });
      const res = await unchanged(() => raw('post', '/accounts', body, admin));
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([`${name} is not an allowed field.`]);
      const role = await raw('post', '/accounts', JSON.stringify({ name: 'Acme', owner: { email: 'proto@example.com' }, role: 'x' }), admin);
      expect(role.body.details).toEqual(['role is not an allowed field.']);
    });

    it('in a nested object and on every dialect, worded as an unknown field (never as Object.prototype\'s member)', async () => {
      const user = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: 'proto-d3@example.com' }).expect(201);
      const d3 = await unchanged(() => raw('post', `/v1/password/${user.body.data.user_id}`, '{"password":{"value":"Correct-Horse-9","constructor":1}}', admin));
      expect(d3.body.syntaxErrors.invalidFields).toEqual([{ fieldName: 'password.constructor', error: 'IN', params: ['value'] }]);
      const d2 = await unchanged(() => raw('post', '/auth/signup', '{"email":"a@example.com","firstName":"A","lastName":"B","constructor":1}'));
      expect(d2.body.error.details).toEqual(['constructor is not an allowed field']);
      const d5 = await unchanged(() => raw('post', '/v1/auth/password-reset/request', '{"email":"a@example.com","toString":"x"}'));
      expect(d5.body).toEqual({ error: 'unknown field "toString"' });
      const d4 = await unchanged(() => raw('post', '/api/v2/account/recover/', '{"email":"a@example.com","valueOf":1}'));
      expect(d4.body).toEqual({ valueOf: ['This field is not allowed.'] });
      const d1 = await unchanged(() => raw('post', '/accounts/set-password', '{"token":"t","password":"p","hasOwnProperty":1}'));
      expect(d1.body).toEqual({ error: 'The hasOwnProperty field is not allowed.' });
    });

    it('a dialect path spelled in another case (Express ignores case) still answers in that dialect\'s envelope', async () => {
      const user = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: 'proto-case@example.com' }).expect(201);
      const d3 = await unchanged(() => raw('post', `/V1/PASSWORD/${user.body.data.user_id}`, '{"password":{"value":"Correct-Horse-9","constructor":1}}', admin));
      expect(d3.body.syntaxErrors.invalidFields).toEqual([{ fieldName: 'password.constructor', error: 'IN', params: ['value'] }]);
      const d5 = await unchanged(() => raw('post', '/V1/AUTH/PASSWORD-RESET/REQUEST', '{"email":"a@example.com","toString":"x"}'));
      expect(d5.body).toEqual({ error: 'unknown field "toString"' });
      const d1 = await unchanged(() => raw('post', '/Accounts/Set-Password', '{"token":"t","password":"p","hasOwnProperty":1}'));
      expect(d1.body).toEqual({ error: 'The hasOwnProperty field is not allowed.' });
    });
  });

  describe('names people read must show something: empty, blank, BOM-only or zero-width names → 400', () => {
    it.each([['empty', ''], ['blank', '   '], ['BOM only', '\ufeff'], ['zero-width and tab', '\u200b\t'], ['a line break', 'Acme\nCorp']])('account name %s', async (_what, name) => {
      const res = await unchanged(() => t.http.post('/accounts').set(admin).send({ name, owner: { email: 'named@example.com' } }));
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([expect.stringMatching(/^name (must|is)/)]);
    });

    it('API key name, user first/last name (admin and D2 sign-up) too; a real name with a BOM inside still passes', async () => {
      await unchanged(() => t.http.post('/api-keys').set(admin).send({ name: '\ufeff', scopes: ['users:write'] }).expect(400));
      await unchanged(() => t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: 'blank@example.com', firstName: ' ' }).expect(400));
      await unchanged(() => t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: 'blank@example.com', lastName: '\u200b' }).expect(400));
      const d2 = await unchanged(() => t.http.post('/auth/signup').send({ email: 'blank@example.com', firstName: '  ', lastName: 'Doe' }).expect(400));
      expect(d2.body.error.details).toEqual(['First name must not be blank']);
      await t.http.post('/accounts').set(admin).send({ name: '\ufeffAcme', owner: { email: 'bom-inside@example.com' } }).expect(201);
    });
  });

  describe('G5 a body no parser reads → 415 in the D1–D5 and service envelopes (was 400)', () => {
    it.each([
      ['/accounts/set-password', {}, { error: expect.any(String) }],
      ['/auth/setpassword', {}, { success: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.any(String), details: [] } }],
      ['/v1/password/00000000-0000-4000-8000-000000000000', admin, { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.any(String) }],
      ['/api/v2/account/reset/', {}, { detail: 'Unsupported media type in request.' }],
      ['/v1/auth/password-reset/reset', {}, { error: 'unsupported content type' }],
      ['/accounts', admin, expect.objectContaining({ statusCode: 415, code: 'MALFORMED_BODY' })],
    ])('POST %s text/plain → 415', async (path, headers, body) => {
      const res = await unchanged(() => t.http.post(path).set(headers).set('Content-Type', 'text/plain').send('{"a":"b"}'));
      expect(res.status).toBe(415);
      expect(res.body).toEqual(body);
    });
  });
});
