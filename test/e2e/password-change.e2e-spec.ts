import { decodeProtectedHeader } from 'jose';
import { SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, createApiKey, createUser, givePassword, GOOD_PASSWORD, hasPassword, latestMail, loginAs, randomClientIp, signUpAndVerify, sql,
} from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const NEW_PASSWORD = 'Brand-New-Pass-28!';

/**
 * CONTRACT.md "Third round: Changing a password while signed in" and "A change the user must make":
 * POST /users/me/password with an access token or a change token, and the login's 403s.
 */
describeEachDatabase('changing a password while signed in', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { TRUST_PROXY: 'true' } });

  async function member(policy?: Record<string, unknown>) {
    const { accountId } = await createAccount(t, { policy });
    const { userId, email } = await createUser(t, accountId);
    await givePassword(t, userId, GOOD_PASSWORD);
    return { accountId, userId, email };
  }
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const change = (token: string, body: Record<string, unknown>) => t.http.post('/users/me/password').set(bearer(token)).send(body);
  const login = (email: string, password: string) => t.http.post('/auth/login').send({ email, password });

  describe('with an access token and the current password', () => {
    it('changes it: a fresh session answers; every other session and every earlier access token, the one used included, is dead; the user is told by email', async () => {
      const u = await member();
      const used = await loginAs(t, u.email);
      const other = await loginAs(t, u.email);
      const res = await change(used.access_token, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD }).expect(200);
      expect(res.body).toEqual({
        data: { user_id: u.userId, access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 900 },
      });
      await t.http.get('/users/me').set(bearer(res.body.data.access_token)).expect(200);
      await t.http.post('/auth/refresh').send({ refresh_token: res.body.data.refresh_token }).expect(200);
      for (const token of [used.access_token, other.access_token]) expect((await t.http.get('/users/me').set(bearer(token))).status).toBe(401);
      for (const refresh of [used.refresh_token, other.refresh_token]) expect((await t.http.post('/auth/refresh').send({ refresh_token: refresh })).status).toBe(401);
      expect(await hasPassword(t, u.userId, NEW_PASSWORD)).toBe(true);
      const notice = await latestMail(t, smtp, u.email, (m) => /changed/i.test(m.subject));
      expect(notice.text).toMatch(/not you|wasn't you|did not/i);
      const [event] = await sql<{ details: string }>(t, "SELECT details FROM audit_events WHERE user_id = $1 AND type = 'password.set' ORDER BY at DESC LIMIT 1", [u.userId]);
      expect(JSON.parse(event.details)).toMatchObject({ via: 'change', flow: 'change', mode: 'replace', replaced: true });
    });

    it('a wrong current password: 400 INVALID_CURRENT_PASSWORD, nothing changes, and it is a failed login of that user', async () => {
      const u = await member();
      const session = await loginAs(t, u.email);
      const res = await change(session.access_token, { current_password: 'Wrong-Current-1!', new_password: NEW_PASSWORD }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'INVALID_CURRENT_PASSWORD' });
      expect(await hasPassword(t, u.userId, GOOD_PASSWORD)).toBe(true);
      await t.http.get('/users/me').set(bearer(session.access_token)).expect(200);
      const failed = await sql(t, "SELECT * FROM audit_events WHERE user_id = $1 AND type = 'login.failed'", [u.userId]);
      expect(failed).toHaveLength(1);
    });

    it('B7 20 wrong current passwords lead to 429 exactly as 20 wrong logins do, and they spend the same budget', async () => {
      const a = await member();
      const b = await member();
      const session = await loginAs(t, a.email);
      // Guessed from elsewhere: not a network either user signed in from (those keep a small allowance of their own).
      const elsewhere = { 'X-Forwarded-For': randomClientIp() };
      const viaChange: number[] = [];
      const viaLogin: number[] = [];
      for (let i = 1; i <= 22; i++) {
        viaChange.push((await change(session.access_token, { current_password: `Wrong-Current-${i}!`, new_password: NEW_PASSWORD }).set(elsewhere)).status);
        viaLogin.push((await login(b.email, `Wrong-Login-${i}!`).set(elsewhere)).status);
        if (i % 5 === 0) t.clock.advance(61_000); // past the per-minute budget, into the 15-minute one
      }
      expect(viaChange.map((s) => (s === 400 ? 401 : s))).toEqual(viaLogin);
      expect(viaChange.slice(0, 20).every((s) => s === 400)).toBe(true);
      expect(viaChange.slice(20)).toEqual([429, 429]);
      // One budget for both routes: the right password is refused on login too now, with Retry-After.
      const limited = await login(a.email, GOOD_PASSWORD).set(elsewhere).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await change(session.access_token, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD }).set(elsewhere)).status).toBe(429);
    });

    it('a new password the policy refuses: 400 PASSWORD_POLICY_VIOLATION naming the rules it breaks (length and character classes; history alone for a reused one), and nothing changes', async () => {
      const u = await member({ historySize: 3 });
      const session = await loginAs(t, u.email);
      const res = await change(session.access_token, { current_password: GOOD_PASSWORD, new_password: 'short' }).expect(400);
      expect(res.body).toMatchObject({ code: 'PASSWORD_POLICY_VIOLATION' });
      expect(res.body.violations.map((v: { rule: string }) => v.rule)).toEqual(expect.arrayContaining(['minLength', 'requiredClass']));
      const reused = await change(session.access_token, { current_password: GOOD_PASSWORD, new_password: GOOD_PASSWORD }).expect(400);
      expect(reused.body.violations).toEqual([{ rule: 'history', message: expect.any(String) }]);
      await t.http.get('/users/me').set(bearer(session.access_token)).expect(200);
      expect(await hasPassword(t, u.userId, GOOD_PASSWORD)).toBe(true);
    });

    it('the current password is required with an access token (400 REQUEST_INVALID)', async () => {
      const u = await member();
      const session = await loginAs(t, u.email);
      expect((await change(session.access_token, { new_password: NEW_PASSWORD }).expect(400)).body.code).toBe('REQUEST_INVALID');
    });

    it('client tokens, API keys and D2 verification tokens are no user sessions here: 401', async () => {
      const key = await createApiKey(t, ['admin']);
      const clientToken = (await t.http.post('/oauth/token').type('form').auth(key.id, key.key).send({ grant_type: 'client_credentials' }).expect(200)).body.access_token;
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      const body = { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD };
      expect((await t.http.post('/users/me/password').set('X-Api-Key', key.key).send(body)).status).toBe(401);
      expect((await change(clientToken, body)).status).toBe(401);
      expect((await change(verificationJwt, body)).status).toBe(401);
      expect((await t.http.post('/users/me/password').send(body)).status).toBe(401);
    });
  });

  describe('a change the user must make', () => {
    it('F5 a temporary password set by an administrator: login gives no session but a change token, which changes it once and answers a session', async () => {
      const u = await member();
      await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Temporary-Pass-7!', temporary: true }).expect(200);
      const due = await login(u.email, 'Temporary-Pass-7!').expect(403);
      expect(due.body).toMatchObject({ code: 'PASSWORD_CHANGE_REQUIRED', reason: 'temporary', expires_in: 600 });
      expect(decodeProtectedHeader(due.body.change_token).typ).toBe('password-change+jwt');
      expect(due.body.access_token).toBeUndefined();

      const changed = await change(due.body.change_token, { new_password: NEW_PASSWORD }).expect(200);
      await t.http.get('/users/me').set(bearer(changed.body.data.access_token)).expect(200);
      expect((await change(due.body.change_token, { new_password: 'Yet-Another-Pass-9!' })).status).toBe(401);
      await login(u.email, NEW_PASSWORD).expect(200);
      expect((await login(u.email, 'Temporary-Pass-7!')).status).toBe(401);
    });

    it('F5 a temporary password cannot be "changed" into itself, even under a policy that keeps no history (historySize 0); a current password sent with a change token is refused', async () => {
      const u = await member({ historySize: 0 });
      await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Welcome-3-Acme!' }).expect(200);
      const token = (await login(u.email, 'Welcome-3-Acme!').expect(403)).body.change_token;
      const same = await change(token, { new_password: 'Welcome-3-Acme!' }).expect(400);
      expect(same.body).toMatchObject({ code: 'PASSWORD_POLICY_VIOLATION', violations: [{ rule: 'history', message: 'Password must be different from your current password.' }] });
      expect((await change(token, { current_password: 'anything', new_password: NEW_PASSWORD }).expect(400)).body.code).toBe('REQUEST_INVALID');
      // Neither refusal used the token up.
      await change(token, { new_password: NEW_PASSWORD }).expect(200);
      // With an access token too: the new password must differ from the current one.
      const session = await loginAs(t, u.email, NEW_PASSWORD);
      expect((await change(session.access_token, { current_password: NEW_PASSWORD, new_password: NEW_PASSWORD }).expect(400)).body.violations[0].rule).toBe('history');
    });

    it('a change token is refused as a session on /users/me, logout and the admin routes even for an owner (401), and as a verification token on /auth/setpassword (400); it still works on its own route', async () => {
      const { accountId, ownerId, ownerEmail } = await createAccount(t);
      await t.http.put(`/users/${ownerId}/password`).set(admin).send({ password: 'Temporary-Pass-7!' }).expect(200);
      const token = (await login(ownerEmail, 'Temporary-Pass-7!').expect(403)).body.change_token;
      expect((await t.http.get('/users/me').set(bearer(token))).status).toBe(401);
      expect((await t.http.post('/auth/logout').set(bearer(token))).status).toBe(401);
      expect((await t.http.get(`/accounts/${accountId}`).set(bearer(token))).status).toBe(401);
      expect((await t.http.get(`/users/${ownerId}`).set(bearer(token))).status).toBe(401);
      expect((await t.http.post('/auth/setpassword').set(bearer(token)).send({ password: NEW_PASSWORD })).status).toBe(400);
      // Still good for its own route.
      await change(token, { new_password: NEW_PASSWORD }).expect(200);
    });

    it('a change token sent twice at once changes the password once: the other request gets the 401 of a used token, not a 400', async () => {
      const u = await member();
      await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Temporary-Pass-7!', temporary: true }).expect(200);
      const token = (await login(u.email, 'Temporary-Pass-7!').expect(403)).body.change_token;
      const answers = await Promise.all([change(token, { new_password: NEW_PASSWORD }), change(token, { new_password: 'Yet-Another-Pass-9!' })]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 401]);
      const lost = answers.find((a) => a.status === 401)!;
      expect(lost.body.code).toBe('INVALID_BEARER_TOKEN');
      const won = answers.find((a) => a.status === 200)!;
      await t.http.get('/users/me').set(bearer(won.body.data.access_token)).expect(200);
    });

    it('a change token dies when an administrator sets the password again, and a newer login voids the older token', async () => {
      const u = await member();
      await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Temporary-Pass-7!' }).expect(200);
      const first = (await login(u.email, 'Temporary-Pass-7!').expect(403)).body.change_token;
      const second = (await login(u.email, 'Temporary-Pass-7!').expect(403)).body.change_token;
      expect((await change(first, { new_password: NEW_PASSWORD })).status).toBe(401);
      await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Temporary-Pass-8!' }).expect(200);
      expect((await change(second, { new_password: NEW_PASSWORD })).status).toBe(401);
    });

    it('A14 a password older than maxAgeDays: the right one gets a change token, the new password logs in', async () => {
      const u = await member({ maxAgeDays: 30 });
      t.clock.advanceDays(31);
      const due = await login(u.email, GOOD_PASSWORD).expect(403);
      expect(due.body).toMatchObject({ code: 'PASSWORD_CHANGE_REQUIRED', reason: 'expired' });
      expect((await login(u.email, 'Wrong-Pass-1!')).status).toBe(401);
      await change(due.body.change_token, { new_password: NEW_PASSWORD }).expect(200);
      await login(u.email, NEW_PASSWORD).expect(200);
    });

    it('A14 a new maxAgeDays applies to the passwords already set: due once they are older than it', async () => {
      const u = await member();
      t.clock.advanceDays(20);
      await login(u.email, GOOD_PASSWORD).expect(200);
      await t.http.put(`/accounts/${u.accountId}/password-policy`).set(admin).send({ maxAgeDays: 10 }).expect(200);
      expect((await login(u.email, GOOD_PASSWORD).expect(403)).body.reason).toBe('expired');
      await t.http.put(`/accounts/${u.accountId}/password-policy`).set(admin).send({ maxAgeDays: 0 }).expect(200);
      await login(u.email, GOOD_PASSWORD).expect(200);
    });

    it('a change token is refused once 10 minutes have passed', async () => {
      const u = await member();
      await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Temporary-Pass-7!' }).expect(200);
      const token = (await login(u.email, 'Temporary-Pass-7!').expect(403)).body.change_token;
      t.clock.advance(10 * 60_000 + 1_000);
      expect((await change(token, { new_password: NEW_PASSWORD })).status).toBe(401);
    });
  });
});
