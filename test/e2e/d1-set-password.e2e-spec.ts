import { User } from '../../src/core/entities/user.entity';
import { UsersService } from '../../src/features/users/users.service';
import { UnitOfWork } from '../../src/ground/database/unit-of-work';
import { PasswordLifecycleService } from '../../src/core/password/password-lifecycle.service';
import { OneTimeTokensService } from '../../src/core/tokens/one-time-tokens.service';
import type { OneTimeTokenPurpose } from '../../src/core/tokens/one-time-token.entity';
import { SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, createUser, dumpAllTables, GOOD_PASSWORD, latestInvitationToken, latestMail, loginAs, signUpAndVerify,
  uniqueEmail, userSecuritySnapshot, verificationCode,
} from './support/factories';
import { startTestApp, TestApp, withAppAndSmtp } from './support/test-app';

const TOKEN_SENTENCE = 'The set-password token is invalid, has expired or has already been used.';
const HOUR_MS = 3_600_000;

describeEachDatabase('D1 POST /accounts/set-password', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  const d1 = (body: unknown) => t.http.post('/accounts/set-password').send(body as object);

  /** An account (policy optional) whose owner holds a fresh invitation token. */
  async function invited(policy?: Record<string, unknown>) {
    const account = await createAccount(t, { policy, name: 'Acme Rockets' });
    return { ...account, token: await latestInvitationToken(t, smtp, account.ownerEmail) };
  }

  /** A second invitation for a user, as UsersService.invite issues it (voids the older one). */
  async function reinvite(userId: string, email: string): Promise<string> {
    const since = smtp.messages.length;
    const user = await t.dataSource.getRepository(User).findOneByOrFail({ id: userId });
    await t.app.get(UnitOfWork).run((em) => t.app.get(UsersService).invite(em, user, { name: 'Acme Rockets', links: null }));
    return latestInvitationToken(t, smtp, email, since);
  }

  /** A live secret of another purpose for the same user, as the other flows issue them. */
  async function otherSecret(userId: string, purpose: OneTimeTokenPurpose): Promise<string> {
    const tokens = t.app.get(OneTimeTokensService);
    return t.app.get(UnitOfWork).run((em) => tokens.issue(em, { purpose, userId, ttlMs: HOUR_MS, ...(purpose === 'reset_code' || purpose === 'recovery' ? { secret: { length: 6, alphabet: '0123456789' } } : {}) }));
  }

  describe('success', () => {
    it('answers 200 {"data":{"account_id","user_id","account","email"}} exactly, and the password then logs in', async () => {
      const { accountId, ownerId, ownerEmail, token } = await invited();
      const res = await d1({ token, password: GOOD_PASSWORD }).expect(200);
      expect(res.body).toEqual({ data: { account_id: accountId, user_id: ownerId, account: 'Acme Rockets', email: ownerEmail } });
      expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
      expect(res.headers['cache-control']).toBe('no-store'); // G6
      expect(JSON.stringify(res.body)).not.toContain(GOOD_PASSWORD); // A12

      const user = await t.http.get(`/users/${ownerId}`).set(admin).expect(200);
      expect(user.body.data).toMatchObject({ has_password: true, is_email_verified: true });
      const session = await loginAs(t, ownerEmail, GOOD_PASSWORD);
      expect(session.access_token).toEqual(expect.any(String));
      await t.http.post('/auth/login').send({ email: ownerEmail, password: `${GOOD_PASSWORD}x` }).expect(401);
    });

    it('D4 queues a "password set" notice (a first password is set, not changed) to the stored address, without the password or the token', async () => {
      const { ownerEmail, token } = await invited();
      const since = smtp.messages.length;
      await d1({ token, password: GOOD_PASSWORD }).expect(200);
      const notice = await latestMail(t, smtp, ownerEmail, (m) => m.subject === "Your password was set", since);
      expect(notice.text + notice.html).not.toContain(GOOD_PASSWORD);
      expect(notice.text + notice.html).not.toContain(token);
    });

    it('A2 accepts exactly the maximum (99) and a 64-character password that logs in', async () => {
      const a = await invited();
      const p99 = `Aa1!${'x'.repeat(95)}`;
      await d1({ token: a.token, password: p99 }).expect(200);
      await loginAs(t, a.ownerEmail, p99);
      const b = await invited();
      const p64 = `Bb2@${'long-pass'.repeat(7)}`.slice(0, 64);
      expect(p64).toHaveLength(64);
      await d1({ token: b.token, password: p64 }).expect(200);
      await loginAs(t, b.ownerEmail, p64);
    });
  });

  describe('the token', () => {
    it('B5 works once: the second use → 400 and the first password stays', async () => {
      const { ownerEmail, token } = await invited();
      await d1({ token, password: GOOD_PASSWORD }).expect(200);
      const again = await d1({ token, password: 'Other-Pass-99!' }).expect(400);
      expect(again.body).toEqual({ error: TOKEN_SENTENCE });
      await loginAs(t, ownerEmail, GOOD_PASSWORD);
      await t.http.post('/auth/login').send({ email: ownerEmail, password: 'Other-Pass-99!' }).expect(401);
    });

    it('B4 works until its TTL (72 h) and is refused after it', async () => {
      const early = await invited();
      const late = await invited();
      t.clock.advance(72 * HOUR_MS - 60_000);
      await d1({ token: early.token, password: GOOD_PASSWORD }).expect(200);
      t.clock.advance(2 * 60_000);
      const res = await d1({ token: late.token, password: GOOD_PASSWORD }).expect(400);
      expect(res.body).toEqual({ error: TOKEN_SENTENCE });
    });

    it('an unknown token is reported as such before the password is judged', async () => {
      const res = await d1({ token: 'abcdef123456', password: 'short' }).expect(400);
      expect(res.body).toEqual({ error: TOKEN_SENTENCE });
    });

    it('B8 a newer invitation voids the older one', async () => {
      const { ownerId, ownerEmail, token } = await invited();
      const newer = await reinvite(ownerId, ownerEmail);
      expect((await d1({ token, password: GOOD_PASSWORD }).expect(400)).body).toEqual({ error: TOKEN_SENTENCE });
      await d1({ token: newer, password: GOOD_PASSWORD }).expect(200);
    });

    it('B9 secrets of other purposes are no invitation: verification, D4 and D5 codes, refresh and access tokens → 400, and nothing is consumed', async () => {
      const { ownerId, token } = await invited();
      const recovery = await otherSecret(ownerId, 'recovery');
      const reset = await otherSecret(ownerId, 'reset_code');
      const signup = uniqueEmail('other');
      const since = smtp.messages.length;
      await t.http.post('/auth/signup').send({ email: signup, firstName: 'Ann', lastName: 'Other' }).expect(201);
      const verification = await verificationCode(t, smtp, signup, since);
      const other = await invited();
      await d1({ token: other.token, password: GOOD_PASSWORD }).expect(200);
      const session = await loginAs(t, other.ownerEmail);
      const before = await userSecuritySnapshot(t, ownerId);

      for (const wrong of [recovery, reset, verification, session.refresh_token, session.access_token]) {
        const res = await d1({ token: wrong, password: GOOD_PASSWORD }).expect(400);
        expect(res.body).toEqual({ error: TOKEN_SENTENCE });
      }
      // The D4 and D5 codes and the invitation are untouched, the session lives on, and the verification
      // code was not spent by the attempt.
      expect(await userSecuritySnapshot(t, ownerId)).toEqual(before);
      await t.http.post('/auth/refresh').send({ refresh_token: session.refresh_token }).expect(200);
      await t.http.post('/auth/verify-email').send({ code: verification }).expect(200);
      await d1({ token, password: GOOD_PASSWORD }).expect(200);
    });

    it('H1 20 parallel requests with one token: exactly one 200; one credential, and it is the winner\'s password', async () => {
      const { ownerId, ownerEmail, token } = await invited();
      const passwords = Array.from({ length: 20 }, (_, i) => `Parallel-${i}-Pass!`);
      const results = await Promise.all(passwords.map((password) => d1({ token, password })));
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      // A loser that started after the winner committed may be told the password is already set instead.
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(400);
        expect([TOKEN_SENTENCE, 'A password has already been set for this user.']).toContain(r.body.error);
      }
      const winner = passwords[results.indexOf(winners[0])];
      const snapshot = await userSecuritySnapshot(t, ownerId);
      expect(snapshot.credentials).toHaveLength(1);
      expect(snapshot.password_history).toHaveLength(0);
      await loginAs(t, ownerEmail, winner);
      const loser = passwords.find((p) => p !== winner)!;
      await t.http.post('/auth/login').send({ email: ownerEmail, password: loser }).expect(401);
    });

    it('B11 a deactivated user cannot redeem the invitation', async () => {
      const { ownerId, token } = await invited();
      await t.dataSource.getRepository(User).update({ id: ownerId }, { isActive: false });
      expect((await d1({ token, password: GOOD_PASSWORD }).expect(400)).body).toEqual({ error: TOKEN_SENTENCE });
      const snapshot = await userSecuritySnapshot(t, ownerId);
      expect(snapshot.credentials).toHaveLength(0);
    });

    it('answers 400 when the user already has a password', async () => {
      const { ownerId, ownerEmail, token } = await invited();
      await d1({ token, password: GOOD_PASSWORD }).expect(200);
      const second = await reinvite(ownerId, ownerEmail);
      const res = await d1({ token: second, password: 'Another-Pass-77!' }).expect(400);
      expect(res.body).toEqual({ error: 'A password has already been set for this user.' });
    });

    it('answers 400 when the account does not sign in with passwords', async () => {
      const { token } = await invited({ passwordLogin: false });
      const res = await d1({ token, password: GOOD_PASSWORD }).expect(400);
      expect(res.body).toEqual({ error: "The user's account does not sign in with passwords, so no password can be set." });
    });
  });

  describe("the account's policy, in one sentence", () => {
    const cases: Array<[string, string, string]> = [
      ['A1 min − 1 (7 characters)', 'Aa1!aaa', 'Password must be at least 8 characters long.'],
      ['max + 1 (100 characters)', `Aa1!${'x'.repeat(96)}`, 'Password must be at most 99 characters long.'],
      ['no uppercase letter', 'lower-case-1', 'Password must contain at least one uppercase letter.'],
      ['no lowercase letter', 'UPPER-CASE-1', 'Password must contain at least one lowercase letter.'],
      ['no digit', 'No-Digits-Here', 'Password must contain at least one digit (number).'],
      ['no special character', 'NoSpecials123', 'Password must contain at least one special character (punctuation or symbol).'],
      ['A4 a common password', 'P@ssw0rd', 'Password must not be a commonly used password.'],
      [
        'several rules at once',
        'abc',
        'Password must be at least 8 characters long, contain at least one uppercase letter, contain at least one digit (number) and contain at least one special character (punctuation or symbol).',
      ],
      ['an empty password', '', 'Password must be at least 8 characters long, contain at least one lowercase letter, contain at least one uppercase letter, contain at least one digit (number) and contain at least one special character (punctuation or symbol).'],
    ];

    it.each(cases)('%s → 400 {"error": <sentence>}', async (_name, password, sentence) => {
      const { token } = await invited();
      const res = await d1({ token, password }).expect(400);
      expect(res.body).toEqual({ error: sentence });
    });

    it('A1 accepts exactly the minimum (8 characters)', async () => {
      const { token } = await invited();
      await d1({ token, password: 'Aa1!aaaa' }).expect(200);
    });

    it('A6 counts code points: 4 emoji + "Aa1!" is 8 characters', async () => {
      const { token } = await invited();
      await d1({ token, password: 'Aa1!\u{1F600}\u{1F601}\u{1F602}\u{1F603}' }).expect(200);
    });

    it('minClasses: a policy of 3 of 4 classes words the rule', async () => {
      const { token } = await invited({ requiredClasses: [], minClasses: 3 });
      const res = await d1({ token, password: 'onlylower1' }).expect(400);
      expect(res.body).toEqual({ error: 'Password must contain characters of at least 3 kinds (lowercase letters, uppercase letters, digits, special characters).' });
      await d1({ token, password: 'Lower-and-upper' }).expect(200);
    });

    it("A5 rejectUserInfo: the user's name or email local part is refused", async () => {
      const { accountId, token } = await invited({ rejectUserInfo: true });
      // The owner is "Olive Owner".
      const res = await d1({ token, password: 'Olive-Tree-77!' }).expect(400);
      expect(res.body).toEqual({ error: 'Password must not contain your name or email address.' });
      const email = uniqueEmail('rosalind');
      await createUser(t, accountId, email);
      const local = email.split('@')[0];
      const invitation = await latestInvitationToken(t, smtp, email);
      expect((await d1({ token: invitation, password: `X1!${local}` }).expect(400)).body).toEqual({ error: 'Password must not contain your name or email address.' });
    });

    it('A13 history: a password among the last N (historySize 3) is refused, an older one is not', async () => {
      const { ownerId, ownerEmail, token } = await invited({ historySize: 3 });
      const lifecycle = t.app.get(PasswordLifecycleService);
      await d1({ token, password: 'First-Pass-1!' }).expect(200);
      // Rotate twice more through the same pipeline (another path), then remove the password (kept in history).
      await lifecycle.setPassword({ userId: ownerId, password: 'Second-Pass-2!', mode: 'replace', via: 'test' });
      await lifecycle.setPassword({ userId: ownerId, password: 'Third-Pass-3!', mode: 'replace', via: 'test' });
      await lifecycle.setPassword({ userId: ownerId, password: 'Fourth-Pass-4!', mode: 'replace', via: 'test' });
      await lifecycle.removePassword(ownerId);
      const again = await reinvite(ownerId, ownerEmail);
      const res = await d1({ token: again, password: 'Second-Pass-2!' }).expect(400);
      expect(res.body).toEqual({ error: 'Password must not match any of your last 3 passwords.' });
      await d1({ token: again, password: 'First-Pass-1!' }).expect(200);
    });

    it('A15 a refused password changes nothing and leaves the token usable', async () => {
      const { ownerId, token } = await invited();
      const before = await userSecuritySnapshot(t, ownerId);
      await d1({ token, password: 'weak' }).expect(400);
      expect(await userSecuritySnapshot(t, ownerId)).toEqual(before);
      await d1({ token, password: GOOD_PASSWORD }).expect(200);
    });
  });

  describe('bad requests get the {"error"} envelope, never a 500', () => {
    const oneSentence = (body: unknown) => {
      expect(Object.keys(body as object)).toEqual(['error']);
      expect((body as { error: string }).error).toMatch(/^[A-Z].*\.$/);
    };

    it('missing fields → 400 naming them in one sentence', async () => {
      const res = await d1({}).expect(400);
      expect(res.body).toEqual({ error: 'The token field is required and the password field is required.' });
    });

    it.each([
      ['a number', { token: 'abc', password: 12345678 }, 'The password field must be a string.'],
      ['an array (G3)', { token: ['a', 'b'], password: GOOD_PASSWORD }, 'The token field must be a string.'],
      ['an object', { token: 'abc', password: { value: GOOD_PASSWORD } }, 'The password field must be a string.'],
      ['null', { token: null, password: GOOD_PASSWORD }, 'The token field is required.'],
      ['an unknown field (G4)', { token: 'abc', password: GOOD_PASSWORD, userId: 'x' }, 'The userId field is not allowed.'],
    ])('%s → 400', async (_name, body, sentence) => {
      const res = await d1(body).expect(400);
      expect(res.body).toEqual({ error: sentence });
    });

    it('G2 malformed JSON → 400 without internals', async () => {
      const res = await t.http.post('/accounts/set-password').set('Content-Type', 'application/json').send('{"token":').expect(400);
      oneSentence(res.body);
      expect(JSON.stringify(res.body)).not.toMatch(/SyntaxError|body-parser|node_modules| at /);
    });

    it('G5 a text/plain body → 415 in the envelope (issue 8: it was a 400)', async () => {
      const res = await t.http.post('/accounts/set-password').set('Content-Type', 'text/plain').send('token=abc&password=x').expect(415);
      oneSentence(res.body);
    });

    it('G1 a 1 MB body → 413', async () => {
      const res = await d1({ token: 'abc', password: 'x'.repeat(1_000_000) }).expect(413);
      expect(res.body).toEqual({ error: 'The request body is too large.' });
    });

    it('G5 other methods → 4xx in the envelope (PUT/DELETE: 404; GET is the admin GET /accounts/{id}: 401 without a key)', async () => {
      oneSentence((await t.http.put('/accounts/set-password').send({}).expect(404)).body);
      oneSentence((await t.http.delete('/accounts/set-password').expect(404)).body);
      oneSentence((await t.http.get('/accounts/set-password').expect(401)).body);
    });

    it('G7 a token in the query string is ignored', async () => {
      const { token } = await invited();
      const res = await t.http.post(`/accounts/set-password?token=${token}`).send({ password: GOOD_PASSWORD }).expect(400);
      expect(res.body).toEqual({ error: 'The token field is required.' });
    });

    it('503 in the envelope when the database is down; the token still works afterwards (H3)', async () => {
      const { token } = await invited();
      await t.dataSource.destroy();
      try {
        const res = await d1({ token, password: GOOD_PASSWORD }).expect(503);
        expect(res.body).toEqual({ error: 'The service is temporarily unavailable; try again later.' });
      } finally {
        await t.dataSource.initialize();
      }
      await d1({ token, password: GOOD_PASSWORD }).expect(200);
    });
  });

  it('A12 neither the password nor the token is stored anywhere, after D1, D2 and a login', async () => {
    const { ownerEmail, token } = await invited();
    const d1Password = 'Plain-Text-Canary-D1!';
    await d1({ token, password: d1Password }).expect(200);
    const session = await loginAs(t, ownerEmail, d1Password);
    const { verificationJwt } = await signUpAndVerify(t, smtp);
    const d2Password = 'Plain-Text-Canary-D2!';
    await t.http.post('/auth/setpassword').set('Authorization', `Bearer ${verificationJwt}`).send({ password: d2Password }).expect(200);
    const dump = await dumpAllTables(t);
    for (const secret of [d1Password, d2Password, token, session.refresh_token, session.access_token, verificationJwt]) {
      expect(dump).not.toContain(secret);
    }
  });
});

describeEachDatabase('D1 rate limiting', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ kind, env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('J3 429 in the {"error"} envelope once the limit is reached', async () => {
    const statuses: number[] = [];
    let last: { status: number; body: unknown } | undefined;
    for (let i = 0; i < 5; i++) {
      last = await t.http.post('/accounts/set-password').send({ token: `guess-${i}`, password: GOOD_PASSWORD });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).toEqual([400, 400, 400]);
    expect(last!.status).toBe(429);
    expect(last!.body).toEqual({ error: 'Too many requests; try again later.' });
  });
});
