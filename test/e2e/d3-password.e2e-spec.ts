import { PasswordHasher } from '../../src/core/password/password-hasher';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createApiKey, createUser, dumpAllTables, sql, userSecuritySnapshot } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/** D3 (seed 002): POST/DELETE /v1/password/{user_id} with an X-Api-Key holding passwords:write. */

const DAY_MS = 86_400_000;
/** The seed's policy: 8..30 characters, lower + upper + digit + special, not one of the last 5. */
const SEED_POLICY = { minLength: 8, maxLength: 30, requiredClasses: ['lower', 'upper', 'digit', 'special'], historySize: 5 };
/** A password of exactly n characters with all four classes, not a common one. */
const pw = (n: number, fill = 'k') => ('Zq7#' + fill.repeat(n)).slice(0, n);
const BAD_REQUEST = 'The request body is invalid; see syntaxErrors.invalidFields.';

function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

describeEachDatabase('D3 integrator password API', (kind) => {
  let t: TestApp;
  let accountId: string;
  let key: string;
  let keyId: string;

  const post = (userId: string, value: unknown, apiKey = key) => t.http.post(`/v1/password/${userId}`).set('X-Api-Key', apiKey).send({ password: { value } });
  const postBody = (userId: string, body: unknown) => t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key).send(body as object);
  const del = (userId: string, apiKey = key) => t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', apiKey);
  const newUser = async (account = accountId, names: { firstName?: string; lastName?: string } = {}) => (await createUser(t, account, undefined, names)).userId;
  const credentialRow = async (userId: string) =>
    (await t.dataSource.query(`SELECT * FROM credentials WHERE user_id = ${t.database.kind === 'sqlite' ? '?' : '$1'}`, [userId]))[0];
  const historyCount = async (userId: string) =>
    Number((await t.dataSource.query(`SELECT COUNT(*) AS n FROM password_history WHERE user_id = ${t.database.kind === 'sqlite' ? '?' : '$1'}`, [userId]))[0].n);

  beforeAll(async () => {
    t = await startTestApp({ kind });
    accountId = (await createAccount(t, { policy: SEED_POLICY })).accountId;
    ({ key, id: keyId } = await createApiKey(t, ['passwords:write']));
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('200: the password is created', () => {
    it('answers exactly {"passwordInfo":{"buyerId","expiryDate":0},"token"} when the policy never expires', async () => {
      const userId = await newUser();
      const res = await post(userId, 'Correct-Horse-9').expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['passwordInfo', 'token']);
      expect(res.body.passwordInfo).toEqual({ buyerId: userId, expiryDate: 0 });
      expect(typeof res.body.passwordInfo.buyerId).toBe('string');
      expect(res.body.token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
      expect(res.headers['cache-control']).toBe('no-store'); // G6: the body carries a token
      const row = await credentialRow(userId);
      expect(row.expires_at).toBeNull();
    });

    it('A14 expiryDate = the moment it was set (injected clock) + maxAgeDays, in ms, and is what is stored', async () => {
      const { accountId: expiring } = await createAccount(t, { policy: { ...SEED_POLICY, maxAgeDays: 90 } });
      const userId = await newUser(expiring);
      t.clock.advanceDays(3); // the service must read the injected clock, not the wall clock
      const before = t.clock.nowMs();
      const res = await post(userId, 'Correct-Horse-9').expect(200);
      const after = t.clock.nowMs();
      const row = await credentialRow(userId);
      expect(Number(row.set_at)).toBeGreaterThanOrEqual(before);
      expect(Number(row.set_at)).toBeLessThanOrEqual(after);
      expect(res.body.passwordInfo).toEqual({ buyerId: userId, expiryDate: Number(row.set_at) + 90 * DAY_MS });
      expect(Number(row.expires_at)).toBe(res.body.passwordInfo.expiryDate);
    });

    it('the token is an access token for the user that carries the new credentials version (D2) and works on GET /users/me', async () => {
      const userId = await newUser();
      const res = await post(userId, 'Correct-Horse-9').expect(200);
      const claims = jwtPayload(res.body.token);
      expect(claims).toMatchObject({ sub: userId, aud: 'pls:access' });
      const [user] = await t.dataSource.query(`SELECT credentials_changed_at FROM users WHERE id = ${t.database.kind === 'sqlite' ? '?' : '$1'}`, [userId]);
      expect(claims.pwv).toBe(Number(user.credentials_changed_at));
      const me = await t.http.get('/users/me').set('Authorization', `Bearer ${res.body.token}`);
      expect(me.status).toBe(200);
      expect(JSON.stringify(me.body)).toContain(userId);
    });

    it('A11 stores a bcrypt hash; the user now has a password', async () => {
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9').expect(200);
      expect((await credentialRow(userId)).hash).toMatch(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/);
      const read = await t.http.get(`/users/${userId}`).set(admin).expect(200);
      expect(read.body.data.has_password).toBe(true);
    });

    it('an admin key implies passwords:write', async () => {
      const userId = await newUser();
      await t.http.post(`/v1/password/${userId}`).set(admin).send({ password: { value: 'Correct-Horse-9' } }).expect(200);
    });
  });

  describe('409: create semantics and the policy (A1, F4)', () => {
    it('PASSWORD_ALREADY_CREATED when the user already has a password; the first one stays', async () => {
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9').expect(200);
      const before = await userSecuritySnapshot(t, userId);
      const res = await post(userId, 'Other-Horse-10').expect(409);
      expect(res.body).toEqual({ errorCode: 'PASSWORD_ALREADY_CREATED' });
      expect(await userSecuritySnapshot(t, userId)).toEqual(before);
    });

    it('H1/H4 concurrent creates for one user: exactly one wins, the rest get PASSWORD_ALREADY_CREATED, the stored hash is the winner\'s', async () => {
      const userId = await newUser();
      const candidates = [1, 2, 3, 4, 5].map((i) => `Racing-${i}-Horse`);
      const responses = await Promise.all(candidates.map((p) => post(userId, p)));
      const winners = responses.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      for (const r of responses.filter((x) => x.status !== 200)) expect(r.body).toEqual({ errorCode: 'PASSWORD_ALREADY_CREATED' });
      const row = await credentialRow(userId);
      const hasher = t.app.get(PasswordHasher);
      const matches = await Promise.all(candidates.map((p) => hasher.verify(p, row)));
      expect(matches.filter(Boolean)).toHaveLength(1);
      expect(matches.indexOf(true)).toBe(responses.indexOf(winners[0]));
      expect(await historyCount(userId)).toBe(0);
    });

    it('A1 min length: 7 characters → PASSWORD_TOO_SHORT, exactly 8 → 200', async () => {
      const userId = await newUser();
      expect((await post(userId, pw(7)).expect(409)).body).toEqual({ errorCode: 'PASSWORD_TOO_SHORT' });
      await post(userId, pw(8)).expect(200);
    });

    it('max length: 31 characters → PASSWORD_TOO_LONG, exactly 30 → 200', async () => {
      const userId = await newUser();
      expect((await post(userId, pw(31)).expect(409)).body).toEqual({ errorCode: 'PASSWORD_TOO_LONG' });
      await post(userId, pw(30)).expect(200);
    });

    it.each([
      ['lowercase', 'ZQ7#KKKKKK'],
      ['uppercase', 'zq7#kkkkkk'],
      ['digit', 'Zqx#kkkkkk'],
      ['special', 'Zq7xkkkkkk'],
    ])('a missing %s character → PASSWORD_TOO_SIMPLE', async (_cls, value) => {
      const userId = await newUser();
      expect((await post(userId, value).expect(409)).body).toEqual({ errorCode: 'PASSWORD_TOO_SIMPLE' });
    });

    it('A4 a common password that meets every class (P@ssw0rd) → PASSWORD_TOO_SIMPLE', async () => {
      const userId = await newUser();
      expect((await post(userId, 'P@ssw0rd').expect(409)).body).toEqual({ errorCode: 'PASSWORD_TOO_SIMPLE' });
    });

    it('minClasses (k of 4): 2 classes → PASSWORD_TOO_SIMPLE, 3 → 200', async () => {
      const { accountId: kOf4 } = await createAccount(t, { policy: { requiredClasses: [], minClasses: 3, maxLength: 30 } });
      const userId = await newUser(kOf4);
      expect((await post(userId, 'zqxkkkk71').expect(409)).body).toEqual({ errorCode: 'PASSWORD_TOO_SIMPLE' });
      await post(userId, 'zqxkkkk71!').expect(200);
    });

    it("A5 the user's own name in the password → PASSWORD_TOO_SIMPLE when the policy rejects user info", async () => {
      const { accountId: strict } = await createAccount(t, { policy: { ...SEED_POLICY, rejectUserInfo: true } });
      const userId = await newUser(strict, { firstName: 'Grace', lastName: 'Hopper' });
      expect((await post(userId, 'Hopper#2024x').expect(409)).body).toEqual({ errorCode: 'PASSWORD_TOO_SIMPLE' });
      await post(userId, 'Correct-Horse-9').expect(200);
    });

    it('PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE when the account has password sign-in off', async () => {
      const { accountId: noPasswords } = await createAccount(t, { policy: { ...SEED_POLICY, passwordLogin: false } });
      const userId = await newUser(noPasswords);
      expect((await post(userId, 'Correct-Horse-9').expect(409)).body).toEqual({ errorCode: 'PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE' });
      expect(await credentialRow(userId)).toBeUndefined();
    });

    describe('precedence when several rules fail (documented in d3.presenter.ts)', () => {
      it('too short beats a missing class; too long beats a missing class', async () => {
        const userId = await newUser();
        expect((await post(userId, 'abc').expect(409)).body.errorCode).toBe('PASSWORD_TOO_SHORT');
        expect((await post(userId, 'a'.repeat(31)).expect(409)).body.errorCode).toBe('PASSWORD_TOO_LONG');
      });

      it('a policy failure beats reuse: a former password that breaks the current policy is PASSWORD_TOO_SIMPLE', async () => {
        const { accountId: acct } = await createAccount(t, { policy: { requiredClasses: [], historySize: 5, maxLength: 30 } });
        const userId = await newUser(acct);
        await post(userId, 'lowercase only words').expect(200);
        await del(userId).expect(204);
        await t.http.put(`/accounts/${acct}/password-policy`).set(admin).send(SEED_POLICY).expect(200);
        expect((await post(userId, 'lowercase only words').expect(409)).body.errorCode).toBe('PASSWORD_TOO_SIMPLE');
      });

      it('PASSWORD_ALREADY_CREATED beats the policy; the account without passwords beats both', async () => {
        const { accountId: acct } = await createAccount(t, { policy: SEED_POLICY });
        const userId = await newUser(acct);
        await post(userId, 'Correct-Horse-9').expect(200);
        expect((await post(userId, 'short').expect(409)).body.errorCode).toBe('PASSWORD_ALREADY_CREATED');
        await t.http.put(`/accounts/${acct}/password-policy`).set(admin).send({ ...SEED_POLICY, passwordLogin: false }).expect(200);
        expect((await post(userId, 'short').expect(409)).body.errorCode).toBe('PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE');
      });
    });
  });

  describe('history: not one of the last 5 (A13)', () => {
    it('A13 after rotating P1..P6 through create/DELETE, each of the last 5 is PASSWORD_KEY_ALREADY_IN_USE and the 6th-oldest is accepted', async () => {
      const userId = await newUser();
      const passwords = [1, 2, 3, 4, 5, 6].map((i) => `Rotate-${i}-Pw`);
      for (const p of passwords) {
        await post(userId, p).expect(200);
        await del(userId).expect(204);
      }
      expect(await historyCount(userId)).toBe(6);
      for (const p of passwords.slice(1)) {
        expect((await post(userId, p).expect(409)).body).toEqual({ errorCode: 'PASSWORD_KEY_ALREADY_IN_USE' });
      }
      await post(userId, passwords[0]).expect(200);
    });

    it('A13 DELETE keeps the removed password in the history: creating it again is refused', async () => {
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9').expect(200);
      await del(userId).expect(204);
      expect((await post(userId, 'Correct-Horse-9').expect(409)).body).toEqual({ errorCode: 'PASSWORD_KEY_ALREADY_IN_USE' });
      await post(userId, 'Correct-Horse-10').expect(200);
    });

    it('A13 history rows hold bcrypt strings only', async () => {
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9').expect(200);
      await del(userId).expect(204);
      const rows = await t.dataSource.query(`SELECT hash FROM password_history WHERE user_id = ${t.database.kind === 'sqlite' ? '?' : '$1'}`, [userId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].hash).toMatch(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/);
    });

    it('with historySize 0 a removed password may be created again', async () => {
      const { accountId: noHistory } = await createAccount(t, { policy: { ...SEED_POLICY, historySize: 0 } });
      const userId = await newUser(noHistory);
      await post(userId, 'Correct-Horse-9').expect(200);
      await del(userId).expect(204);
      await post(userId, 'Correct-Horse-9').expect(200);
    });

    it('A13 the history check compares against all 5 hashes at once (parallel, not one after another)', async () => {
      const userId = await newUser();
      for (const p of [1, 2, 3, 4, 5].map((i) => `Parallel-${i}-Pw`)) {
        await post(userId, p).expect(200);
        await del(userId).expect(204);
      }
      const hasher = t.app.get(PasswordHasher);
      const verify = hasher.verify.bind(hasher);
      let inFlight = 0;
      let peak = 0;
      let calls = 0;
      const spy = jest.spyOn(hasher, 'verify').mockImplementation(async (password, stored) => {
        calls += 1;
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          return await verify(password, stored);
        } finally {
          inFlight -= 1;
        }
      });
      try {
        await post(userId, 'Parallel-9-Pw').expect(200);
      } finally {
        spy.mockRestore();
      }
      expect(calls).toBe(5);
      expect(peak).toBe(5);
    });
  });

  describe('a rejected password changes nothing (A15) and no plaintext is kept (A12)', () => {
    it('A15 409s and 400s leave password, history, sessions, secrets and mail of the user byte-identical', async () => {
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9').expect(200);
      await del(userId).expect(204);
      const before = await userSecuritySnapshot(t, userId);
      expect(before.password_history).toHaveLength(1);
      await post(userId, 'short').expect(409);
      await post(userId, pw(31)).expect(409);
      await post(userId, 'nouppercase-9!').expect(409);
      await post(userId, 'P@ssw0rd').expect(409);
      await post(userId, 'Correct-Horse-9').expect(409); // reuse
      await post(userId, '').expect(400);
      await postBody(userId, { password: { value: 'Correct-Horse-11' }, role: 'admin' }).expect(400);
      expect(await userSecuritySnapshot(t, userId)).toEqual(before);
    });

    it('A12 no table and no response holds the plaintext, and no response echoes it', async () => {
      const userId = await newUser();
      const secret = 'Plain-Text-Needle-42';
      const rejected = 'needle-rejected-42'; // no upper case: refused
      const responses = [
        await post(userId, rejected).expect(409),
        await post(userId, secret).expect(200),
        await post(userId, secret).expect(409),
        await postBody(userId, { password: { value: secret }, extra: secret }).expect(400),
      ];
      for (const res of responses) {
        expect(res.text).not.toContain(secret);
        expect(res.text).not.toContain(rejected);
      }
      const dump = await dumpAllTables(t);
      expect(dump).toContain(userId); // the dump did read the tables
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(rejected);
    });
  });

  describe('DELETE /v1/password/{user_id}', () => {
    it('removes the password: 204, no credential row, one more history row, has_password false', async () => {
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9').expect(200);
      const res = await del(userId).expect(204);
      expect(res.text).toBe('');
      expect(await credentialRow(userId)).toBeUndefined();
      expect(await historyCount(userId)).toBe(1);
      expect((await t.http.get(`/users/${userId}`).set(admin).expect(200)).body.data.has_password).toBe(false);
    });

    it('D2 ends the sessions: the token from the create is refused after the DELETE', async () => {
      const userId = await newUser();
      const { token } = (await post(userId, 'Correct-Horse-9').expect(200)).body;
      await t.http.get('/users/me').set('Authorization', `Bearer ${token}`).expect(200);
      await del(userId).expect(204);
      await t.http.get('/users/me').set('Authorization', `Bearer ${token}`).expect(401);
    });

    it('is idempotent: 204 for a user without a password, nothing added to the history', async () => {
      const userId = await newUser();
      await del(userId).expect(204);
      expect(await historyCount(userId)).toBe(0);
    });

    it('404 {"code","message"} for an unknown user', async () => {
      const res = await del('00000000-0000-0000-0000-000000000000').expect(404);
      expect(res.body).toEqual({ code: 'USER_NOT_FOUND', message: expect.any(String) });
    });

    it('401 without a key, 403 INSUFFICIENT_PERMISSIONS without the scope; the password stays', async () => {
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9').expect(200);
      const { key: usersKey } = await createApiKey(t, ['users:write']);
      await t.http.delete(`/v1/password/${userId}`).expect(401);
      expect((await del(userId, usersKey).expect(403)).body).toEqual({ errorCode: 'INSUFFICIENT_PERMISSIONS' });
      expect(await credentialRow(userId)).toBeDefined();
    });
  });

  describe('API keys (F1, F2, F3)', () => {
    it('F1 answers the same 401 {"code","message"} for no key, a garbage key and a revoked key, on POST and DELETE', async () => {
      const userId = await newUser();
      const revoked = await createApiKey(t, ['passwords:write']);
      await t.http.delete(`/api-keys/${revoked.id}`).set(admin).expect(204);
      const body = { password: { value: 'Correct-Horse-9' } };
      const responses = [
        await t.http.post(`/v1/password/${userId}`).send(body),
        await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', 'garbage').send(body),
        await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', revoked.key).send(body),
        await t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', revoked.key),
      ];
      for (const res of responses) expect(res.status).toBe(401);
      expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
      expect(responses[0].body).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String) });
      expect(await credentialRow(userId)).toBeUndefined();
    });

    it('F3 a key in the query string is ignored (401)', async () => {
      const userId = await newUser();
      await t.http.post(`/v1/password/${userId}?api_key=${key}`).send({ password: { value: 'Correct-Horse-9' } }).expect(401);
    });

    it('403 {"errorCode":"INSUFFICIENT_PERMISSIONS"} for a key without passwords:write', async () => {
      const userId = await newUser();
      const { key: usersKey } = await createApiKey(t, ['users:write', 'accounts:write']);
      const res = await post(userId, 'Correct-Horse-9', usersKey).expect(403);
      expect(res.body).toEqual({ errorCode: 'INSUFFICIENT_PERMISSIONS' });
      expect(await credentialRow(userId)).toBeUndefined();
    });

    it("F2 a key bound to account A sets and removes A's users' passwords only: another account's user → 403, nothing changes", async () => {
      const a = await createAccount(t, { policy: SEED_POLICY });
      const b = await createAccount(t, { policy: SEED_POLICY });
      const { key: keyA } = await createApiKey(t, ['passwords:write'], a.accountId);
      const userA = await newUser(a.accountId);
      const userB = await newUser(b.accountId);
      await post(userA, 'Correct-Horse-9', keyA).expect(200);
      await post(userB, 'Correct-Horse-9').expect(200); // set by a global key
      const before = await userSecuritySnapshot(t, userB);
      expect((await post(userB, 'Other-Horse-10', keyA).expect(403)).body).toEqual({ errorCode: 'INSUFFICIENT_PERMISSIONS' });
      expect((await del(userB, keyA).expect(403)).body).toEqual({ errorCode: 'INSUFFICIENT_PERMISSIONS' });
      const fresh = await newUser(b.accountId);
      expect((await post(fresh, 'Correct-Horse-9', keyA).expect(403)).body).toEqual({ errorCode: 'INSUFFICIENT_PERMISSIONS' });
      expect(await userSecuritySnapshot(t, userB)).toEqual(before);
      expect(await credentialRow(fresh)).toBeUndefined();
      await del(userA, keyA).expect(204);
    });

    it('records when the key was last used', async () => {
      const fresh = await createApiKey(t, ['passwords:write']);
      const listed = async () => (await t.http.get('/api-keys').set(admin).expect(200)).body.data.find((k: { id: string }) => k.id === fresh.id);
      expect((await listed()).last_used_at).toBeNull();
      const userId = await newUser();
      await post(userId, 'Correct-Horse-9', fresh.key).expect(200);
      const used = (await listed()).last_used_at;
      expect(used).toEqual(expect.any(String));
      expect(Math.abs(Date.parse(used) - t.clock.nowMs())).toBeLessThan(60_000);
      expect(keyId).toBeTruthy();
    });
  });

  describe('404', () => {
    it('404 {"code","message"} for an unknown user; nothing is stored', async () => {
      const res = await post('00000000-0000-0000-0000-000000000000', 'Correct-Horse-9').expect(404);
      expect(res.body).toEqual({ code: 'USER_NOT_FOUND', message: expect.any(String) });
      expect(await credentialRow('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    });

    it('404 for an id that is not even shaped like one', async () => {
      expect((await post('not-a-user', 'Correct-Horse-9').expect(404)).body.code).toBe('USER_NOT_FOUND');
    });
  });

  describe('400 {"message","syntaxErrors":{"invalidFields":[...]}} for malformed bodies (G2, G3, G4)', () => {
    let userId: string;
    beforeAll(async () => {
      userId = await newUser();
    });
    afterEach(async () => {
      expect(await credentialRow(userId)).toBeUndefined();
    });

    const field = (fieldName: string, error: string, params: unknown[] = []) => ({ message: BAD_REQUEST, syntaxErrors: { invalidFields: [{ fieldName, error, params }] } });

    it.each([
      ['no body fields', {}, field('password', 'REQUIRED')],
      ['password null', { password: null }, field('password', 'REQUIRED')],
      ['password without value', { password: {} }, field('password.value', 'REQUIRED')],
      ['value null', { password: { value: null } }, field('password.value', 'REQUIRED')],
      ['value empty', { password: { value: '' } }, field('password.value', 'SIZE', [1, 1024])],
      ['value of 1025 characters', { password: { value: 'Zq7#'.repeat(257).slice(0, 1025) } }, field('password.value', 'SIZE', [1, 1024])],
      ['value a number', { password: { value: 12345678 } }, field('password.value', 'HAS_TEXT')],
      ['value a boolean', { password: { value: true } }, field('password.value', 'HAS_TEXT')],
      ['value an array (G3 parameter pollution)', { password: { value: ['Correct-Horse-9', 'x'] } }, field('password.value', 'HAS_TEXT')],
      ['value an object', { password: { value: { $ne: '' } } }, field('password.value', 'HAS_TEXT')],
      ['password a string', { password: 'Correct-Horse-9' }, field('password', 'REQUIRES', ['value'])],
      ['password an array', { password: [{ value: 'Correct-Horse-9' }] }, field('password', 'REQUIRES', ['value'])],
      ['password a number', { password: 7 }, field('password', 'REQUIRES', ['value'])],
      ['an unknown top-level field (G4)', { password: { value: 'Correct-Horse-9' }, userId: 'someone-else' }, field('userId', 'IN', ['password'])],
      ['an unknown nested field (G4)', { password: { value: 'Correct-Horse-9', passwordHash: '$2b$' } }, field('password.passwordHash', 'IN', ['value'])],
    ])('%s', async (_name, body, expected) => {
      const res = await postBody(userId, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual(expected);
    });

    it('reports every invalid field at once', async () => {
      const res = await postBody(userId, { password: { value: '', extra: 1 }, role: 'admin' }).expect(400);
      expect(res.body.syntaxErrors.invalidFields).toEqual(
        expect.arrayContaining([
          { fieldName: 'role', error: 'IN', params: ['password'] },
          { fieldName: 'password.extra', error: 'IN', params: ['value'] },
          { fieldName: 'password.value', error: 'SIZE', params: [1, 1024] },
        ]),
      );
      expect(res.body.syntaxErrors.invalidFields).toHaveLength(3);
    });

    it('G2 malformed JSON → 400 in the same envelope, without internals', async () => {
      const res = await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key).set('Content-Type', 'application/json').send('{"password":{"value":');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: expect.any(String), syntaxErrors: { invalidFields: [] } });
      expect(res.text).not.toMatch(/at |node_modules|SyntaxError|body-parser|JSON\.parse/);
    });

    it('G5 a text/plain body is not read as JSON: 415 {"code","message"} (issue 8: it was a 400 password REQUIRED)', async () => {
      const res = await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key).set('Content-Type', 'text/plain').send('{"password":{"value":"Correct-Horse-9"}}');
      expect(res.status).toBe(415);
      expect(res.body).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.any(String) });
    });

    it('G4 a __proto__ key is refused with 400 in the D3 envelope; nothing is polluted or set', async () => {
      const target = await newUser();
      const res = await t.http.post(`/v1/password/${target}`).set('X-Api-Key', key).set('Content-Type', 'application/json')
        .send('{"__proto__":{"isAdmin":true},"password":{"value":"Correct-Horse-9","__proto__":{"isAdmin":true}}}');
      expect(res.status).toBe(400);
      expect(res.body).toHaveProperty('syntaxErrors.invalidFields');
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      const [row] = await sql(t, 'SELECT COUNT(*) AS n FROM credentials WHERE user_id = $1', [target]);
      expect(Number(row.n)).toBe(0);
    });

    it('authentication comes before validation: a bad body without a key is 401', async () => {
      await t.http.post(`/v1/password/${userId}`).send({ nonsense: true }).expect(401);
    });
  });

  describe('oversized values are refused before any hashing (J1, G1)', () => {
    const hashingSpies = () => {
      const hasher = t.app.get(PasswordHasher);
      return [jest.spyOn(hasher, 'hash'), jest.spyOn(hasher, 'verify')];
    };

    it('J1 a value just under the 100 kB body limit → 400 SIZE without hashing (and without walking the value slowly)', async () => {
      const userId = await newUser();
      const spies = hashingSpies();
      try {
        const started = Date.now();
        const res = await post(userId, 'Zq7#'.repeat(24_900)); // 99,600 characters, ~99.6 kB body
        const elapsed = Date.now() - started;
        expect(res.status).toBe(400);
        expect(res.body.syntaxErrors.invalidFields).toEqual([{ fieldName: 'password.value', error: 'SIZE', params: [1, 1024] }]);
        // No hashing is what the spies prove. The bound only catches a refusal that walks the value slowly (a
        // quadratic check would take far longer); 5 s is ten times the usual one, so a busy machine cannot fail it.
        expect(elapsed).toBeLessThan(5_000);
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      } finally {
        spies.forEach((s) => s.mockRestore());
      }
    });

    it('J1/G1 a 1,000,000-character value → 413 {"code","message"} without hashing (and without reading it slowly)', async () => {
      const userId = await newUser();
      const spies = hashingSpies();
      try {
        const started = Date.now();
        const res = await post(userId, 'Zq7#'.repeat(250_000));
        const elapsed = Date.now() - started;
        expect(res.status).toBe(413);
        expect(res.body).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) });
        // No hashing is what the spies prove. The bound only catches a refusal that walks the value slowly (a
        // quadratic check would take far longer); 5 s is ten times the usual one, so a busy machine cannot fail it.
        expect(elapsed).toBeLessThan(5_000);
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      } finally {
        spies.forEach((s) => s.mockRestore());
      }
    });
  });

  describe('routes and documentation', () => {
    it('G5 undeclared methods on the route → 404 in the D3 envelope, never 500', async () => {
      const userId = await newUser();
      for (const method of ['put', 'patch', 'get'] as const) {
        const res = await t.http[method](`/v1/password/${userId}`).set('X-Api-Key', key).send({});
        expect([method, res.status]).toEqual([method, 404]);
        expect(res.body).toEqual({ code: expect.any(String), message: expect.any(String) });
      }
    });

    it('the OpenAPI document describes both routes with the api-key scheme and an example for every error status', async () => {
      const doc = (await t.http.get('/docs-json').expect(200)).body;
      const path = doc.paths['/v1/password/{user_id}'];
      expect(Object.keys(path).sort()).toEqual(['delete', 'post']);
      expect(path.post.security).toEqual([{ 'api-key': [] }, { oauth2: ['passwords:write'] }, { bearer: [] }]); // bearer: a super admin's access token
      expect(path.post.tags).toEqual(['D3 Integrator passwords']);
      // 400 (the request edge), 413 and 415 (also for a body sent to DELETE) and 500 in the D3 envelope too: src/edge/openapi/document-rules.ts.
      expect(Object.keys(path.post.responses).sort()).toEqual(['200', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503']);
      expect(Object.keys(path.delete.responses).sort()).toEqual(['204', '400', '401', '403', '404', '413', '415', '429', '500', '503']);
      expect(path.post.responses['415'].content['application/json'].example).toEqual({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json in UTF-8.' });
      expect(path.delete.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/D3BadRequestDto' });
      const conflicts = Object.values(path.post.responses['409'].content['application/json'].examples).map((e) => (e as { value: { errorCode: string } }).value.errorCode);
      expect(conflicts.sort()).toEqual([
        'PASSWORD_ALREADY_CREATED', 'PASSWORD_KEY_ALREADY_IN_USE', 'PASSWORD_PROFILE_NOT_CONFIGURED_FOR_CREDENTIAL_TYPE',
        'PASSWORD_TOO_LONG', 'PASSWORD_TOO_SHORT', 'PASSWORD_TOO_SIMPLE',
      ]);
      expect(path.post.responses['403'].content['application/json'].example).toEqual({ errorCode: 'INSUFFICIENT_PERMISSIONS' });
      for (const [method, op] of [['post', path.post], ['delete', path.delete]] as const) {
        for (const [status, response] of Object.entries(op.responses as Record<string, { content?: Record<string, { example?: unknown; examples?: unknown }> }>)) {
          if (Number(status) < 400) continue;
          const json = response.content?.['application/json'];
          expect([method, status, json?.example ?? json?.examples]).toEqual([method, status, expect.anything()]);
        }
      }
      const schema = doc.components.schemas.CreatePasswordDto;
      expect(schema.required).toEqual(['password']);
    });
  });
});
