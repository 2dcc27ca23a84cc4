import { SmtpTestServer, extractCode } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, createApiKey, createUser, givePassword, GOOD_PASSWORD, latestInvitationToken, latestMail, loginAs, uniqueEmail,
} from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';
import { User } from '../../src/core/entities/user.entity';

const NEW_PASSWORD = 'Fresh-Harbor-77!';
const RESET_SUBJECT = 'Your password reset code';
const BCRYPT = /\$2[aby]\$\d{2}\$/;

/** Admin actions (CONTRACT.md "Callers with JWT bearer tokens"): invitation resend, reset email, ending sessions, listing an account's users. */
describeEachDatabase('admin user actions', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  const events = async (q: Record<string, string>) => (await t.http.get('/audit-events').query(q).set(admin).expect(200)).body.data as Array<Record<string, any>>;
  const me = (accessToken: string) => t.http.get('/users/me').set('Authorization', `Bearer ${accessToken}`);

  describe('POST /users/{id}/invitation', () => {
    it('mails a new invitation; the new token sets the password and the older one is refused; audited as user.invitation_sent', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      const oldToken = await latestInvitationToken(t, smtp, email);
      const since = smtp.messages.length;

      const res = await t.http.post(`/users/${userId}/invitation`).set(admin).expect(202);
      expect(res.body).toEqual({ data: { user_id: userId, sent: true } });
      const mail = await latestMail(t, smtp, email, (m) => /invit/i.test(m.subject), since);
      const newToken = extractCode(mail);
      expect(newToken).not.toBe(oldToken);
      expect(mail.text).toContain(encodeURIComponent(newToken));

      await t.http.post('/accounts/set-password').send({ token: oldToken, password: GOOD_PASSWORD }).expect(400);
      await t.http.post('/accounts/set-password').send({ token: newToken, password: GOOD_PASSWORD }).expect(200);

      const [event] = await events({ user_id: userId, type: 'user.invitation_sent' });
      expect(event).toMatchObject({ account_id: accountId, actor: { kind: 'api_key' }, outcome: 'success' });
    });

    it('409 PASSWORD_ALREADY_SET in the service envelope once the user has a password; nothing is mailed', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      await givePassword(t, userId, GOOD_PASSWORD);
      await t.flushMail();
      const since = smtp.messages.length;
      const res = await t.http.post(`/users/${userId}/invitation`).set(admin).expect(409);
      expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'PASSWORD_ALREADY_SET', message: 'The user already has a password.' });
      await t.flushMail();
      expect(smtp.messages.slice(since).filter((m) => m.to.includes(email))).toEqual([]);
    });

    it('one resend per user per minute: a second answers 429 with Retry-After, and after the minute another is sent', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      await t.http.post(`/users/${userId}/invitation`).set(admin).expect(202);
      const limited = await t.http.post(`/users/${userId}/invitation`).set(admin).expect(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      t.clock.advance(61_000);
      await t.flushMail();
      const since = smtp.messages.length;
      await t.http.post(`/users/${userId}/invitation`).set(admin).expect(202);
      await latestMail(t, smtp, email, (m) => /invit/i.test(m.subject), since);
    });

    it('404 for an unknown or deactivated user', async () => {
      await t.http.post('/users/00000000-0000-4000-8000-000000000000/invitation').set(admin).expect(404);
      const { accountId } = await createAccount(t);
      const { userId } = await createUser(t, accountId);
      await t.dataSource.getRepository(User).update({ id: userId }, { isActive: false });
      const res = await t.http.post(`/users/${userId}/invitation`).set(admin).expect(404);
      expect(res.body.code).toBe('USER_NOT_FOUND');
    });
  });

  describe('POST /users/{id}/password-reset', () => {
    it('mails the D5 code and link; the code resets the password; audited as user.password_reset_sent', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      await givePassword(t, userId, GOOD_PASSWORD);
      const since = smtp.messages.length;

      const res = await t.http.post(`/users/${userId}/password-reset`).set(admin).expect(202);
      expect(res.body).toEqual({ data: { user_id: userId, sent: true } });
      const mail = await latestMail(t, smtp, email, (m) => m.subject === RESET_SUBJECT, since);
      const code = extractCode(mail);
      expect(mail.text).toContain(encodeURIComponent(code));

      await t.http.post('/v1/auth/password-reset/reset').send({ code, new_password: NEW_PASSWORD }).expect(200);
      await loginAs(t, email, NEW_PASSWORD);

      const [event] = await events({ user_id: userId, type: 'user.password_reset_sent' });
      expect(event).toMatchObject({ account_id: accountId, actor: { kind: 'api_key' }, outcome: 'success', details: { dialect: 'D5' } });
      expect(JSON.stringify(event)).not.toContain(code);
    });

    it("counts toward the address's mail cap: past it, 429 and no code", async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      for (let i = 0; i < 3; i++) await t.http.post(`/users/${userId}/password-reset`).set(admin).expect(202);
      await t.flushMail();
      const since = smtp.messages.length;
      const res = await t.http.post(`/users/${userId}/password-reset`).set(admin).expect(429);
      expect(res.body.code).toBe('RATE_LIMITED');
      // A public request for the same address is capped as well (the same counter).
      await t.http.post('/v1/auth/password-reset/request').send({ email }).expect(200);
      await t.flushMail();
      expect(smtp.messages.slice(since).filter((m) => m.to.includes(email))).toEqual([]);
    });

    it('404 for an unknown or deactivated user', async () => {
      await t.http.post('/users/00000000-0000-4000-8000-000000000000/password-reset').set(admin).expect(404);
      const { accountId } = await createAccount(t);
      const { userId } = await createUser(t, accountId);
      await t.dataSource.getRepository(User).update({ id: userId }, { isActive: false });
      await t.http.post(`/users/${userId}/password-reset`).set(admin).expect(404);
    });
  });

  describe('DELETE /users/{id}/sessions', () => {
    it('ends the refresh tokens and the access tokens issued before; a new login works; audited as session.revoked, reason admin', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      await givePassword(t, userId, GOOD_PASSWORD);
      const a = await loginAs(t, email);
      const b = await loginAs(t, email);
      await me(a.access_token).expect(200);
      t.clock.advance(1_000);

      await t.http.delete(`/users/${userId}/sessions`).set(admin).expect(204);

      await me(a.access_token).expect(401);
      await me(b.access_token).expect(401);
      await t.http.post('/auth/refresh').send({ refresh_token: a.refresh_token }).expect(401);
      await t.http.post('/auth/refresh').send({ refresh_token: b.refresh_token }).expect(401);
      const fresh = await loginAs(t, email);
      await me(fresh.access_token).expect(200);

      const [event] = await events({ user_id: userId, type: 'session.revoked' });
      expect(event).toMatchObject({ actor: { kind: 'api_key' }, outcome: 'success', details: { reason: 'admin', sessions: 2 } });
    });

    it('404 for an unknown user', async () => {
      const res = await t.http.delete('/users/00000000-0000-4000-8000-000000000000/sessions').set(admin).expect(404);
      expect(res.body.code).toBe('USER_NOT_FOUND');
    });
  });

  describe('account boundary and scope', () => {
    it("an account-bound key reaches its own account's users and gets 403 for another account's, on every action", async () => {
      const mine = await createAccount(t);
      const other = await createAccount(t);
      const own = await createUser(t, mine.accountId);
      const foreign = await createUser(t, other.accountId);
      const { key } = await createApiKey(t, ['users:write'], mine.accountId);
      const bound = { 'X-Api-Key': key };

      await t.http.post(`/users/${foreign.userId}/invitation`).set(bound).expect(403);
      await t.http.post(`/users/${foreign.userId}/password-reset`).set(bound).expect(403);
      await t.http.delete(`/users/${foreign.userId}/sessions`).set(bound).expect(403);
      const list = await t.http.get(`/accounts/${other.accountId}/users`).set(bound).expect(403);
      expect(list.body.code).toBe('FORBIDDEN');

      await t.http.post(`/users/${own.userId}/invitation`).set(bound).expect(202);
      await t.http.post(`/users/${own.userId}/password-reset`).set(bound).expect(202);
      await t.http.delete(`/users/${own.userId}/sessions`).set(bound).expect(204);
      await t.http.get(`/accounts/${mine.accountId}/users`).set(bound).expect(200);
    });

    it('a key without users:write gets 403; no key 401', async () => {
      const { accountId } = await createAccount(t);
      const { userId } = await createUser(t, accountId);
      const { key } = await createApiKey(t, ['passwords:write']);
      await t.http.post(`/users/${userId}/password-reset`).set('X-Api-Key', key).expect(403);
      await t.http.delete(`/users/${userId}/sessions`).expect(401);
      await t.http.get(`/accounts/${accountId}/users`).set('X-Api-Key', key).expect(403);
    });
  });

  describe('GET /accounts/{id}/users', () => {
    it('pages newest first with an opaque cursor; every user once; the GET /users/{id} shape, never a hash', async () => {
      const { accountId, ownerId } = await createAccount(t);
      const created: string[] = [ownerId];
      for (let i = 0; i < 4; i++) {
        t.clock.advance(1_000);
        created.push((await createUser(t, accountId)).userId);
      }
      await givePassword(t, created[2], GOOD_PASSWORD);
      const seen: Array<Record<string, unknown>> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { data: Array<Record<string, unknown>>; next_cursor: string | null } } = await t.http
          .get(`/accounts/${accountId}/users`).query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(admin).expect(200);
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.data);
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((u) => u.user_id)).toEqual([...created].reverse());
      const single = await t.http.get(`/users/${created[2]}`).set(admin).expect(200);
      expect(seen.find((u) => u.user_id === created[2])).toEqual(single.body.data);
      expect(single.body.data.has_password).toBe(true);
      expect(JSON.stringify(seen)).not.toMatch(BCRYPT);
    });

    it('filters by email: an exact match on the normalized address', async () => {
      const { accountId } = await createAccount(t);
      const email = uniqueEmail('filter');
      const { userId } = await createUser(t, accountId, email);
      await createUser(t, accountId);
      const res = await t.http.get(`/accounts/${accountId}/users`).query({ email: email.toUpperCase() }).set(admin).expect(200);
      expect(res.body).toMatchObject({ data: [{ user_id: userId, email }], next_cursor: null });
      const none = await t.http.get(`/accounts/${accountId}/users`).query({ email: email.slice(0, 8) }).set(admin).expect(200);
      expect(none.body).toEqual({ data: [], next_cursor: null });
    });

    it('400 in the service envelope for a bad limit, a foreign cursor or an unknown parameter, saying the query string is invalid; 404 for an unknown account', async () => {
      const { accountId } = await createAccount(t);
      for (const query of [{ limit: '0' }, { limit: '101' }, { limit: 'x' }, { cursor: 'not-a-cursor!' }, { cursor: 'bm9wZQ' }, { sort: 'email' }]) {
        const res = await t.http.get(`/accounts/${accountId}/users`).query(query).set(admin).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'REQUEST_INVALID', message: 'The query string is invalid.' });
      }
      const res = await t.http.get('/accounts/00000000-0000-4000-8000-000000000000/users').set(admin).expect(404);
      expect(res.body.code).toBe('ACCOUNT_NOT_FOUND');
    });
  });
});
