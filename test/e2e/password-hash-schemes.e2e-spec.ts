import * as argon2 from '@node-rs/argon2';
import { buildOpenApiDocument } from '../../src/configure-app';
import { IMPORT_HASH_EXAMPLES } from '../../src/features/users/dto/import-password-hash.dto';
import * as bcrypt from 'bcrypt';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { SmtpTestServer } from '../support/smtp-test-server';
import { createTestDatabase, describeEachDatabase, TestDatabase } from './support/databases';
import { admin, createAccount, createApiKey, createUser, issueSession, sql } from './support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';

/**
 * Issue 12, the hashing schemes: PASSWORD_HASH=bcrypt|argon2id, a login moving a user to the configured
 * scheme and parameters, and hashes imported from other systems (PUT /users/{id}/password-hash) that log
 * in and are rehashed (SECURITY.md A11, A12, A13, C1, G4, I1, J2).
 */
const PW = 'Imported-Secret-42';
const OTHER = 'Another-Secret-43';
/** Firebase's published sample (firebase/scrypt README), which the document's example of the import is. */
const FIREBASE = { ...IMPORT_HASH_EXAMPLES.firebase.value, password: IMPORT_HASH_EXAMPLES.firebase.password };
const POLICY = { requiredClasses: [], historySize: 5, minLength: 8, maxLength: 64 };

describeEachDatabase('password hashing schemes and imported hashes', (kind) => {
  let db: TestDatabase;
  let smtp: SmtpTestServer;
  let t: TestApp | undefined;
  const logs: string[] = [];
  const responses: string[] = [];
  /** Every hash string imported or stored in this suite: none may appear in a response or a log line. */
  const secrets: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    smtp = await SmtpTestServer.start();
  });
  afterAll(async () => {
    await t?.close({ keepDatabase: true });
    await db?.drop();
    await smtp?.stop();
  });

  /** (Re)starts the service on the suite's database with PASSWORD_HASH=`scheme`. */
  async function boot(scheme: 'bcrypt' | 'argon2id'): Promise<TestApp> {
    await t?.close({ keepDatabase: true });
    t = await startTestApp({ database: db, smtpUrl: smtp.url, env: { PASSWORD_HASH: scheme, LOG_LEVEL: 'info' }, logDestination: { write: (line: string) => void logs.push(line) } });
    return t;
  }
  const app = () => t!;
  const stored = async (userId: string) => (await sql<{ hash: string; algorithm: string }>(app(), 'SELECT hash, algorithm FROM credentials WHERE user_id = $1', [userId]))[0];
  const login = async (email: string, password: string) => {
    const res = await app().http.post('/auth/login').send({ email, password });
    responses.push(res.text);
    return res;
  };
  const importHash = async (userId: string, body: Record<string, unknown>, key = ADMIN_KEY) => {
    const res = await app().http.put(`/users/${userId}/password-hash`).set('X-Api-Key', key).send(body);
    responses.push(res.text);
    return res;
  };
  const d3Set = (userId: string, value: string) => app().http.post(`/v1/password/${userId}`).set(admin).send({ password: { value } });
  const d3Remove = (userId: string) => app().http.delete(`/v1/password/${userId}`).set(admin);
  async function newUser(): Promise<{ userId: string; email: string; accountId: string }> {
    const { accountId } = await createAccount(app(), { policy: POLICY });
    return { ...(await createUser(app(), accountId)), accountId };
  }

  it('A11 with PASSWORD_HASH=argon2id a set password is stored as argon2id (m=19456, t=2, p=1) and logs in, without a rehash', async () => {
    await boot('argon2id');
    const u = await newUser();
    await d3Set(u.userId, PW).expect(200);
    const row = await stored(u.userId);
    secrets.push(row.hash);
    expect(row.algorithm).toBe('argon2id');
    expect(row.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect((await login(u.email, PW)).status).toBe(200);
    expect((await login(u.email, OTHER)).status).toBe(401);
    expect(await stored(u.userId)).toEqual(row);
  });

  it('A11 switching PASSWORD_HASH: a bcrypt user logs in under argon2id and is rehashed, and back again under bcrypt', async () => {
    await boot('bcrypt');
    const u = await newUser();
    await d3Set(u.userId, PW).expect(200);
    expect((await stored(u.userId)).algorithm).toBe('bcrypt-sha384');

    await boot('argon2id');
    expect((await login(u.email, PW)).status).toBe(200);
    const upgraded = await stored(u.userId);
    expect(upgraded.algorithm).toBe('argon2id');
    expect(upgraded.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    await boot('bcrypt');
    expect((await login(u.email, PW)).status).toBe(200);
    const back = await stored(u.userId);
    expect(back.algorithm).toBe('bcrypt-sha384');
    expect(back.hash).toMatch(/^\$2b\$04\$/);
    secrets.push(upgraded.hash, back.hash);
  });

  describe('imported hashes (PUT /users/{id}/password-hash), under PASSWORD_HASH=argon2id', () => {
    beforeAll(async () => {
      await boot('argon2id');
    });

    const cases: Array<[string, string, () => Promise<Record<string, unknown>>, string]> = [
      ['bcrypt ($2y$)', 'bcrypt', async () => ({ format: 'bcrypt', hash: (await bcrypt.hash(PW, 5)).replace(/^\$2b\$/, '$2y$') }), PW],
      ['bcrypt ($2a$)', 'bcrypt', async () => ({ format: 'bcrypt', hash: (await bcrypt.hash(PW, 4)).replace(/^\$2b\$/, '$2a$') }), PW],
      ['argon2i PHC', 'argon2i', async () => ({ format: 'argon2', hash: await argon2.hash(PW, { algorithm: 1 as never, memoryCost: 1024, timeCost: 1 }) }), PW],
      ['argon2id PHC at other parameters', 'argon2id', async () => ({ format: 'argon2', hash: await argon2.hash(PW, { memoryCost: 1024, timeCost: 3 }) }), PW],
      ['Django pbkdf2_sha256', 'django-pbkdf2-sha256', async () => {
        const salt = randomBytes(8).toString('hex');
        return { format: 'django-pbkdf2-sha256', hash: `pbkdf2_sha256$1000$${salt}$${pbkdf2Sync(PW, salt, 1000, 32, 'sha256').toString('base64')}` };
      }, PW],
      ["Firebase scrypt (Firebase's published sample)", 'firebase-scrypt', async () => ({ format: 'firebase-scrypt', ...FIREBASE, password: undefined }), FIREBASE.password],
    ];

    it.each(cases)('A12 a user imported as %s logs in with the password and is rehashed into argon2id; a wrong password is 401 and changes nothing', async (_name, algorithm, body, password) => {
      const u = await newUser();
      const input = await body();
      secrets.push(input.hash as string);
      const res = await importHash(u.userId, input);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { user_id: u.userId, format: input.format, algorithm, replaced: false } });
      const before = await stored(u.userId);
      expect(before.algorithm).toBe(algorithm);
      secrets.push(before.hash);

      expect((await login(u.email, password + 'x')).status).toBe(401);
      expect(await stored(u.userId)).toEqual(before);

      expect((await login(u.email, password)).status).toBe(200);
      const after = await stored(u.userId);
      expect(after.algorithm).toBe('argon2id');
      expect(after.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      secrets.push(after.hash);
      expect((await login(u.email, password)).status).toBe(200);
    });

    it('A12 each documented example of the request (what Swagger UI pre-fills, one per format) is accepted as it is, and the user logs in with its password', async () => {
      const documented = buildOpenApiDocument(app().app, app().config.publicUrl).paths['/users/{id}/password-hash'].put!.requestBody as {
        content: Record<string, { examples: Record<string, { value: Record<string, unknown> }> }>;
      };
      const examples = Object.entries(documented.content['application/json'].examples);
      expect(examples.map(([name]) => name).sort()).toEqual(Object.keys(IMPORT_HASH_EXAMPLES).sort());
      for (const [name, { value }] of examples) {
        const u = await newUser();
        secrets.push(value.hash as string);
        const res = await importHash(u.userId, value);
        expect([name, res.status]).toEqual([name, 200]);
        expect([name, (await login(u.email, IMPORT_HASH_EXAMPLES[name].password)).status]).toEqual([name, 200]);
        secrets.push((await stored(u.userId)).hash);
      }
    });

    it('A13 the imported hash enters the history: setting the same password later is refused, another one accepted', async () => {
      const u = await newUser();
      const hash = await bcrypt.hash(PW, 4);
      secrets.push(hash);
      await d3Set(u.userId, OTHER).expect(200);
      const res = await importHash(u.userId, { format: 'bcrypt', hash });
      expect(res.status).toBe(200);
      expect(res.body.data.replaced).toBe(true);
      // The password replaced by the import is in the history already; the imported one joins it on removal.
      await d3Remove(u.userId).expect(204);
      expect((await d3Set(u.userId, PW).expect(409)).body).toEqual({ errorCode: 'PASSWORD_KEY_ALREADY_IN_USE' });
      expect((await d3Set(u.userId, OTHER).expect(409)).body).toEqual({ errorCode: 'PASSWORD_KEY_ALREADY_IN_USE' });
      await d3Set(u.userId, 'Brand-New-Secret-44').expect(200);
    });

    it('D1 an import ends every session of the user and records password.imported (format and scheme, never the hash)', async () => {
      const u = await newUser();
      await issueSession(app(), u.userId);
      const hash = await bcrypt.hash(PW, 4);
      secrets.push(hash);
      await importHash(u.userId, { format: 'bcrypt', hash });
      const [{ n }] = await sql<{ n: string | number }>(app(), 'SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL', [u.userId]);
      expect(Number(n)).toBe(0);
      const events = await app().http.get('/audit-events').set(admin).query({ user_id: u.userId, type: 'password.imported' }).expect(200);
      responses.push(events.text);
      expect(events.body.data).toHaveLength(1);
      expect(events.body.data[0]).toMatchObject({ type: 'password.imported', user_id: u.userId, outcome: 'success', actor: { kind: 'api_key' } });
      const details = events.body.data[0].details;
      expect(details).toEqual({ format: 'bcrypt', algorithm: 'bcrypt', replaced: false, sessions_revoked: 1, api_key_id: events.body.data[0].actor.id });
      expect(events.text).not.toContain(hash);
    });

    it.each([
      ['a hash not of its format', { format: 'bcrypt', hash: 'not-a-bcrypt-hash' }, /^hash /],
      ['J2 a bcrypt cost over 15', { format: 'bcrypt', hash: '$2b$16$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' }, /^hash /],
      ['J2 argon2 memory over 64 MiB', { format: 'argon2', hash: '$argon2id$v=19$m=65537,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E' }, /^hash /],
      ['J2 PBKDF2 iterations over 1,200,000', { format: 'django-pbkdf2-sha256', hash: 'pbkdf2_sha256$1200001$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=' }, /^hash /],
      ['J2 a scrypt mem_cost over 17', { format: 'firebase-scrypt', ...FIREBASE, password: undefined, mem_cost: 18 }, /^mem_cost /],
      ['a Firebase import without its salt', { format: 'firebase-scrypt', ...FIREBASE, password: undefined, salt: undefined }, /^salt /],
      ['a Firebase salt that is not base64', { format: 'firebase-scrypt', ...FIREBASE, password: undefined, salt: 'not base64' }, /^salt /],
      ['a Firebase parameter with another format', { format: 'bcrypt', hash: '$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', rounds: 8 }, /^rounds is not a valid parameter of format firebase-scrypt only\.$/],
      ['an unknown format', { format: 'md5', hash: '5f4dcc3b5aa765d61d8327deb882cf99' }, /^format /],
      ['G4 an unknown field', { format: 'bcrypt', hash: '$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', algorithm: 'bcrypt-sha384' }, /^algorithm /],
      ['a hash that is not a string', { format: 'bcrypt', hash: 42 }, /^hash /],
    ])('%s is 400 in the service envelope naming the field, and changes nothing', async (_name, body, field) => {
      const u = await newUser();
      const res = await importHash(u.userId, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'REQUEST_INVALID' });
      expect(res.body.details.some((d: string) => field.test(d))).toBe(true);
      expect(await stored(u.userId)).toBeUndefined();
    });

    it('an unknown user is 404', async () => {
      const res = await importHash('00000000-0000-4000-8000-000000000000', { format: 'bcrypt', hash: '$2b$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('USER_NOT_FOUND');
    });

    it('only an operator imports (admin scope): no credentials 401; passwords:write, users:write (even bound to the account), another account\'s admin key, and an account owner\'s or admin\'s login 403; the account\'s admin key may', async () => {
      const u = await newUser();
      const other = await createAccount(app());
      const body = { format: 'bcrypt', hash: await bcrypt.hash(PW, 4) };
      secrets.push(body.hash);
      const accountAdmin = await app().http.post(`/accounts/${u.accountId}/users`).set(admin).send({ email: `acct-admin-${u.userId}@example.com`, role: 'admin' }).expect(201);
      const adminLogin = (await issueSession(app(), accountAdmin.body.data.user_id)).accessToken;
      expect((await app().http.put(`/users/${u.userId}/password-hash`).send(body)).status).toBe(401);
      expect((await importHash(u.userId, body, (await createApiKey(app(), ['passwords:write'])).key)).status).toBe(403);
      expect((await importHash(u.userId, body, (await createApiKey(app(), ['users:write'])).key)).status).toBe(403);
      expect((await importHash(u.userId, body, (await createApiKey(app(), ['users:write'], u.accountId)).key)).status).toBe(403);
      expect((await importHash(u.userId, body, (await createApiKey(app(), ['admin'], other.accountId)).key)).status).toBe(403);
      const byAccountAdmin = await app().http.put(`/users/${u.userId}/password-hash`).set('Authorization', `Bearer ${adminLogin}`).send(body);
      expect(byAccountAdmin.status).toBe(403);
      expect(await stored(u.userId)).toBeUndefined();
      expect((await importHash(u.userId, body, (await createApiKey(app(), ['admin'], u.accountId)).key)).status).toBe(200);
    });

    it("a super admin's password is replaced only by an unbound caller: an admin key bound to the super admin's own account is 403", async () => {
      const u = await newUser();
      await app().http.patch(`/users/${u.userId}`).set(admin).send({ isAdmin: true }).expect(200);
      const body = { format: 'bcrypt', hash: await bcrypt.hash(PW, 4) };
      secrets.push(body.hash);
      expect((await importHash(u.userId, body, (await createApiKey(app(), ['admin'], u.accountId)).key)).status).toBe(403);
      expect(await stored(u.userId)).toBeUndefined();
      expect((await importHash(u.userId, body)).status).toBe(200);
    });

    it('I1 no imported or stored hash appears in any log line, nor in the answers of the import, login and audit-event requests', () => {
      expect(secrets.length).toBeGreaterThan(10);
      expect(logs.length).toBeGreaterThan(0);
      const everything = [...responses, ...logs].join('\n');
      for (const secret of secrets) expect(everything).not.toContain(secret);
      expect(everything).not.toContain(FIREBASE.hash);
      expect(everything).not.toContain(FIREBASE.signer_key);
      expect(logs.some((l) => l.includes('password.imported'))).toBe(true);
    });
  });
});
