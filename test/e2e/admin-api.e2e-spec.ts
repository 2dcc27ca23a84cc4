import { SmtpTestServer, extractCode } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createApiKey, createUser, invitationToken, receiveMail, uniqueEmail } from './support/factories';
import { ADMIN_KEY, startTestApp, TestApp, withAppAndSmtp } from './support/test-app';

const BCRYPT = /\$2[aby]\$\d{2}\$/;

describeEachDatabase('admin API', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  describe('accounts', () => {
    it('creates an account with a partial policy completed from the service default', async () => {
      const { accountId, ownerId } = await createAccount(t, { policy: { maxLength: 30, historySize: 5 }, name: 'Globex' });
      const res = await t.http.get(`/accounts/${accountId}`).set(admin).expect(200);
      expect(res.body.data).toMatchObject({ account_id: accountId, account: 'Globex' });
      expect(res.body.data.passwordPolicy).toEqual({
        minLength: 8, maxLength: 30, requiredClasses: ['lower', 'upper', 'digit', 'special'], minClasses: 0,
        historySize: 5, maxAgeDays: 0, rejectCommon: true, rejectUserInfo: false, passwordLogin: true,
      });
      const owner = await t.http.get(`/users/${ownerId}`).set(admin).expect(200);
      expect(owner.body.data).toMatchObject({ user_id: ownerId, account_id: accountId, has_password: false });
    });

    it('answers 201 {"data":{"account_id","account","user_id"}} exactly', async () => {
      const res = await t.http.post('/accounts').set(admin).send({ name: 'Initech', owner: { email: uniqueEmail() } }).expect(201);
      expect(Object.keys(res.body)).toEqual(['data']);
      expect(Object.keys(res.body.data).sort()).toEqual(['account', 'account_id', 'user_id']);
      expect(res.body.data.account).toBe('Initech');
    });

    it('PUT password-policy replaces the whole policy and answers the stored one', async () => {
      const { accountId } = await createAccount(t, { policy: { historySize: 5, maxLength: 30 } });
      const res = await t.http.put(`/accounts/${accountId}/password-policy`).set(admin).send({ minLength: 10, minClasses: 3, requiredClasses: [] }).expect(200);
      expect(res.body).toEqual({
        minLength: 10, maxLength: 99, requiredClasses: [], minClasses: 3, historySize: 0, maxAgeDays: 0, rejectCommon: true, rejectUserInfo: false, passwordLogin: true,
      });
      const read = await t.http.get(`/accounts/${accountId}`).set(admin).expect(200);
      expect(read.body.data.passwordPolicy).toEqual(res.body);
    });

    it('A1 refuses a policy below 8 characters or inconsistent, naming the field', async () => {
      const { accountId } = await createAccount(t);
      const res = await t.http.put(`/accounts/${accountId}/password-policy`).set(admin).send({ minLength: 6, maxLength: 4 }).expect(400);
      expect(res.body.code).toBe('INVALID_POLICY');
      expect(res.body.details.join(' ')).toMatch(/minLength/);
      // Each length valid on its own, but the maximum below the minimum.
      const inconsistent = await t.http.put(`/accounts/${accountId}/password-policy`).set(admin).send({ minLength: 12, maxLength: 10 }).expect(400);
      expect(inconsistent.body.code).toBe('INVALID_POLICY');
      expect(inconsistent.body.details.join(' ')).toMatch(/maxLength must not be less than minLength/);
    });

    it('answers 404 for an unknown account', async () => {
      const res = await t.http.get('/accounts/00000000-0000-0000-0000-000000000000').set(admin).expect(404);
      expect(res.body.code).toBe('ACCOUNT_NOT_FOUND');
    });

    it('emails the owner an invitation with the D1 token on its own line and a link from PUBLIC_URL, never from Host (C7)', async () => {
      const email = uniqueEmail('owner');
      await t.http
        .post('/accounts')
        .set(admin)
        .set('Host', 'evil.test')
        .set('X-Forwarded-Host', 'evil.test')
        .send({ name: 'Umbrella', owner: { email, firstName: 'Ada' } })
        .expect(201);
      const mail = await receiveMail(t, smtp, email);
      const token = extractCode(mail);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url (B1)
      expect(mail.text).toMatch(new RegExp(`^Code: ${token}$`, 'm'));
      expect(mail.text).toContain('https://id.example.test/');
      expect(mail.text + mail.html).not.toContain('evil.test');
      expect(mail.html).toContain(token);
    });
  });

  describe('users', () => {
    it('creates a user without a password, emails an invitation, and never shows a hash', async () => {
      const { accountId } = await createAccount(t);
      const email = uniqueEmail();
      const res = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email, firstName: 'Grace', lastName: 'Hopper' }).expect(201);
      expect(res.body.data).toMatchObject({ email, first_name: 'Grace', last_name: 'Hopper', has_password: false, account_id: accountId });
      expect(await invitationToken(t, smtp, email)).toBeTruthy();
      const read = await t.http.get(`/users/${res.body.data.user_id}`).set(admin).expect(200);
      expect(JSON.stringify(read.body)).not.toMatch(BCRYPT);
      expect(Object.keys(read.body.data).sort()).toEqual([
        'account_id', 'created_at', 'disabled', 'email', 'first_name', 'has_password', 'is_active', 'is_admin', 'is_email_verified', 'last_name', 'locale', 'role', 'updated_at', 'user_id',
      ]);
    });

    it('H6 refuses a second user whose email differs only in case', async () => {
      const { accountId } = await createAccount(t);
      const email = uniqueEmail('mike');
      await createUser(t, accountId, email);
      const res = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: email.toUpperCase() }).expect(409);
      expect(res.body.code).toBe('EMAIL_TAKEN');
    });

    it('answers 404 for an unknown user and 404 for users of an unknown account', async () => {
      await t.http.get('/users/nope').set(admin).expect(404);
      await t.http.post('/accounts/nope/users').set(admin).send({ email: uniqueEmail() }).expect(404);
    });
  });

  describe('API keys', () => {
    it('shows the key once, stores only its hash, and lists keys without it (F3)', async () => {
      const { id, key } = await createApiKey(t, ['users:write']);
      expect(key).toMatch(/^pls_[A-Za-z0-9_-]{43}$/);
      const list = await t.http.get('/api-keys').set(admin).expect(200);
      const listed = list.body.data.find((k: { id: string }) => k.id === id);
      expect(listed).toMatchObject({ id, scopes: ['users:write'], account_id: null });
      expect(JSON.stringify(list.body)).not.toContain(key);
      const rows = await t.dataSource.query('SELECT * FROM api_keys');
      expect(JSON.stringify(rows)).not.toContain(key);
      expect(JSON.stringify(rows)).not.toContain(ADMIN_KEY);
    });

    it('records when a key was last used', async () => {
      const { id, key } = await createApiKey(t, ['users:write']);
      const { accountId } = await createAccount(t);
      await createUser(t, accountId).then(({ userId }) => t.http.get(`/users/${userId}`).set('X-Api-Key', key).expect(200));
      const list = await t.http.get('/api-keys').set(admin).expect(200);
      expect(list.body.data.find((k: { id: string }) => k.id === id).last_used_at).toEqual(expect.any(String));
    });

    it('F1 answers the same 401 for no key, a garbage key and a revoked key', async () => {
      const { id, key } = await createApiKey(t, ['accounts:write']);
      await t.http.delete(`/api-keys/${id}`).set(admin).expect(204);
      const bodies = await Promise.all([
        t.http.post('/accounts').send({ name: 'x', owner: { email: uniqueEmail() } }),
        t.http.post('/accounts').set('X-Api-Key', 'garbage').send({ name: 'x', owner: { email: uniqueEmail() } }),
        t.http.post('/accounts').set('X-Api-Key', key).send({ name: 'x', owner: { email: uniqueEmail() } }),
      ]);
      for (const res of bodies) expect(res.status).toBe(401);
      expect(new Set(bodies.map((r) => JSON.stringify(r.body))).size).toBe(1);
    });

    it('F1 a revoked ADMIN_API_KEY stays revoked across a restart; a new ADMIN_API_KEY bootstraps a new admin key', async () => {
      const other = 'another-bootstrap-key-0123456789abcdef012345';
      let first: TestApp | undefined = await startTestApp({ kind, env: { ADMIN_API_KEY: other } });
      let second: TestApp | undefined;
      const database = first.database;
      try {
        const keys = (await first.http.get('/api-keys').set('X-Api-Key', other).expect(200)).body.data as Array<{ id: string; name: string }>;
        const bootstrap = keys.find((k) => k.name.includes('ADMIN_API_KEY'))!;
        await first.http.delete(`/api-keys/${bootstrap.id}`).set('X-Api-Key', other).expect(204);
        await first.close({ keepDatabase: true });
        first = undefined;
        second = await startTestApp({ kind, database, env: { ADMIN_API_KEY: other } });
        await second.http.get('/api-keys').set('X-Api-Key', other).expect(401);
        await second.http.get('/api-keys').set(admin).expect(401); // that key was never created in this database
        await second.close({ keepDatabase: true });
        second = await startTestApp({ kind, database }); // ADMIN_API_KEY = ADMIN_KEY, new here
        await second.http.get('/api-keys').set(admin).expect(200);
      } finally {
        await first?.close({ keepDatabase: true });
        await second?.close({ keepDatabase: true });
        await database.drop();
      }
    });

    it('F3 ignores a key passed in the query string', async () => {
      const { key } = await createApiKey(t, ['admin']);
      await t.http.get(`/api-keys?api_key=${key}`).expect(401);
    });

    it('answers 403 when the key lacks the scope; admin implies every scope', async () => {
      const { key } = await createApiKey(t, ['users:write']);
      await t.http.post('/accounts').set('X-Api-Key', key).send({ name: 'x', owner: { email: uniqueEmail() } }).expect(403);
      await t.http.get('/api-keys').set('X-Api-Key', key).expect(403);
      const { key: adminKey } = await createApiKey(t, ['admin']);
      // One route of each scope: accounts:write, accounts:read, users:write, passwords:write, admin.
      const created = await t.http.post('/accounts').set('X-Api-Key', adminKey).send({ name: 'x', owner: { email: uniqueEmail() } }).expect(201);
      await t.http.get(`/accounts/${created.body.data.account_id}`).set('X-Api-Key', adminKey).expect(200);
      const user = await t.http.post(`/accounts/${created.body.data.account_id}/users`).set('X-Api-Key', adminKey).send({ email: uniqueEmail() }).expect(201);
      await t.http.post(`/v1/password/${user.body.data.user_id}`).set('X-Api-Key', adminKey).send({ password: { value: 'Correct-Horse-9' } }).expect(200);
      await t.http.get('/api-keys').set('X-Api-Key', adminKey).expect(200);
    });

    it("F2 an account-bound key reaches its own account's users only", async () => {
      const a = await createAccount(t);
      const b = await createAccount(t);
      const { key } = await createApiKey(t, ['users:write', 'accounts:write'], a.accountId);
      await t.http.get(`/users/${a.ownerId}`).set('X-Api-Key', key).expect(200);
      await t.http.get(`/users/${b.ownerId}`).set('X-Api-Key', key).expect(403);
      await t.http.post(`/accounts/${b.accountId}/users`).set('X-Api-Key', key).send({ email: uniqueEmail() }).expect(403);
      await t.http.put(`/accounts/${b.accountId}/password-policy`).set('X-Api-Key', key).send({}).expect(403);
      await t.http.post('/accounts').set('X-Api-Key', key).send({ name: 'x', owner: { email: uniqueEmail() } }).expect(403);
    });

    it('refuses unknown scopes and answers 404 when revoking an unknown key', async () => {
      await t.http.post('/api-keys').set(admin).send({ name: 'x', scopes: ['root'] }).expect(400);
      await t.http.delete('/api-keys/00000000-0000-0000-0000-000000000000').set(admin).expect(404);
    });
  });

  describe('bad input gets a clear 4xx, never a 500', () => {
    it('G2 malformed JSON → 400 without internals', async () => {
      const res = await t.http.post('/accounts').set(admin).set('Content-Type', 'application/json').send('{"name":').expect(400);
      expect(res.body.code).toBe('MALFORMED_BODY');
      expect(JSON.stringify(res.body)).not.toMatch(/at |node_modules|SyntaxError|body-parser/);
    });

    it('G1/G2 bodies a parser refuses for other reasons get a 4xx, never 500: 1,001 form fields → 413, a corrupt gzip body → 400 (D5 and D1 too)', async () => {
      const form = Array.from({ length: 1001 }, (_, i) => `f${i}=x`).join('&');
      for (const path of ['/accounts', '/v1/auth/password-reset/request', '/accounts/set-password']) {
        const fields = await t.http.post(path).set(admin).set('Content-Type', 'application/x-www-form-urlencoded').send(form);
        expect(fields.status).toBe(413);
        const gzip = await t.http.post(path).set(admin).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('not gzip at all');
        expect(gzip.status).toBe(400);
        expect(JSON.stringify([fields.body, gzip.body])).not.toMatch(/at |node_modules|zlib|body-parser/);
      }
    });

    it('G1 a 1 MB body → 413', async () => {
      const res = await t.http.post('/accounts').set(admin).send({ name: 'x'.repeat(1_000_000) }).expect(413);
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('G3 wrong types → 400 naming the field; G4 unknown fields → 400', async () => {
      const wrong = await t.http.post('/accounts').set(admin).send({ name: 42, owner: { email: ['a@x.io', 'b@y.io'] } }).expect(400);
      expect(wrong.body.code).toBe('REQUEST_INVALID');
      expect(wrong.body.details.join(' ')).toMatch(/name/);
      expect(wrong.body.details.join(' ')).toMatch(/owner\.email/);
      const extra = await t.http.post('/accounts').set(admin).send({ name: 'x', owner: { email: uniqueEmail() }, role: 'admin' }).expect(400);
      expect(extra.body.details.join(' ')).toMatch(/role/);
    });

    it('G4 a __proto__ key is refused with 400 and pollutes nothing', async () => {
      const email = uniqueEmail('proto');
      const res = await t.http.post('/accounts').set(admin).set('Content-Type', 'application/json')
        .send(`{"name":"p","owner":{"email":"${email}","__proto__":{"isAdmin":true}}}`)
        .expect(400);
      expect(res.body.code).toBe('MALFORMED_BODY');
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      await t.http.post('/accounts').set(admin).send({ name: 'p', owner: { email } }).expect(201);
    });

    it('unknown routes → 404 JSON', async () => {
      const res = await t.http.get('/nope').expect(404);
      expect(res.body.code).toBe('ROUTE_NOT_FOUND');
    });

    it('G6 responses are not cacheable and JSON', async () => {
      const res = await t.http.get('/api-keys').set(admin).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
    });
  });

  describe('operations', () => {
    it('health answers liveness and readiness with the database up', async () => {
      await t.http.get('/health/live').expect(200, { status: 'ok' });
      const res = await t.http.get('/health').expect(200);
      expect(res.body.info.database.status).toBe('up');
    });

    it('Swagger UI and the OpenAPI document list the admin endpoints and all four security schemes', async () => {
      await t.http.get('/docs/').expect(200).expect('Content-Type', /html/);
      const doc = (await t.http.get('/docs-json').expect(200)).body;
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['api-key', 'bearer', 'oauth-client-basic', 'oauth2']);
      expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
      for (const path of ['/accounts', '/accounts/{id}', '/accounts/{id}/password-policy', '/accounts/{id}/users', '/users/{id}', '/api-keys', '/api-keys/{id}']) {
        expect(doc.paths).toHaveProperty([path]);
      }
    });
  });
});
