import * as jwt from 'jsonwebtoken';
import { VERIFICATION_AUDIENCE } from '../../src/core/keys/jwt-claims';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, dumpAllTables, GOOD_PASSWORD, latestInvitationToken, latestMail, setPasswordWithInvitation, signUpAndVerify, uniqueEmail,
  verificationCode,
} from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const envelope = (code: string, message: string, details: string[] = []) => ({ success: false, error: { code, message, details } });
const INVALID_TOKEN = envelope('INVALID_TOKEN', 'Invalid or expired token');
const CODE = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;

describeEachDatabase('sign-up and email verification', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  const signup = (body: Record<string, unknown>) => t.http.post('/auth/signup').send(body);
  const verify = (code: unknown) => t.http.post('/auth/verify-email').send({ code });
  const param = (sql: string) => (kind === 'sqlite' ? sql.replace(/\$\d/g, '?') : sql);
  const userRow = async (email: string) =>
    (await t.dataSource.query(param('SELECT * FROM users WHERE email_normalized = $1'), [email.toLowerCase()]))[0];
  const outboxCount = async (email: string): Promise<number> =>
    Number((await t.dataSource.query(param('SELECT COUNT(*) AS n FROM mail_outbox WHERE LOWER(recipient) = $1'), [email.toLowerCase()]))[0].n);

  describe('POST /auth/signup', () => {
    it('answers 201 with the D2-style body (no id, no secret) and creates an unverified user without a password', async () => {
      const email = uniqueEmail('new');
      const res = await signup({ email, firstName: 'Ada', lastName: 'Lovelace' }).expect(201);
      expect(res.body).toEqual({
        success: true,
        message: 'Sign-up received. A verification code has been sent to the email address; submit it to POST /auth/verify-email.',
        data: { user: { email, firstName: 'Ada', lastName: 'Lovelace', isEmailVerified: false } },
      });
      const row = await userRow(email);
      expect(row).toMatchObject({ email, first_name: 'Ada', last_name: 'Lovelace', account_id: null });
      expect(Boolean(row.is_email_verified)).toBe(false);
      const read = await t.http.get(`/users/${row.id}`).set(admin).expect(200);
      expect(read.body.data).toMatchObject({ has_password: false, is_email_verified: false });
    });

    it('emails a code on a line of its own, 8 characters of an unambiguous alphabet, with a link from PUBLIC_URL (C7), and stores only its hash (B3)', async () => {
      const email = uniqueEmail('code');
      await t.http.post('/auth/signup').set('Host', 'evil.test').set('X-Forwarded-Host', 'evil.test').send({ email, firstName: 'Ada', lastName: 'L' }).expect(201);
      const mail = await latestMail(t, smtp, email, (m) => /verify/i.test(m.subject));
      const code = extractCode(mail);
      expect(code).toMatch(CODE);
      expect(mail.envelopeTo).toEqual([email]);
      expect(mail.text).toContain('https://id.example.test/');
      expect(mail.text + mail.html).not.toContain('evil.test');
      expect(await dumpAllTables(t)).not.toContain(code);
    });

    it('joins the account named by account_id when the account allows self sign-up', async () => {
      const { accountId } = await createAccount(t, { selfSignUp: true });
      const email = uniqueEmail('member');
      await signup({ email, firstName: 'Ada', lastName: 'L', account_id: accountId }).expect(201);
      expect((await userRow(email)).account_id).toBe(accountId);
    });

    // CONTRACT.md "No escalation": an account_id is not a secret, so naming one must not make anyone a member.
    it('an account closed to self sign-up (the default) → 403 SIGN_UP_CLOSED, and nothing is created or mailed', async () => {
      const { accountId } = await createAccount(t);
      const email = uniqueEmail('intruder');
      await t.flushMail(); // the owner's invitation leaves first, so the snapshot does not move under the worker
      const before = await dumpAllTables(t);
      const res = await signup({ email, firstName: 'Eve', lastName: 'E', account_id: accountId }).expect(403);
      expect(res.body).toEqual(envelope('SIGN_UP_CLOSED', 'Sign-up to this account is closed for this email address'));
      expect(await userRow(email)).toBeUndefined();
      await t.flushMail();
      expect(await outboxCount(email)).toBe(0);
      expect(smtp.messages.some((m) => m.to.includes(email))).toBe(false);
      expect(await dumpAllTables(t)).toBe(before);
    });

    it('an existing address is refused the same way by a closed account (no enumeration through the 403)', async () => {
      const { accountId, ownerEmail } = await createAccount(t);
      const other = await createAccount(t);
      for (const email of [ownerEmail, uniqueEmail('nobody')]) {
        const res = await signup({ email, firstName: 'Eve', lastName: 'E', account_id: other.accountId }).expect(403);
        expect(res.body).toEqual(envelope('SIGN_UP_CLOSED', 'Sign-up to this account is closed for this email address'));
      }
      expect((await userRow(ownerEmail)).account_id).toBe(accountId);
    });

    it('signUpDomains opens an account to addresses of exactly those domains (PUT /accounts/{id}/sign-up), in any letter case', async () => {
      const { accountId } = await createAccount(t);
      const put = await t.http.put(`/accounts/${accountId}/sign-up`).set(admin).send({ selfSignUp: false, signUpDomains: ['Acme.Example', 'bücher.example'] }).expect(200);
      expect(put.body).toEqual({ selfSignUp: false, signUpDomains: ['acme.example', 'xn--bcher-kva.example'] });
      expect((await t.http.get(`/accounts/${accountId}`).set(admin).expect(200)).body.data).toMatchObject({ selfSignUp: false, signUpDomains: ['acme.example', 'xn--bcher-kva.example'] });
      const colleague = `ada.${Date.now()}@ACME.example`;
      await signup({ email: colleague, firstName: 'Ada', lastName: 'L', account_id: accountId }).expect(201);
      expect((await userRow(colleague)).account_id).toBe(accountId);
      await signup({ email: `leser.${Date.now()}@bücher.example`, firstName: 'Lea', lastName: 'L', account_id: accountId }).expect(201);
      for (const email of [`eve.${Date.now()}@eu.acme.example`, `eve.${Date.now()}@acme.example.evil.test`, uniqueEmail('eve')]) {
        expect((await signup({ email, firstName: 'Eve', lastName: 'E', account_id: accountId })).status).toBe(403);
        expect(await userRow(email)).toBeUndefined();
      }
      await t.http.put(`/accounts/${accountId}/sign-up`).set(admin).send({ selfSignUp: false, signUpDomains: [] }).expect(200);
      expect((await signup({ email: `bob.${Date.now()}@acme.example`, firstName: 'Bob', lastName: 'B', account_id: accountId })).status).toBe(403);
    });

    it('PUT /accounts/{id}/sign-up refuses what is not a domain name, and needs both fields (400 REQUEST_INVALID)', async () => {
      const { accountId } = await createAccount(t);
      for (const body of [{ selfSignUp: true }, { signUpDomains: [] }, { selfSignUp: 'yes', signUpDomains: [] }, { selfSignUp: false, signUpDomains: ['ada@acme.example'] },
        { selfSignUp: false, signUpDomains: ['https://acme.example'] }, { selfSignUp: false, signUpDomains: ['localhost'] }, { selfSignUp: false, signUpDomains: 'acme.example' }]) {
        const res = await t.http.put(`/accounts/${accountId}/sign-up`).set(admin).send(body);
        expect([res.status, res.body.code]).toEqual([400, 'REQUEST_INVALID']);
      }
      expect((await t.http.get(`/accounts/${accountId}`).set(admin).expect(200)).body.data).toMatchObject({ selfSignUp: false, signUpDomains: [] });
    });

    it('an account_id that names no account → 400 VALIDATION_ERROR', async () => {
      const res = await signup({ email: uniqueEmail(), firstName: 'A', lastName: 'B', account_id: '00000000-0000-0000-0000-000000000000' }).expect(400);
      expect(res.body).toEqual(envelope('VALIDATION_ERROR', 'Validation failed', ['account_id does not name an existing account']));
    });

    it('C1 a registered email with a password gets the same 201 and no mail; the stored user is not changed', async () => {
      const { ownerEmail, ownerId } = await createAccount(t);
      await setPasswordWithInvitation(t, smtp, ownerEmail);
      const fresh = uniqueEmail('fresh');
      const body = (email: string) => ({ email, firstName: 'Mallory', lastName: 'Intruder' });
      const mailsBefore = await outboxCount(ownerEmail);
      const known = await signup(body(ownerEmail)).expect(201);
      const unknown = await signup(body(fresh)).expect(201);
      expect(JSON.stringify(known.body).replace(ownerEmail, '<email>')).toBe(JSON.stringify(unknown.body).replace(fresh, '<email>'));
      expect(Object.keys(known.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
      expect(await outboxCount(ownerEmail)).toBe(mailsBefore);
      const stored = await t.http.get(`/users/${ownerId}`).set(admin).expect(200);
      expect(stored.body.data).toMatchObject({ first_name: 'Olive', last_name: 'Owner', has_password: true });
    });

    it('H6/C4 the same address in another case is the same user; mail goes to the stored address', async () => {
      const email = uniqueEmail('mike');
      await signup({ email, firstName: 'Mike', lastName: 'M' }).expect(201);
      const first = await verificationCode(t, smtp, email);
      await verify(first).expect(200); // spends the code, so a new one may be sent at once
      const since = smtp.messages.length;
      await signup({ email: email.toUpperCase(), firstName: 'Mike', lastName: 'M' }).expect(201);
      const mail = await latestMail(t, smtp, email, (m) => /verify/i.test(m.subject), since);
      expect(mail.envelopeTo).toEqual([email]);
      const rows = await t.dataSource.query(param('SELECT id FROM users WHERE email_normalized = $1'), [email]);
      expect(rows).toHaveLength(1);
    });

    it('a registered user without a password is sent a fresh code, which voids the older one (B8); at most one mail a minute (J4)', async () => {
      const email = uniqueEmail('resume');
      await signup({ email, firstName: 'Rae', lastName: 'S' }).expect(201);
      const first = await verificationCode(t, smtp, email);
      const count = await outboxCount(email);
      await signup({ email, firstName: 'Rae', lastName: 'S' }).expect(201);
      await signup({ email, firstName: 'Rae', lastName: 'S' }).expect(201);
      expect(await outboxCount(email)).toBe(count); // within the minute: nothing more
      t.clock.advance(61_000);
      const since = smtp.messages.length;
      await signup({ email, firstName: 'Rae', lastName: 'S' }).expect(201);
      const second = await verificationCode(t, smtp, email, since);
      expect(second).not.toBe(first);
      expect((await verify(first).expect(400)).body).toEqual(INVALID_TOKEN);
      await verify(second).expect(200);
    });

    it('an invited user (no password yet) can finish through sign-up too', async () => {
      const { ownerEmail } = await createAccount(t);
      const { verificationJwt } = await signUpAndVerify(t, smtp, { email: ownerEmail });
      await t.http.post('/auth/setpassword').set('Authorization', `Bearer ${verificationJwt}`).send({ password: GOOD_PASSWORD }).expect(200);
    });

    describe('bad requests → 400 in the D2 envelope', () => {
      it.each([
        ['nothing', {}, ['Email is required', 'First name is required', 'Last name is required']],
        ['an invalid email', { email: 'not-an-email', firstName: 'A', lastName: 'B' }, ['Email must be a valid email address']],
        ['C6 a list of emails', { email: ['victim@example.com', 'evil@example.com'], firstName: 'A', lastName: 'B' }, ['Email must be a string']],
        ['C6 an operator object', { email: { $ne: null }, firstName: 'A', lastName: 'B' }, ['Email must be a string']],
        ['C6 a comma-joined list', { email: 'victim@example.com,evil@example.com', firstName: 'A', lastName: 'B' }, ['Email must be a valid email address']],
        ['G4 an unknown field', { email: 'x@example.com', firstName: 'A', lastName: 'B', isEmailVerified: true }, ['isEmailVerified is not an allowed field']],
        ['a name too long', { email: 'x@example.com', firstName: 'A'.repeat(101), lastName: 'B' }, ['First name must be between 1 and 100 characters long']],
      ])('%s', async (_name, body, details) => {
        const res = await signup(body).expect(400);
        expect(res.body).toEqual(envelope('VALIDATION_ERROR', 'Validation failed', details));
      });

      it('G2 malformed JSON → INVALID_REQUEST', async () => {
        const res = await t.http.post('/auth/signup').set('Content-Type', 'application/json').send('{"email":').expect(400);
        expect(res.body).toEqual(envelope('INVALID_REQUEST', 'The request body must be valid JSON'));
      });

      it('C6 nothing is queued for a refused request', async () => {
        await signup({ email: ['victim@example.com', 'evil@example.com'], firstName: 'A', lastName: 'B' }).expect(400);
        expect(await outboxCount('victim@example.com')).toBe(0);
        expect(await outboxCount('evil@example.com')).toBe(0);
      });
    });
  });

  describe('POST /auth/verify-email', () => {
    async function signedUp(o: { email?: string } = {}) {
      const email = o.email ?? uniqueEmail('verify');
      const since = smtp.messages.length;
      await signup({ email, firstName: 'Vera', lastName: 'Fy' }).expect(201);
      return { email, code: await verificationCode(t, smtp, email, since) };
    }

    it('answers 200 {"success":true,"data":{"token"}} with a 15-minute ES256 JWT for D2 (aud, iss, sub, jti), and marks the email verified', async () => {
      const { email, code } = await signedUp();
      const res = await verify(code).expect(200);
      expect(Object.keys(res.body)).toEqual(['success', 'data']);
      expect(res.body.success).toBe(true);
      expect(Object.keys(res.body.data)).toEqual(['token']);
      const token = res.body.data.token as string;
      const { header, payload } = jwt.decode(token, { complete: true }) as { header: jwt.JwtHeader; payload: jwt.JwtPayload };
      const row = await userRow(email);
      expect(header).toMatchObject({ alg: 'ES256', kid: expect.stringMatching(/^sig-/) });
      expect(payload).toMatchObject({ sub: row.id, aud: VERIFICATION_AUDIENCE, iss: t.config.publicUrl });
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(payload.exp! - payload.iat!).toBe(15 * 60);
      expect(Math.abs(payload.iat! - t.clock.nowMs() / 1000)).toBeLessThan(5);
      expect(Boolean(row.is_email_verified)).toBe(true);
      expect(res.headers['cache-control']).toBe('no-store');
      // E7: the jti is a one-time token, stored only as a keyed hash.
      const jtis = await t.dataSource.query(param("SELECT * FROM one_time_tokens WHERE user_id = $1 AND purpose = 'verification_jwt'"), [row.id]);
      expect(jtis).toHaveLength(1);
      expect(jtis[0].used_at).toBeNull();
      const dump = await dumpAllTables(t);
      expect(dump).not.toContain(payload.jti);
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(code);
    });

    it('accepts the code in lower case and with surrounding spaces', async () => {
      const { code } = await signedUp();
      await verify(`  ${code.toLowerCase()} `).expect(200);
    });

    it('B5 the code works once', async () => {
      const { code } = await signedUp();
      await verify(code).expect(200);
      expect((await verify(code).expect(400)).body).toEqual(INVALID_TOKEN);
    });

    it('B4 the code works until its TTL (15 min) and is refused after it', async () => {
      const early = await signedUp();
      const late = await signedUp();
      t.clock.advanceMinutes(14);
      await verify(early.code).expect(200);
      t.clock.advanceMinutes(2);
      expect((await verify(late.code).expect(400)).body).toEqual(INVALID_TOKEN);
    });

    it('a wrong code, or a secret of another purpose (an invitation token: B9), → 400 INVALID_TOKEN', async () => {
      expect((await verify('ABCDEFGH').expect(400)).body).toEqual(INVALID_TOKEN);
      const { ownerEmail } = await createAccount(t);
      const invitation = await latestInvitationToken(t, smtp, ownerEmail);
      expect((await verify(invitation).expect(400)).body).toEqual(INVALID_TOKEN);
      // ... and the invitation was not spent by the attempt.
      await t.http.post('/accounts/set-password').send({ token: invitation, password: GOOD_PASSWORD }).expect(200);
    });

    it('bad requests → 400 VALIDATION_ERROR', async () => {
      expect((await t.http.post('/auth/verify-email').send({}).expect(400)).body).toEqual(envelope('VALIDATION_ERROR', 'Validation failed', ['Code is required']));
      expect((await verify(12345678).expect(400)).body).toEqual(envelope('VALIDATION_ERROR', 'Validation failed', ['Code must be a string']));
    });

    it('E6 the verification JWT is no access token: /users/me and /auth/logout refuse it', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      expect((await t.http.get('/users/me').set('Authorization', `Bearer ${verificationJwt}`).expect(401)).body.code).toBe('INVALID_BEARER_TOKEN');
      await t.http.post('/auth/logout').set('Authorization', `Bearer ${verificationJwt}`).expect(401);
    });
  });
});

describeEachDatabase('sign-up verification codes: guessing caps', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  // TRUST_PROXY lets each test choose its client address with X-Forwarded-For.
  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { TRUST_PROXY: 'true' } });
  beforeEach(async () => {
    await t.dataSource.query('DELETE FROM attempt_counters');
  });

  const RATE_LIMITED = envelope('RATE_LIMITED', 'Too many requests, please try again later');
  const verifyFrom = (ip: string, code: string) => t.http.post('/auth/verify-email').set('X-Forwarded-For', ip).send({ code });
  const wrongCode = () => Array.from({ length: 8 }, () => 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'[Math.floor(Math.random() * 31)]).join('');
  async function freshCode(): Promise<string> {
    const email = uniqueEmail('cap');
    const since = smtp.messages.length;
    await t.http.post('/auth/signup').send({ email, firstName: 'Cap', lastName: 'Test' }).expect(201);
    return verificationCode(t, smtp, email, since);
  }

  it('B7 one client gets 10 wrong codes per 15 minutes, then 429 in the D2 envelope even with the right code; other clients are unaffected; the window ends', async () => {
    const code = await freshCode();
    for (let i = 0; i < 10; i++) expect((await verifyFrom('10.9.0.1', wrongCode()).expect(400)).body).toEqual(INVALID_TOKEN);
    const limited = await verifyFrom('10.9.0.1', code).expect(429);
    expect(limited.body).toEqual(RATE_LIMITED);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await verifyFrom('10.9.0.2', wrongCode()).expect(400);
    t.clock.advanceMinutes(16); // the window ends, and with it the 15-minute code: a new one works
    await verifyFrom('10.9.0.1', await freshCode()).expect(200);
  });

  it('B7 good codes are not failures: 12 sign-ups verified from one client all succeed', async () => {
    for (let i = 0; i < 12; i++) await verifyFrom('10.9.1.1', await freshCode()).expect(200);
  });

  it('B7 a right code sent 10 times at once: one 200, the others 400, and none of them counted as a guess (a typo afterwards still leaves room)', async () => {
    const code = await freshCode();
    const statuses = (await Promise.all(Array.from({ length: 10 }, () => verifyFrom('10.9.3.1', code)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(400)]);
    const counted = await t.dataSource.query(`SELECT key, count FROM attempt_counters WHERE count > 0`);
    expect(counted).toEqual([]);
    await verifyFrom('10.9.3.1', wrongCode()).expect(400);
    await verifyFrom('10.9.3.1', await freshCode()).expect(200);
  });

  it('J6 a burst of 30 parallel wrong codes from one client gets exactly 10 guesses through (counted before the lookup)', async () => {
    const statuses = (await Promise.all(Array.from({ length: 30 }, () => verifyFrom('10.9.2.1', wrongCode())))).map((r) => r.status);
    expect(statuses.filter((s) => s === 400)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it('J5/J6 200 wrong codes from anyone do not stop a person from verifying: the code is accepted from the network that signed up; elsewhere 429', async () => {
    const email = uniqueEmail('home');
    const home = '10.6.0.1';
    const since = smtp.messages.length;
    await t.http.post('/auth/signup').set('X-Forwarded-For', home).send({ email, firstName: 'Home', lastName: 'Owner' }).expect(201);
    const code = await verificationCode(t, smtp, email, since);
    for (let i = 0; i < 200; i++) expect((await verifyFrom(`10.5.${i >> 8}.${i & 255}`, wrongCode())).status).toBe(400);
    expect((await verifyFrom('10.7.0.2', code).expect(429)).body).toEqual(RATE_LIMITED);
    // From the home network a wrong code is refused like any other (429) and spends that client's budget.
    expect((await verifyFrom(home, wrongCode()).expect(429)).body).toEqual(RATE_LIMITED);
    await verifyFrom(home, code).expect(200);
  });

  it('J6 across all clients 200 wrong codes per 15 minutes, then 429 for every client outside the network that signed up, right code or wrong, until the window ends', async () => {
    // freshCode() signs up from the test's own address, never one of 10.7/10.8: these clients are all "elsewhere"
    // (that the signing-up network still gets through is the test above).
    const code = await freshCode();
    for (let i = 0; i < 200; i++) expect((await verifyFrom(`10.8.${i >> 8}.${i & 255}`, wrongCode())).status).toBe(400);
    await t.clock.frozen(async () => {
      const limited = await verifyFrom('10.7.0.1', code).expect(429);
      expect(limited.body).toEqual(RATE_LIMITED);
      // A client that never guessed, with a wrong code, and one of the 200 guessers with the right one: the same 429.
      expect((await verifyFrom('10.7.0.3', wrongCode()).expect(429)).body).toEqual(RATE_LIMITED);
      expect((await verifyFrom('10.8.0.7', code).expect(429)).body).toEqual(RATE_LIMITED);
      // The last second of the window (Retry-After counts whole seconds up to its end): a code issued now, still refused.
      t.clock.advance((Number(limited.headers['retry-after']) - 1) * 1000);
      const late = await freshCode();
      const lastSecond = await verifyFrom('10.7.0.4', late).expect(429);
      expect([lastSecond.body, lastSecond.headers['retry-after']]).toEqual([RATE_LIMITED, '1']);
      // The window ends: the same code, from the same client, is accepted.
      t.clock.advance(1000);
      await verifyFrom('10.7.0.4', late).expect(200);
    });
  });
});
