import type { Response } from 'supertest';
import { AuditTrail } from '../../src/ground/common/audit-trail';
import { RecoveryRequestService } from '../../src/core/recovery/recovery-request.service';
import { OneTimeTokensService } from '../../src/core/tokens/one-time-tokens.service';
import { SecretKeys } from '../../src/ground/common/secrets';
import { User } from '../../src/core/entities/user.entity';
import { PasswordHasher } from '../../src/core/password/password-hasher';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  createAccount, createApiKey, createUser, dumpAllTables, givePassword, GOOD_PASSWORD, hasPassword, issueSession, latestInvitationToken, latestMail, loginAs, randomClientIp, sql,
  uniqueEmail,
} from './support/factories';
import { startTestApp, TestApp, withAppAndSmtp } from './support/test-app';

const REQUEST = '/v1/auth/password-reset/request';
const RESET = '/v1/auth/password-reset/reset';
const INVALID_CODE = { error: 'invalid or expired password reset code' };
const TOO_MANY = { error: 'too many requests' };
const SEED_CLASSES = 'password must contain at least one uppercase letter, one lowercase letter, one digit, and one special character';
const NEW_PASSWORD = 'Fresh-Harbor-73';

/** A code no generator ever issues (the alphabet is digits): always a failed guess. */
const wrongCode = () => `x${Math.floor(Math.random() * 1e5)}`;

describeEachDatabase('D5 password reset (/v1/auth/password-reset)', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;
  let accountId: string;

  // TRUST_PROXY lets each test choose its client address with X-Forwarded-For, so the per-client limits
  // of one test do not leak into the next. The bursts below (100 resets at once) queue for the pool's
  // connections; the bound on that wait is not this file's subject (postgres-frozen covers it), and on a
  // loaded machine the default 3 s turned some of them into 503s: bounded generously here.
  withAppAndSmtp(kind, async (app, server) => {
    [t, smtp] = [app, server];
    ({ accountId } = await createAccount(t));
  }, { env: { TRUST_PROXY: 'true', DATABASE_CONNECT_TIMEOUT_MS: '30000' } });
  beforeEach(async () => {
    await sql(t, 'DELETE FROM attempt_counters');
  });

  const requestCode = (email: unknown, ip = randomClientIp()) => t.http.post(REQUEST).set('X-Forwarded-For', ip).send({ email });
  const reset = (body: unknown, ip = randomClientIp()) => t.http.post(RESET).set('X-Forwarded-For', ip).send(body as object);
  /** A successful login from `ip`, which makes that network known for the user (KnownLoginNetworks). */
  const loginFrom = (email: string, ip: string) => t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email, password: GOOD_PASSWORD }).expect(200);

  async function newUser(o: { account?: string; password?: string | null; email?: string; firstName?: string } = {}): Promise<{ userId: string; email: string }> {
    const user = await createUser(t, o.account ?? accountId, o.email ?? uniqueEmail('d5'), o.firstName ? { firstName: o.firstName } : {});
    if (o.password !== null) await givePassword(t, user.userId, o.password ?? GOOD_PASSWORD);
    return user;
  }

  /** Requests a code for `email` (asserting the 200) and returns the code from the email that arrives. */
  async function codeFor(email: string): Promise<string> {
    const since = smtp.messages.length;
    await requestCode(email).expect(200);
    return extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Your password reset code', since));
  }

  async function outboxCount(recipient: string, mailKind: string): Promise<number> {
    const [row] = await sql<{ n: string | number }>(t, 'SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = $1 AND kind = $2', [recipient, mailKind]);
    return Number(row.n);
  }

  async function totalOutbox(): Promise<number> {
    const [row] = await sql<{ n: string | number }>(t, 'SELECT COUNT(*) AS n FROM mail_outbox');
    return Number(row.n);
  }

  /** Headers that may legitimately differ between two identical answers. */
  function comparableHeaders(res: Response): Record<string, string> {
    const h = { ...(res.headers as Record<string, string>) };
    for (const name of Object.keys(h)) if (name === 'date' || name === 'x-request-id' || name.startsWith('x-ratelimit-')) delete h[name];
    return h;
  }

  describe('request a code', () => {
    it('answers 200 {"message"} and emails a 6-digit code on its own "Code:" line, with a PUBLIC_URL link and an HTML part (B2, C8)', async () => {
      const { email } = await newUser();
      const since = smtp.messages.length;
      const res = await requestCode(email).expect(200);
      expect(res.body).toEqual({ message: 'if an account with that email exists, a password reset code has been sent' });
      expect(res.headers['content-type']).toMatch(/^application\/json; charset=utf-8/);
      const mail = await latestMail(t, smtp, email, (m) => m.subject === 'Your password reset code', since);
      const code = extractCode(mail);
      expect(code).toMatch(/^\d{6}$/);
      expect(mail.text.split('\n')).toContain(`Code: ${code}`);
      expect(mail.text.split('\n')).toContain(`https://id.example.test/password-reset#code=${code}`);
      expect(mail.html).toContain(code);
      expect(mail.envelopeTo).toEqual([email]);
    });

    it('B3 stores the code only as a keyed hash: the emailed code appears in no table', async () => {
      const { userId, email } = await newUser();
      const code = await codeFor(email);
      const rows = await sql(t, 'SELECT * FROM one_time_tokens');
      expect(JSON.stringify(rows)).not.toMatch(new RegExp(`"${code}"`));
      const outbox = await sql(t, 'SELECT * FROM mail_outbox');
      expect(JSON.stringify(outbox)).not.toContain(`Code: ${code}`);
      // Every table: the six digits nowhere as a number of their own (longer numbers, e.g. times in ms, may hold them).
      const dump = await dumpAllTables(t);
      expect(dump).toContain(userId); // the dump did read the tables
      expect(dump).not.toMatch(new RegExp(`(?<![0-9])${code}(?![0-9])`));
    });

    it('C1 answers a disabled user like an unknown address and mails no code', async () => {
      const { userId, email } = await newUser();
      await t.dataSource.getRepository(User).update(userId, { isActive: false });
      const res = await requestCode(email).expect(200);
      expect(res.body).toEqual((await requestCode(uniqueEmail('nobody'))).body);
      await t.flushMail(); // the request is resolved after the response
      expect(await outboxCount(email, 'reset-code')).toBe(0);
    });

    it('C5 look-alike addresses (dotless ı, Kelvin sign) match nobody and send no mail', async () => {
      const local = `mike${Date.now()}`;
      await newUser({ email: `${local}@example.org` });
      const before = await totalOutbox();
      for (const lookalike of [`${local.replace('i', '\u0131')}@example.org`, `${local}@exampl\u212A.org`]) {
        const res = await requestCode(lookalike);
        expect([200, 400]).toContain(res.status);
      }
      expect(await totalOutbox()).toBe(before);
    });

    it('C6 a list, an object, a joined list or a repeated form field is refused with 400 and nothing is queued', async () => {
      const { email } = await newUser();
      const before = await totalOutbox();
      for (const value of [[email, 'evil@attacker.test'], { $ne: null }, `${email},evil@attacker.test`, `${email};evil@attacker.test`]) {
        const res = await requestCode(value);
        expect(res.status).toBe(400);
        expect(Object.keys(res.body)).toEqual(['error']);
      }
      const form = await t.http.post(REQUEST).set('X-Forwarded-For', randomClientIp()).type('form').send(`email=${encodeURIComponent(email)}&email=evil%40attacker.test`);
      expect(form.status).toBe(400);
      expect(await totalOutbox()).toBe(before);
    });

    it('words bad request bodies in the D5 envelope: missing, wrong type, unknown field, not an address', async () => {
      await requestCode(undefined).expect(400, { error: 'email is required' });
      await requestCode(42).expect(400, { error: 'email must be a string' });
      await requestCode('not-an-address').expect(400, { error: 'invalid email address' });
      await t.http.post(REQUEST).send({ email: uniqueEmail(), role: 'admin' }).expect(400, { error: 'unknown field "role"' });
    });

    it('J4 mails at most 3 codes per address per 15 minutes; further requests answer the same 200 and send nothing (J5: later it mails again)', async () => {
      const { email } = await newUser();
      const bodies = new Set<string>();
      for (let i = 0; i < 6; i++) bodies.add(JSON.stringify((await requestCode(email).expect(200)).body));
      expect(bodies.size).toBe(1);
      await t.flushMail();
      expect(await outboxCount(email, 'reset-code')).toBe(3);
      t.clock.advanceMinutes(16);
      await requestCode(email).expect(200);
      await t.flushMail();
      expect(await outboxCount(email, 'reset-code')).toBe(4);
    });

    it('C1/J4 a request past the mail cap answers exactly like one under it (status, body, headers), mails nothing, and is still resolved and audited', async () => {
      const { userId, email } = await newUser();
      const record = jest.spyOn(t.app.get(AuditTrail), 'record');
      try {
        const uncapped = await requestCode(email);
        for (let i = 0; i < 2; i++) await requestCode(email).expect(200);
        await t.flushMail();
        const capped = await requestCode(email);
        expect([capped.status, capped.body, comparableHeaders(capped)]).toEqual([uncapped.status, uncapped.body, comparableHeaders(uncapped)]);
        await t.flushMail();
        expect(await outboxCount(email, 'reset-code')).toBe(3);
        expect(await sql(t, 'SELECT * FROM recovery_requests')).toHaveLength(0);
        const events = record.mock.calls.map(([, e]) => e).filter((e) => e.type === 'recovery.requested' && e.userId === userId);
        expect(events.map((e) => e.outcome)).toEqual(['sent', 'sent', 'sent', 'address_limited']);
        expect(JSON.stringify(events)).not.toContain(email.split('@')[0]);
      } finally {
        record.mockRestore();
      }
    });

    it('C3/J4 the per-address limit counts unknown addresses exactly like known ones, so it reveals nothing', async () => {
      const { email } = await newUser();
      const unknown = uniqueEmail('nobody');
      const keys = t.app.get(SecretKeys);
      for (let i = 0; i < 5; i++) {
        const [a, b] = [await requestCode(email), await requestCode(unknown)];
        expect([a.status, a.body]).toEqual([b.status, b.body]);
      }
      const counts = await Promise.all(
        [email, unknown].map((e) => sql<{ count: number }>(t, 'SELECT "count" FROM attempt_counters WHERE "key" = $1', [`pr:mail:${keys.lookupHash(`recovery-address:${e.toLowerCase()}`)}`])),
      );
      expect(counts.map(([row]) => Number(row.count))).toEqual([5, 5]);
    });

    it('C3 one client gets 429 {"error":"too many requests"} after 20 requests, for known and unknown addresses alike', async () => {
      const ip = randomClientIp();
      const { email } = await newUser();
      for (let i = 0; i < 20; i++) await requestCode(i % 2 ? email : uniqueEmail('nobody'), ip).expect(200);
      const known = await requestCode(email, ip).expect(429);
      const unknown = await requestCode(uniqueEmail('nobody'), ip).expect(429);
      expect(known.body).toEqual(TOO_MANY);
      expect(unknown.body).toEqual(TOO_MANY);
      expect(Number(known.headers['retry-after'])).toBeGreaterThan(0);
      await requestCode(email).expect(200); // another client is not affected
    });

    it('C9 requesting codes changes nothing: the password and the sessions stay', async () => {
      const { userId, email } = await newUser();
      await issueSession(t, userId);
      for (let i = 0; i < 3; i++) await requestCode(email).expect(200);
      expect(await hasPassword(t, userId, GOOD_PASSWORD)).toBe(true);
      const [live] = await sql<{ n: string | number }>(t, 'SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL', [userId]);
      expect(Number(live.n)).toBe(1);
    });
  });

  describe('reset with the code', () => {
    it('answers 200 {"message":"password reset successfully","email":<stored address>} and the new password replaces the old', async () => {
      const stored = `Stored.Case.${Date.now()}@Example.com`;
      const { userId } = await newUser({ email: stored });
      const code = await codeFor(stored.toLowerCase());
      const res = await reset({ code, new_password: NEW_PASSWORD }).expect(200);
      expect(res.body).toEqual({ message: 'password reset successfully', email: stored });
      expect(await hasPassword(t, userId, NEW_PASSWORD)).toBe(true);
      expect(await hasPassword(t, userId, GOOD_PASSWORD)).toBe(false);
    });

    it('D1/D2/D6 a reset revokes every refresh token, moves the credentials version and voids the other live codes (D4 included)', async () => {
      const { userId, email } = await newUser();
      await issueSession(t, userId);
      await issueSession(t, userId);
      const [{ credentials_changed_at: before }] = await sql<{ credentials_changed_at: string }>(t, 'SELECT credentials_changed_at FROM users WHERE id = $1', [userId]);
      const since = smtp.messages.length;
      await t.http.post('/api/v2/account/recover/').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
      const validationCode = extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Recover your account', since));
      const code = await codeFor(email);
      await reset({ code, new_password: NEW_PASSWORD }).expect(200);
      const refresh = await sql<{ revoked_at: unknown }>(t, 'SELECT revoked_at FROM refresh_tokens WHERE user_id = $1', [userId]);
      expect(refresh).toHaveLength(2);
      for (const row of refresh) expect(row.revoked_at).not.toBeNull();
      const [{ credentials_changed_at: after }] = await sql<{ credentials_changed_at: string }>(t, 'SELECT credentials_changed_at FROM users WHERE id = $1', [userId]);
      expect(Number(after)).toBeGreaterThan(Number(before));
      await t.http.post('/api/v2/account/reset/').set('X-Forwarded-For', randomClientIp()).send({ validation_code: validationCode, password: 'Other-Pass-55!' })
        .expect(400, { validation_code: ['Invalid or expired validation code.'] });
    });

    it('B10 a code dies when the password changes by another path (D3 DELETE and create): 400, and the D3 password stays', async () => {
      const { userId, email } = await newUser();
      const code = await codeFor(email);
      const { key } = await createApiKey(t, ['passwords:write']);
      await t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', key).expect(204);
      await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key).send({ password: { value: 'Integrator-Set-88' } }).expect(200);
      expect((await reset({ code, new_password: NEW_PASSWORD }).expect(400)).body).toEqual(INVALID_CODE);
      expect(await hasPassword(t, userId, 'Integrator-Set-88')).toBe(true);
    });

    it('B9 a D4 validation code or an invitation token is not a D5 code', async () => {
      const { email } = await newUser();
      const invited = await newUser({ password: null });
      const since = smtp.messages.length;
      await t.http.post('/api/v2/account/recover').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
      const validationCode = extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Recover your account', since));
      await reset({ code: validationCode, new_password: NEW_PASSWORD }).expect(400, INVALID_CODE);
      await reset({ code: await latestInvitationToken(t, smtp, invited.email), new_password: NEW_PASSWORD }).expect(400, INVALID_CODE);
    });

    it('G7 the code is read from the body only: a query-string copy is ignored', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      await t.http.post(`${RESET}?code=${code}&new_password=${NEW_PASSWORD}`).set('X-Forwarded-For', randomClientIp()).send({})
        .expect(400, { error: 'code and new_password are required' });
    });
  });

  describe('policy failures in D5 words (one sentence: the first failed rule)', () => {
    it('words each rule of the default policy as the seed does (A1, A4)', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      await reset({ code, new_password: 'Sh0rt!' }).expect(400, { error: 'password must be at least 8 characters' });
      await reset({ code, new_password: 'alllowercase' }).expect(400, { error: SEED_CLASSES });
      await reset({ code, new_password: 'Password1' }).expect(400, { error: SEED_CLASSES }); // only the special character is missing
      await reset({ code, new_password: 'P@ssw0rd' }).expect(400, { error: 'password is too common' });
      // several rules fail: the first in the evaluator's order (length before classes)
      await reset({ code, new_password: 'abc' }).expect(400, { error: 'password must be at least 8 characters' });
    });

    it('words maximum length and history (A13) as "password must be at most 30 characters" / "must not match any of your last 5 passwords"', async () => {
      const strict = await createAccount(t, { policy: { maxLength: 30, historySize: 5 } });
      const { email } = await newUser({ account: strict.accountId });
      const code = await codeFor(email);
      await reset({ code, new_password: `Aa1!${'x'.repeat(27)}` }).expect(400, { error: 'password must be at most 30 characters' });
      await reset({ code, new_password: GOOD_PASSWORD }).expect(400, { error: 'password must not match any of your last 5 passwords' });
    });

    it('words user info (A5), k-of-4 classes and a partial class requirement in the same voice', async () => {
      const infoAccount = await createAccount(t, { policy: { rejectUserInfo: true } });
      const info = await newUser({ account: infoAccount.accountId, firstName: 'Grace' });
      await reset({ code: await codeFor(info.email), new_password: 'Grace#Rocks2024' }).expect(400, { error: 'password must not contain your email address or name' });

      const kOf4 = await createAccount(t, { policy: { requiredClasses: [], minClasses: 3 } });
      const k = await newUser({ account: kOf4.accountId });
      await reset({ code: await codeFor(k.email), new_password: 'abcdefgh1' }).expect(400, {
        error: 'password must contain at least 3 of the following: uppercase letters, lowercase letters, digits, special characters',
      });

      const partial = await createAccount(t, { policy: { requiredClasses: ['lower', 'digit'] } });
      const p = await newUser({ account: partial.accountId });
      await reset({ code: await codeFor(p.email), new_password: 'abcdefghij' }).expect(400, { error: 'password must contain at least one lowercase letter and one digit' });
    });
  });

  describe('bad input: the seed\'s sentences, never a 500', () => {
    it('answers "code and new_password are required" for a missing, null or empty field', async () => {
      for (const body of [{}, { code: '123456' }, { new_password: NEW_PASSWORD }, { code: '', new_password: NEW_PASSWORD }, { code: '123456', new_password: '' }, { code: null, new_password: NEW_PASSWORD }]) {
        await reset(body).expect(400, { error: 'code and new_password are required' });
      }
    });

    it('G3/G4 wrong types and unknown fields → 400 {"error"} (type before missing, as a strict decoder would)', async () => {
      await reset({ code: 123456, new_password: NEW_PASSWORD }).expect(400, { error: 'code must be a string' });
      await reset({ code: ['123456'], new_password: NEW_PASSWORD }).expect(400, { error: 'code must be a string' });
      await reset({ code: '123456', new_password: { value: 'x' } }).expect(400, { error: 'new_password must be a string' });
      await reset({ code: 5 }).expect(400, { error: 'code must be a string' });
      await reset({ code: '123456', new_password: NEW_PASSWORD, user_id: 'someone' }).expect(400, { error: 'unknown field "user_id"' });
    });

    it('G2 malformed JSON → 400 {"error":"invalid request body"}; G1 1 MB → 413; G5 text/plain → 415; unknown method → 404', async () => {
      const bad = await t.http.post(RESET).set('Content-Type', 'application/json').send('{"code":').expect(400);
      expect(bad.body).toEqual({ error: 'invalid request body' });
      await reset({ code: '1', new_password: 'x'.repeat(1_000_000) }).expect(413, { error: 'request body too large' });
      await t.http.post(RESET).set('Content-Type', 'text/plain').send('code=1').expect(415, { error: 'unsupported content type' });
      await t.http.get(RESET).expect(404, { error: 'not found' });
    });

    it('J1 an overlong password is refused before any hashing (no hash or verify call), and the code still works', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      const hasher = t.app.get(PasswordHasher);
      const spies = [jest.spyOn(hasher, 'hash'), jest.spyOn(hasher, 'verify'), jest.spyOn(hasher, 'verifyAgainstDummy')];
      try {
        await reset({ code, new_password: `Aa1!${'x'.repeat(5000)}` }).expect(400, { error: 'password must be at most 4096 characters' });
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
        // the spies see the hashing of a password that is accepted
        await reset({ code, new_password: NEW_PASSWORD }).expect(200);
        expect(spies[0]).toHaveBeenCalled();
      } finally {
        spies.forEach((s) => s.mockRestore());
      }
    });
  });

  describe('guessing caps (docs/recovery.md)', () => {
    it('B7 one client gets 10 failed resets per 15 minutes, then 429 {"error":"too many requests"} with Retry-After, even for a valid code; other clients are unaffected', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      const attacker = randomClientIp();
      for (let i = 0; i < 10; i++) await reset({ code: wrongCode(), new_password: NEW_PASSWORD }, attacker).expect(400, INVALID_CODE);
      const limited = await reset({ code: wrongCode(), new_password: NEW_PASSWORD }, attacker).expect(429);
      expect(limited.body).toEqual(TOO_MANY);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(900);
      await reset({ code, new_password: NEW_PASSWORD }, attacker).expect(429, TOO_MANY);
      await reset({ code, new_password: NEW_PASSWORD }).expect(200);
    });

    it('B7 a burst of 30 parallel wrong codes from one client gets exactly 10 guesses through (the limit is counted before the lookup)', async () => {
      const attacker = randomClientIp();
      const results = await Promise.all(Array.from({ length: 30 }, () => reset({ code: wrongCode(), new_password: NEW_PASSWORD }, attacker)));
      expect(results.filter((r) => r.status === 400)).toHaveLength(10);
      expect(results.filter((r) => r.status === 429)).toHaveLength(20);
    });

    it('J6 across all clients 25 failed resets per 15 minutes, then 429 for everyone; J5 after the window the user requests a new code and resets', async () => {
      const { userId, email } = await newUser();
      const code = await codeFor(email);
      const results = await Promise.all(Array.from({ length: 25 }, () => reset({ code: wrongCode(), new_password: NEW_PASSWORD })));
      expect(results.map((r) => r.status)).toEqual(Array(25).fill(400));
      await reset({ code, new_password: NEW_PASSWORD }).expect(429, TOO_MANY);
      expect(await hasPassword(t, userId, GOOD_PASSWORD)).toBe(true);
      t.clock.advanceMinutes(16);
      const fresh = await codeFor(email);
      await reset({ code: fresh, new_password: NEW_PASSWORD }).expect(200);
    });

    it('J6 a burst of 40 wrong codes from 40 clients gets exactly 25 guesses through', async () => {
      const results = await Promise.all(Array.from({ length: 40 }, () => reset({ code: wrongCode(), new_password: NEW_PASSWORD })));
      expect(results.filter((r) => r.status === 400)).toHaveLength(25);
      expect(results.filter((r) => r.status === 429)).toHaveLength(15);
    });

    /** Requests a code for `email` from the client address `ip` and returns it. */
    async function codeFrom(email: string, ip: string): Promise<string> {
      const since = smtp.messages.length;
      await requestCode(email, ip).expect(200);
      return extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Your password reset code', since));
    }

    it('J5/J6 25 wrong codes from anyone do not close D5 for a person who requested a code: they reset from their own network; elsewhere 429', async () => {
      const { userId, email } = await newUser();
      const home = randomClientIp();
      const code = await codeFrom(email, home);
      const guesses = await Promise.all(Array.from({ length: 25 }, () => reset({ code: wrongCode(), new_password: NEW_PASSWORD })));
      expect(guesses.map((r) => r.status)).toEqual(Array(25).fill(400));
      await reset({ code: wrongCode(), new_password: NEW_PASSWORD }).expect(429, TOO_MANY);
      // From another network the valid code answers exactly like a wrong one: 429.
      const elsewhere = await reset({ code, new_password: NEW_PASSWORD }).expect(429, TOO_MANY);
      expect(Number(elsewhere.headers['retry-after'])).toBeGreaterThan(0);
      await reset({ code, new_password: NEW_PASSWORD }, home).expect(200);
      expect(await hasPassword(t, userId, NEW_PASSWORD)).toBe(true);
    });

    it('J6 while the global budget is spent, the requesting network gets 3 guesses (429 each, wrong or not), then even its right code waits for the window', async () => {
      const { email } = await newUser();
      const home = randomClientIp();
      const code = await codeFrom(email, home);
      for (let i = 0; i < 25; i++) await reset({ code: wrongCode(), new_password: NEW_PASSWORD });
      for (let i = 0; i < 3; i++) await reset({ code: wrongCode(), new_password: NEW_PASSWORD }, home).expect(429, TOO_MANY);
      await reset({ code, new_password: NEW_PASSWORD }, home).expect(429, TOO_MANY);
      t.clock.advanceMinutes(16);
      await reset({ code: await codeFrom(email, home), new_password: NEW_PASSWORD }, home).expect(200);
    });

    it('J6 while the global budget is spent, only the newest code requested from a network is accepted there', async () => {
      const first = await newUser();
      const second = await newUser();
      const home = randomClientIp();
      const older = await codeFrom(first.email, home);
      const newer = await codeFrom(second.email, home);
      for (let i = 0; i < 25; i++) await reset({ code: wrongCode(), new_password: NEW_PASSWORD });
      await reset({ code: older, new_password: NEW_PASSWORD }, home).expect(429, TOO_MANY);
      await reset({ code: newer, new_password: NEW_PASSWORD }, home).expect(200);
      expect(await hasPassword(t, first.userId, GOOD_PASSWORD)).toBe(true);
    });

    /** The tester's lockout: a third party spends both the owner's mail cap (from A) and the global budget. */
    async function lockoutSetup(before?: (email: string) => Promise<unknown>): Promise<{ userId: string; email: string; newest: string }> {
      const { userId, email } = await newUser();
      await before?.(email);
      const attacker = randomClientIp();
      let newest = '';
      for (let i = 0; i < 3; i++) newest = await codeFrom(email, attacker);
      for (let i = 0; i < 25; i++) await reset({ code: wrongCode(), new_password: NEW_PASSWORD });
      return { userId, email, newest };
    }

    it('J5/J6 a third party cannot lock the owner out: codes asked from network A use up her mails, 25 guesses the global budget; she asks from O, where she logs in (no mail), and resets from O with the newest code in her inbox', async () => {
      const home = randomClientIp();
      const { userId, email, newest } = await lockoutSetup((e) => loginFrom(e, home));
      const inbox = () => smtp.messages.filter((m) => m.to.toLowerCase().includes(email.toLowerCase())).length;
      const mailsBefore = inbox();
      await requestCode(email, home).expect(200);
      await t.flushMail();
      expect(await outboxCount(email, 'reset-code')).toBe(3); // capped: no fourth mail
      expect(inbox()).toBe(mailsBefore);
      await reset({ code: newest, new_password: NEW_PASSWORD }, home).expect(200);
      expect(await hasPassword(t, userId, NEW_PASSWORD)).toBe(true);
      await loginAs(t, email, NEW_PASSWORD);
    });

    it('J6 past the global budget a network that never asked for the user\'s code gets 429 with that valid code (guessers gain nothing)', async () => {
      const { userId, email, newest } = await lockoutSetup();
      await requestCode(email, randomClientIp()).expect(200); // someone else vouches; that does not help a third network
      await t.flushMail();
      const stranger = randomClientIp();
      const res = await reset({ code: newest, new_password: NEW_PASSWORD }, stranger).expect(429, TOO_MANY);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(await hasPassword(t, userId, GOOD_PASSWORD)).toBe(true);
    });

    it('J6 a capped request from a network the user never logged in from vouches for nothing: guessers cannot buy guesses at her code with requests', async () => {
      const { userId, email, newest } = await lockoutSetup();
      const stranger = randomClientIp();
      await requestCode(email, stranger).expect(200); // capped, and the network is not one she logs in from
      await t.flushMail();
      await reset({ code: newest, new_password: NEW_PASSWORD }, stranger).expect(429, TOO_MANY);
      expect(await hasPassword(t, userId, GOOD_PASSWORD)).toBe(true);
    });

    it('J6 a network that asked for two users\' codes (one mailed, one capped) gets only the newest one it asked for', async () => {
      const home = randomClientIp();
      const first = await lockoutSetup((e) => loginFrom(e, home));
      const second = await newUser();
      await requestCode(first.email, home).expect(200); // capped: vouches for first's live code
      await t.flushMail();
      const secondCode = await codeFrom(second.email, home); // newer: mailed
      await reset({ code: first.newest, new_password: NEW_PASSWORD }, home).expect(429, TOO_MANY);
      expect(await hasPassword(t, first.userId, GOOD_PASSWORD)).toBe(true);
      await reset({ code: secondCode, new_password: NEW_PASSWORD }, home).expect(200);
      expect(await hasPassword(t, second.userId, NEW_PASSWORD)).toBe(true);
    });

    it('only failures spend the budget: 100 people with valid codes resetting at the same moment all succeed', async () => {
      const people = await Promise.all(Array.from({ length: 100 }, async () => ({ ...(await newUser({ password: null })), ip: randomClientIp() })));
      // The codes are taken as they are issued (mailing 100 messages would take most of the test's time).
      const issue = jest.spyOn(t.app.get(OneTimeTokensService), 'issue');
      const codes = new Map<string, string>();
      try {
        await Promise.all(people.map((p) => requestCode(p.email, p.ip).expect(200)));
        await t.app.get(RecoveryRequestService).resolvePending();
        for (const [i, [, options]] of issue.mock.calls.entries()) codes.set(options.userId, await issue.mock.results[i].value);
      } finally {
        issue.mockRestore();
        await sql(t, "DELETE FROM mail_outbox WHERE status = 'pending' AND recipient LIKE 'd5.%'");
      }
      const results = await Promise.all(people.map((p) => reset({ code: codes.get(p.userId), new_password: NEW_PASSWORD }, p.ip)));
      // The 100 "password changed" notices are not this test's subject: drop them rather than mail them.
      await sql(t, "DELETE FROM mail_outbox WHERE status = 'pending' AND recipient LIKE 'd5.%'");
      expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
      const [row] = await sql<{ count: string | number }>(t, "SELECT count FROM attempt_counters WHERE key = 'pr:d5:fail:global'");
      expect(Number(row?.count ?? 0)).toBe(0);
    }, 60_000);

    it('I2 records reset.failed for a wrong code and one reset.limited per window, never the code', async () => {
      const record = jest.spyOn(t.app.get(AuditTrail), 'record');
      try {
        const codes = Array.from({ length: 27 }, () => wrongCode());
        for (const code of codes) await reset({ code, new_password: NEW_PASSWORD });
        const events = record.mock.calls.map(([, e]) => e);
        expect(events.filter((e) => e.type === 'reset.failed')).toHaveLength(27);
        expect(events.filter((e) => e.type === 'reset.failed')[0]).toMatchObject({ actor: { kind: 'anonymous' }, outcome: 'failure', details: { dialect: 'D5' } });
        expect(events.filter((e) => e.type === 'reset.limited')).toHaveLength(1);
        const text = JSON.stringify(events);
        for (const code of codes) expect(text).not.toContain(code);
        expect(text).not.toContain(NEW_PASSWORD);
      } finally {
        record.mockRestore();
      }
    });

    it('the request path stays open while resets are capped (J5: the user can always ask for a new code)', async () => {
      for (let i = 0; i < 25; i++) await reset({ code: wrongCode(), new_password: NEW_PASSWORD });
      const { email } = await newUser();
      await requestCode(email).expect(200);
      await t.flushMail();
      expect(await outboxCount(email, 'reset-code')).toBe(1);
    });
  });

  describe('without a trusted proxy', () => {
    it('G8/H5 rotating X-Forwarded-For does not reset the per-client limit, and the count survives a restart', async () => {
      let first: TestApp | undefined = await startTestApp({ kind, smtpUrl: smtp.url });
      let second: TestApp | undefined;
      const database = first.database;
      const rotate = (app: TestApp) =>
        app.http.post(RESET).set('X-Forwarded-For', randomClientIp()).send({ code: wrongCode(), new_password: NEW_PASSWORD });
      try {
        for (let i = 0; i < 6; i++) expect((await rotate(first)).status).toBe(400);
        await first.close({ keepDatabase: true });
        first = undefined;
        second = await startTestApp({ kind, smtpUrl: smtp.url, database });
        for (let i = 0; i < 4; i++) expect((await rotate(second)).status).toBe(400);
        const limited = await rotate(second);
        expect([limited.status, limited.body]).toEqual([429, TOO_MANY]);
      } finally {
        await first?.close({ keepDatabase: true });
        await second?.close();
        await database.drop();
      }
    });
  });
});
