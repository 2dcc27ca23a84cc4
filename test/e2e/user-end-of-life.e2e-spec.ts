import { SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, createApiKey, createUser, dumpAllTables, givePassword, GOOD_PASSWORD, hasPassword, latestInvitationToken, latestMail, loginAs, randomClientIp, sql,
  uniqueEmail,
} from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/**
 * CONTRACT.md "Third round: The end of a user's life" and GET /accounts: disabling, enabling and
 * erasing a user, and listing accounts.
 */
describeEachDatabase('the end of a user\'s life', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { TRUST_PROXY: 'true' } });

  /** A member of a new account with GOOD_PASSWORD. */
  async function member() {
    const { accountId } = await createAccount(t);
    const { userId, email } = await createUser(t, accountId);
    await givePassword(t, userId, GOOD_PASSWORD);
    return { accountId, userId, email };
  }
  const auditOf = async (userId: string, type: string) => sql<{ client_ip: string | null; actor_kind: string }>(t, 'SELECT * FROM audit_events WHERE user_id = $1 AND type = $2', [userId, type]);

  describe('PATCH /users/{id} {"disabled": true}', () => {
    it('ends every session and earlier access token, kills the outstanding D5 code, mails nothing, and shows "disabled"', async () => {
      const u = await member();
      const session = await loginAs(t, u.email);
      await t.http.post('/v1/auth/password-reset/request').send({ email: u.email }).expect(200);
      const code = (await latestMail(t, smtp, u.email, (m) => /reset/i.test(m.subject))).text.match(/Code: (\S+)/)![1];
      await t.flushMail();
      const mailed = smtp.messages.length;
      const liveCodes = () => sql(t, "SELECT id FROM one_time_tokens WHERE user_id = $1 AND purpose = 'reset_code' AND used_at IS NULL", [u.userId]);
      expect(await liveCodes()).toHaveLength(1);

      const res = await t.http.patch(`/users/${u.userId}`).set(admin).send({ disabled: true }).expect(200);
      expect(await liveCodes()).toEqual([]);
      expect(res.body.data).toMatchObject({ user_id: u.userId, disabled: true, is_active: false });
      expect((await t.http.get('/users/me').set('Authorization', `Bearer ${session.access_token}`)).status).toBe(401);
      expect((await t.http.post('/auth/refresh').send({ refresh_token: session.refresh_token })).status).toBe(401);
      const reset = await t.http.post('/v1/auth/password-reset/reset').send({ code, new_password: 'Another-Good-Pass-7!' });
      expect(reset.status).toBe(400);
      expect((await t.http.get(`/users/${u.userId}`).set(admin).expect(200)).body.data.disabled).toBe(true);
      // Only the right password learns that the user is disabled; a wrong one is the usual 401.
      expect((await t.http.post('/auth/login').send({ email: u.email, password: GOOD_PASSWORD }).expect(403)).body.code).toBe('USER_DISABLED');
      expect((await t.http.post('/auth/login').send({ email: u.email, password: 'Wrong-Password-1!' }).expect(401)).body.code).toBe('INVALID_CREDENTIALS');
      await t.flushMail();
      expect(smtp.messages.length).toBe(mailed);
      expect(await auditOf(u.userId, 'user.disabled')).toHaveLength(1);
      const metrics = (await t.http.get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^user_lifecycle_events_total\{type="user\.disabled",via=""\} [1-9]/m);
      expect(metrics).toMatch(/^user_lifecycle_events_total\{type="sessions\.revoked",via=""\} [1-9]/m);
    });

    it('recovery requests (D4, D5) for a disabled user answer as for an unknown address and send nothing', async () => {
      const u = await member();
      await t.http.patch(`/users/${u.userId}`).set(admin).send({ disabled: true }).expect(200);
      await t.flushMail();
      const before = smtp.messages.length;
      const d5 = await t.http.post('/v1/auth/password-reset/request').send({ email: u.email }).expect(200);
      const unknown = await t.http.post('/v1/auth/password-reset/request').send({ email: uniqueEmail('nobody') }).expect(200);
      expect(d5.body).toEqual(unknown.body);
      const d4 = await t.http.post('/api/v2/account/recover/').send({ email: u.email }).expect(200);
      const unknownD4 = await t.http.post('/api/v2/account/recover/').send({ email: uniqueEmail('nobody') }).expect(200);
      expect(d4.body).toEqual(unknownD4.body);
      await t.flushMail();
      expect(smtp.messages.length).toBe(before);
    });

    it('a disabled user gets no password by D1 (its invitation is refused), D3 or PUT /users/{id}/password (403): nothing is set, nothing mailed', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      const invitation = await latestInvitationToken(t, smtp, email);
      await t.http.patch(`/users/${userId}`).set(admin).send({ disabled: true }).expect(200);
      await t.flushMail();
      const before = smtp.messages.length;
      await t.http.post('/accounts/set-password').send({ token: invitation, password: 'Disabled-Set-Pass-3!' }).expect(400);
      const key = await createApiKey(t, ['passwords:write'], accountId);
      const d3 = await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key.key).send({ password: { value: 'Disabled-Set-Pass-4!' } });
      expect([d3.status, d3.body]).toEqual([403, { errorCode: 'INSUFFICIENT_PERMISSIONS' }]);
      expect((await t.http.put(`/users/${userId}/password`).set(admin).send({ password: 'Disabled-Set-Pass-5!' })).status).toBe(403);
      expect(await sql(t, 'SELECT * FROM credentials WHERE user_id = $1', [userId])).toEqual([]);
      await t.flushMail();
      expect(smtp.messages.slice(before).filter((m) => m.to.includes(email))).toEqual([]);
    });

    it('{"disabled": false} enables the user again: a new session works with the same password', async () => {
      const u = await member();
      await t.http.patch(`/users/${u.userId}`).set(admin).send({ disabled: true }).expect(200);
      await t.http.patch(`/users/${u.userId}`).set(admin).send({ disabled: false }).expect(200);
      const session = await loginAs(t, u.email);
      await t.http.get('/users/me').set('Authorization', `Bearer ${session.access_token}`).expect(200);
      expect(await auditOf(u.userId, 'user.enabled')).toHaveLength(1);
    });

    it('an account\'s admin cannot disable its owner (403), a member\'s token cannot disable anyone (403), and nothing changes', async () => {
      const { accountId, ownerId } = await createAccount(t);
      const adminUser = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email: uniqueEmail('adm'), role: 'admin' }).expect(201);
      await givePassword(t, adminUser.body.data.user_id, GOOD_PASSWORD);
      const token = (await loginAs(t, adminUser.body.data.email)).access_token;
      expect((await t.http.patch(`/users/${ownerId}`).set('Authorization', `Bearer ${token}`).send({ disabled: true })).status).toBe(403);
      expect((await t.http.get(`/users/${ownerId}`).set(admin).expect(200)).body.data.disabled).toBe(false);
      // A member's token: refused for the owner, the admin and another member alike.
      const memberUser = await createUser(t, accountId);
      await givePassword(t, memberUser.userId, GOOD_PASSWORD);
      const other = await createUser(t, accountId);
      const memberToken = (await loginAs(t, memberUser.email)).access_token;
      for (const target of [ownerId, adminUser.body.data.user_id, other.userId]) {
        expect((await t.http.patch(`/users/${target}`).set('Authorization', `Bearer ${memberToken}`).send({ disabled: true })).status).toBe(403);
        expect((await t.http.get(`/users/${target}`).set(admin).expect(200)).body.data.disabled).toBe(false);
      }
    });
  });

  describe('DELETE /users/{id}', () => {
    it('erases the user: 204, then 404, and no row of any table outside the audit trail names it; its audit events keep their ids without a client address', async () => {
      const u = await member();
      const ip = randomClientIp();
      const session = await loginAs(t, u.email);
      await t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: u.email, password: 'Wrong-Password-1!' }).expect(401);
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', ip).send({ email: u.email }).expect(200);
      await t.flushMail();
      const eventsBefore = await sql<{ id: string }>(t, 'SELECT id FROM audit_events WHERE user_id = $1', [u.userId]);
      expect(eventsBefore.length).toBeGreaterThan(0);

      await t.http.delete(`/users/${u.userId}`).set(admin).expect(204);
      await t.http.get(`/users/${u.userId}`).set(admin).expect(404);
      expect((await t.http.post('/auth/refresh').send({ refresh_token: session.refresh_token })).status).toBe(401);

      const dump = JSON.parse(await dumpAllTables(t)) as Record<string, unknown[]>;
      const naming = Object.entries(dump).filter(([table]) => table !== 'audit_events')
        .flatMap(([table, rows]) => rows.filter((row) => JSON.stringify(row).includes(u.userId) || JSON.stringify(row).toLowerCase().includes(u.email.toLowerCase())).map(() => table));
      expect(naming).toEqual([]);
      const events = await sql<{ id: string; client_ip: string | null; type: string }>(t, 'SELECT id, client_ip, type FROM audit_events WHERE user_id = $1', [u.userId]);
      expect(events.map((e) => e.id)).toEqual(expect.arrayContaining(eventsBefore.map((e) => e.id)));
      expect(events.filter((e) => e.type !== 'user.deleted').every((e) => e.client_ip === null)).toBe(true);
      expect(events.some((e) => e.type === 'user.deleted')).toBe(true);
      expect(JSON.stringify(dump.audit_events)).not.toContain(u.email);
    });

    it('the address can be invited again, as a new user', async () => {
      const u = await member();
      await t.http.delete(`/users/${u.userId}`).set(admin).expect(204);
      const again = await t.http.post(`/accounts/${u.accountId}/users`).set(admin).send({ email: u.email }).expect(201);
      expect(again.body.data.user_id).not.toBe(u.userId);
    });

    it('an account\'s owner cannot be deleted: 409 LAST_OWNER, and nothing changes; an unknown user is 404', async () => {
      const { ownerId } = await createAccount(t);
      const res = await t.http.delete(`/users/${ownerId}`).set(admin).expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, code: 'LAST_OWNER' });
      await t.http.get(`/users/${ownerId}`).set(admin).expect(200);
      await t.http.delete('/users/00000000-0000-4000-8000-000000000000').set(admin).expect(404);
    });

    it('a key bound to another account gets 403 and the user stays', async () => {
      const u = await member();
      const other = await createAccount(t);
      const key = await createApiKey(t, ['users:write'], other.accountId);
      expect((await t.http.delete(`/users/${u.userId}`).set('X-Api-Key', key.key)).status).toBe(403);
      await t.http.get(`/users/${u.userId}`).set(admin).expect(200);
    });
  });

  describe('PUT /users/{id}/password', () => {
    it('sets the password through the pipeline, temporary by default, ends the sessions, and answers the user', async () => {
      const u = await member();
      const session = await loginAs(t, u.email);
      const res = await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Temporary-Pass-42!' }).expect(200);
      expect(res.body.data).toMatchObject({ user_id: u.userId, has_password: true });
      expect(await hasPassword(t, u.userId, 'Temporary-Pass-42!')).toBe(true);
      expect((await t.http.post('/auth/refresh').send({ refresh_token: session.refresh_token })).status).toBe(401);
      const [credential] = await sql<{ must_change: unknown }>(t, 'SELECT must_change FROM credentials WHERE user_id = $1', [u.userId]);
      expect(Boolean(credential.must_change)).toBe(true);
      await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Ordinary-Pass-43!', temporary: false }).expect(200);
      const [after] = await sql<{ must_change: unknown }>(t, 'SELECT must_change FROM credentials WHERE user_id = $1', [u.userId]);
      expect(Boolean(after.must_change)).toBe(false);
    });

    it('a password the policy refuses: 400 PASSWORD_POLICY_VIOLATION listing every violation, and nothing changes', async () => {
      const u = await member();
      const before = await sql(t, 'SELECT * FROM credentials WHERE user_id = $1', [u.userId]);
      const res = await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'short' }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'PASSWORD_POLICY_VIOLATION' });
      // Too short; no upper case letter, digit or special character (the default policy asks for all four classes); common.
      expect(res.body.violations.map((v: { rule: string }) => v.rule)).toEqual(['minLength', 'requiredClass', 'requiredClass', 'requiredClass', 'common']);
      expect(res.body.violations.every((v: { message: string }) => typeof v.message === 'string' && v.message.length > 0)).toBe(true);
      expect(await sql(t, 'SELECT * FROM credentials WHERE user_id = $1', [u.userId])).toEqual(before);
    });
  });

  describe('GET /accounts', () => {
    it('pages every account newest first for a global caller; a bound key sees only its own account', async () => {
      const created = [await createAccount(t, { name: 'One' }), await createAccount(t, { name: 'Two' }), await createAccount(t, { name: 'Three' })];
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: Array<{ account_id: string }>; next: string | null } } = await t.http.get('/accounts').query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(admin).expect(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((a) => a.account_id));
        cursor = page.body.next;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      const newestFirst = created.map((a) => a.accountId).reverse();
      expect(seen.filter((id) => newestFirst.includes(id))).toEqual(newestFirst);

      const bound = await createApiKey(t, ['accounts:write'], created[1].accountId);
      const own = await t.http.get('/accounts').set('X-Api-Key', bound.key).expect(200);
      expect(own.body).toMatchObject({ data: [{ account_id: created[1].accountId, account: 'Two' }], next: null });
    });

    it('a cursor it did not issue or a limit out of range: 400 naming the query string; a key without accounts:write: 403', async () => {
      const bad = await t.http.get('/accounts').query({ cursor: 'bm90LWEtY3Vyc29y' }).set(admin).expect(400);
      expect(bad.body.message).toBe('The query string is invalid.');
      for (const limit of [0, 101]) {
        const res = await t.http.get('/accounts').query({ limit }).set(admin);
        expect([res.status, res.body.message]).toEqual([400, 'The query string is invalid.']);
      }
      const key = await createApiKey(t, ['users:write']);
      expect((await t.http.get('/accounts').set('X-Api-Key', key.key)).status).toBe(403);
    });
  });
});
