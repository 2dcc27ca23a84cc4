import { PasswordHasher } from '../../src/core/password/password-hasher';
import { describeEachDatabase } from './support/databases';
import { createAccount, createApiKey, createUser, userSecuritySnapshot } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/** D3 when storage fails (H2, H3) and when the caller is throttled (F6, J3). Each part has its own app. */
const SEED_POLICY = { minLength: 8, maxLength: 30, requiredClasses: ['lower', 'upper', 'digit', 'special'], historySize: 5 };
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./;

describeEachDatabase('D3 under failure', (kind) => {
  describe('storage unavailable → 503, a failing write → 500, both in the D3 envelope and never with a token (H2, H3)', () => {
    let t: TestApp;
    let key: string;
    let accountId: string;

    const create = (userId: string, value: string) => t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key).send({ password: { value } });
    const param = () => (t.database.kind === 'sqlite' ? '?' : '$1');
    const credentialOf = async (userId: string) => (await t.dataSource.query(`SELECT * FROM credentials WHERE user_id = ${param()}`, [userId]))[0];
    const bringDatabaseBack = async () => {
      if (!t.dataSource.isInitialized) await t.dataSource.initialize();
    };

    beforeAll(async () => {
      t = await startTestApp({ kind });
      ({ accountId } = await createAccount(t, { policy: SEED_POLICY }));
      ({ key } = await createApiKey(t, ['passwords:write']));
    });
    afterEach(bringDatabaseBack);
    afterAll(async () => {
      await t?.close();
    });

    it('H3 with the database gone, POST and DELETE answer 503 {"code","message"} and no token; once it is back, the same request works', async () => {
      const { userId } = await createUser(t, accountId);
      await t.dataSource.destroy();

      const post = await create(userId, 'Correct-Horse-9');
      expect(post.status).toBe(503);
      expect(post.body).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
      expect(post.text).not.toMatch(JWT);
      expect(post.text).not.toMatch(/Driver|TypeORM|sqlite|postgres|stack/i);

      const del = await t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', key);
      expect(del.status).toBe(503);
      expect(del.body).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });

      await bringDatabaseBack();
      expect(await credentialOf(userId)).toBeUndefined();
      await create(userId, 'Correct-Horse-9').expect(200);
    });

    it('H2/H3 the database lost after the policy checks and hashing, before the transaction: 503, no token, nothing written; a retry succeeds', async () => {
      const { userId } = await createUser(t, accountId);
      const before = await userSecuritySnapshot(t, userId);
      const hasher = t.app.get(PasswordHasher);
      const hash = hasher.hash.bind(hasher);
      const spy = jest.spyOn(hasher, 'hash').mockImplementationOnce(async (password) => {
        const stored = await hash(password);
        await t.dataSource.destroy(); // the authenticated request is past its reads; the write will find no database
        return stored;
      });
      try {
        const res = await create(userId, 'Correct-Horse-9');
        expect(spy).toHaveBeenCalledTimes(1);
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
        expect(res.text).not.toMatch(JWT);
      } finally {
        spy.mockRestore();
      }
      await bringDatabaseBack();
      expect(await userSecuritySnapshot(t, userId)).toEqual(before);
      await create(userId, 'Correct-Horse-9').expect(200);
    });

    it('H2 a write failing inside the transaction (fault hook on the last insert) rolls everything back: 500 generic in the D3 envelope, no token', async () => {
      const { userId, email } = await createUser(t, accountId);
      await create(userId, 'Correct-Horse-9').expect(200);
      await t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', key).expect(204);
      const before = await userSecuritySnapshot(t, userId);
      // The "password changed" mail is queued last, after the credential, history and session writes.
      if (t.database.kind === 'sqlite') {
        await t.dataSource.query(`CREATE TRIGGER d3_fault BEFORE INSERT ON mail_outbox WHEN NEW.recipient = '${email}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
      } else {
        await t.dataSource.query(`CREATE FUNCTION d3_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
        await t.dataSource.query(`CREATE TRIGGER d3_fault BEFORE INSERT ON mail_outbox FOR EACH ROW WHEN (NEW.recipient = '${email}') EXECUTE FUNCTION d3_fault()`);
      }
      try {
        const res = await create(userId, 'Other-Horse-10');
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ code: 'INTERNAL_ERROR', message: 'internal error' });
        expect(res.text).not.toMatch(JWT);
        expect(res.text).not.toMatch(/injected fault|mail_outbox|QueryFailed/);
      } finally {
        await t.dataSource.query(t.database.kind === 'sqlite' ? 'DROP TRIGGER d3_fault' : 'DROP TRIGGER d3_fault ON mail_outbox');
      }
      expect(await userSecuritySnapshot(t, userId)).toEqual(before);
      await create(userId, 'Other-Horse-10').expect(200);
    });
  });

  describe('rate limited → 429 {"code","message"} with Retry-After (F6, J3)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ kind, env: { RATE_LIMIT_PER_MINUTE: '5' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('F6 past the limit of a client sending wrong keys, POST answers 429 in the D3 envelope with Retry-After, and nothing is hashed', async () => {
      const hasher = t.app.get(PasswordHasher);
      const hashSpies = [jest.spyOn(hasher, 'hash'), jest.spyOn(hasher, 'verify'), jest.spyOn(hasher, 'verifyAgainstDummy')];
      try {
        const statuses: number[] = [];
        let limited: { body: unknown; headers: Record<string, string> } | undefined;
        for (let i = 0; i < 7; i += 1) {
          const res = await t.http.post('/v1/password/00000000-0000-0000-0000-000000000000').set('X-Api-Key', 'guess-' + i).send({ password: { value: 'Correct-Horse-9' } });
          statuses.push(res.status);
          if (res.status === 429) limited = res;
        }
        expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
        expect(limited?.body).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) });
        expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
        for (const spy of hashSpies) expect(spy).not.toHaveBeenCalled();
      } finally {
        hashSpies.forEach((s) => s.mockRestore());
      }
    });
  });
});
