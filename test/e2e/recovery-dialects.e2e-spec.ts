import type { Response } from 'supertest';
import { User } from '../../src/core/entities/user.entity';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { requestWork } from './support/request-work';
import {
  admin, createAccount, createUser, failInsertsInto, givePassword, GOOD_PASSWORD, hasPassword, issueSession, latestMail, randomClientIp, sql, uniqueEmail,
} from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/**
 * The recovery scenarios D4 (/api/v2/account, validation codes) and D5 (/v1/auth/password-reset, 6-digit
 * codes) share, run once per dialect. What differs between the dialects is in the table: paths, bodies,
 * the mail, the refusals in each dialect's envelope and the code's lifetime. Scenarios that differ in
 * substance stay in d4-account-recovery / d5-password-reset.
 */
interface Dialect {
  name: 'D4' | 'D5';
  requestPath: string;
  resetPath: string;
  /** The body of a reset with `code` and `password`. */
  resetBody(code: string, password: string): Record<string, unknown>;
  /** The 200 body of every code request (the same for known and unknown addresses). */
  requested: Record<string, unknown>;
  /** Subject of the mail that carries the code. */
  subject: string;
  /** mail_outbox kind of that mail. */
  mailKind: string;
  /** The refusal of a wrong, used or expired code. */
  invalidCode: Record<string, unknown>;
  /** The refusal of a reset for an account that turned password sign-in off (policy `passwordLogin: false`). */
  passwordLoginDisabled: Record<string, unknown>;
  /** The refusal of the password 'weak' under the dialect's account policy. */
  weakRefused: Record<string, unknown>;
  /** The 500 body of a failure inside the reset transaction. */
  internalError: Record<string, unknown>;
  /** The table whose insert fails in H2: one the reset writes inside its transaction. */
  h2FailingTable: string;
  /** The code's lifetime in minutes (B4). */
  ttlMinutes: number;
  /** Refresh tokens a successful reset issues (D4 logs the user in, D5 does not). */
  sessionsAfterReset: number;
  /** The secret part of a code, which no notice may contain (D4: the verifier after the selector). */
  secretOf(code: string): string;
  /** Account policy of the dialect's users (D4: seed 003's policy; D5: the default). */
  policy?: Record<string, unknown>;
  oldPassword: string;
  newPassword: string;
  /** A second good password, for a reuse attempt (B5). */
  otherPassword: string;
  emailPrefix: string;
  /** C4: a stored address with mixed case, and how the user types it. */
  storedAddress(): string;
  typedAddress(stored: string): string;
}

const THREE_OF_FOUR =
  'This password must contain at least 3 of the following 4 types of characters: lower case letters, upper case letters, numbers and special characters.';

const DIALECTS: Dialect[] = [
  {
    name: 'D4',
    requestPath: '/api/v2/account/recover/',
    resetPath: '/api/v2/account/reset/',
    resetBody: (code, password) => ({ validation_code: code, password }),
    requested: { detail: 'If an account with this email address exists, a validation code has been sent to it.' },
    subject: 'Recover your account',
    mailKind: 'recovery',
    invalidCode: { validation_code: ['Invalid or expired validation code.'] },
    passwordLoginDisabled: { non_field_errors: ['This account does not sign in with a password.'] },
    weakRefused: { password: ['This password is too short. It must contain at least 8 characters.', THREE_OF_FOUR] },
    internalError: { detail: 'A server error occurred.' },
    h2FailingTable: 'refresh_tokens',
    ttlMinutes: 60,
    sessionsAfterReset: 1,
    secretOf: (code) => code.split('.')[1],
    policy: { minLength: 8, maxLength: 128, requiredClasses: [], minClasses: 3 },
    oldPassword: 'Quiet-Meadow-18',
    newPassword: 'Bright-Comet-64',
    otherPassword: 'Other-Pass-55!',
    emailPrefix: 'd4',
    storedAddress: () => `Ada.Lovelace.${Date.now()}@example.com`,
    typedAddress: (stored) => stored.toUpperCase(),
  },
  {
    name: 'D5',
    requestPath: '/v1/auth/password-reset/request',
    resetPath: '/v1/auth/password-reset/reset',
    resetBody: (code, password) => ({ code, new_password: password }),
    requested: { message: 'if an account with that email exists, a password reset code has been sent' },
    subject: 'Your password reset code',
    mailKind: 'reset-code',
    invalidCode: { error: 'invalid or expired password reset code' },
    passwordLoginDisabled: { error: 'password sign-in is disabled for this account' },
    weakRefused: { error: 'password must be at least 8 characters' },
    internalError: { error: 'internal error' },
    h2FailingTable: 'password_history',
    ttlMinutes: 15,
    sessionsAfterReset: 0,
    secretOf: (code) => code,
    oldPassword: GOOD_PASSWORD,
    newPassword: 'Fresh-Harbor-73',
    otherPassword: 'Second-Try-99!',
    emailPrefix: 'd5',
    storedAddress: () => `Mixed.Case.${Date.now()}@Example.ORG`,
    typedAddress: (stored) => stored.toLowerCase(),
  },
];

/** Headers that may legitimately differ between two identical answers. */
function comparableHeaders(res: Response): Record<string, string> {
  const h = { ...(res.headers as Record<string, string>) };
  for (const name of Object.keys(h)) if (name === 'date' || name === 'x-request-id' || name.startsWith('x-ratelimit-')) delete h[name];
  return h;
}

describeEachDatabase('D4/D5 recovery scenarios both dialects share', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  // TRUST_PROXY lets each test choose its client address (X-Forwarded-For), so per-client limits stay per
  // test. The 20 parallel resets (H1) queue for the pool's connections: that wait is bounded generously.
  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { TRUST_PROXY: 'true', DATABASE_CONNECT_TIMEOUT_MS: '30000' } });
  beforeEach(async () => {
    await sql(t, 'DELETE FROM attempt_counters');
  });

  async function outboxCount(recipient: string, mailKind: string): Promise<number> {
    const [row] = await sql<{ n: string | number }>(t, 'SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = $1 AND kind = $2', [recipient, mailKind]);
    return Number(row.n);
  }

  describe.each(DIALECTS)('$name ($requestPath, $resetPath)', (d) => {
    let accountId: string;
    beforeAll(async () => {
      ({ accountId } = await createAccount(t, d.policy ? { policy: d.policy } : {}));
    });

    const requestCode = (email: unknown, ip = randomClientIp()) => t.http.post(d.requestPath).set('X-Forwarded-For', ip).send({ email });
    const reset = (code: string, password: string, ip = randomClientIp()) => t.http.post(d.resetPath).set('X-Forwarded-For', ip).send(d.resetBody(code, password));
    const tokensOf = (userId: string) => sql(t, 'SELECT * FROM one_time_tokens WHERE user_id = $1 ORDER BY id', [userId]);

    async function newUser(o: { email?: string; password?: string | null } = {}): Promise<{ userId: string; email: string }> {
      const user = await createUser(t, accountId, o.email ?? uniqueEmail(d.emailPrefix));
      if (o.password !== null) await givePassword(t, user.userId, o.password ?? d.oldPassword);
      return user;
    }

    /** Requests a code for `email` (asserting the 200 and its body) and returns the code from the email. */
    async function codeFor(email: string): Promise<string> {
      const since = smtp.messages.length;
      await requestCode(email).expect(200, d.requested);
      return extractCode(await latestMail(t, smtp, email, (m) => m.subject === d.subject, since));
    }

    describe('request a code', () => {
      it('C1 answers an unknown address exactly like a known one: status, body and headers (all but date and rate-limit counters)', async () => {
        const { email } = await newUser();
        const known = await requestCode(email);
        const unknown = await requestCode(uniqueEmail('nobody'));
        expect([unknown.status, unknown.body]).toEqual([known.status, known.body]);
        expect(unknown.status).toBe(known.status);
        expect(unknown.body).toEqual(known.body);
        expect(comparableHeaders(unknown)).toEqual(comparableHeaders(known));
      });

      it('C2 does the same work for an unknown address as for a known one before answering: the same statements in the same order, no hashing', async () => {
        // Counted, not timed: at BCRYPT_COST=4 a stopwatch could not tell the paths apart, and a busy machine would blur it.
        const users = await Promise.all(Array.from({ length: 3 }, () => newUser({ password: null })));
        for (const u of users) {
          const known = await requestWork(t, (ip) => requestCode(u.email, ip).expect(200));
          const unknown = await requestWork(t, (ip) => requestCode(uniqueEmail('nobody'), ip).expect(200));
          expect(known.statements.length).toBeGreaterThan(0);
          expect(unknown.statements).toEqual(known.statements);
          expect([known.hashing, unknown.hashing]).toEqual([0, 0]);
          expect(known.statements.join('\n')).not.toMatch(/\busers\b/i); // no lookup of the address on the request path
        }
        // resolved after the answers: each known address got its code
        await t.flushMail();
        for (const u of users) expect(await outboxCount(u.email, d.mailKind)).toBe(1);
      });

      it('C4 mails the address as stored, not as typed', async () => {
        const stored = d.storedAddress();
        await newUser({ email: stored });
        const since = smtp.messages.length;
        await requestCode(d.typedAddress(stored)).expect(200, d.requested);
        await t.flushMail(); // the request is resolved after the response
        const mail = await latestMail(t, smtp, stored, (m) => m.subject === d.subject, since);
        // The local part travels exactly as stored (the domain is case-insensitive and lower-cased on the way by nodemailer).
        expect(mail.envelopeTo.map((a) => a.split('@')[0])).toEqual([stored.split('@')[0]]);
        expect(mail.to.split('@')[0]).toBe(stored.split('@')[0]);
        const rows = await sql<{ recipient: string }>(t, 'SELECT recipient FROM mail_outbox WHERE kind = $1 AND LOWER(recipient) = $2', [d.mailKind, stored.toLowerCase()]);
        expect(rows.map((r) => r.recipient)).toEqual([stored]);
      });

      it('C7 builds the link from PUBLIC_URL whatever Host, X-Forwarded-Host or Forwarded say', async () => {
        const { email } = await newUser();
        const since = smtp.messages.length;
        await t.http
          .post(d.requestPath)
          .set('Host', 'evil.test')
          .set('X-Forwarded-Host', 'evil.test')
          .set('Forwarded', 'host=evil.test')
          .set('X-Forwarded-For', randomClientIp())
          .send({ email })
          .expect(200);
        const mail = await latestMail(t, smtp, email, (m) => m.subject === d.subject, since);
        expect(mail.text + mail.html).not.toContain('evil.test');
        expect(mail.text).toContain('https://id.example.test/'); // the link is there, from PUBLIC_URL
        for (const url of (mail.text + mail.html).match(/https?:\/\/[^\s"<]+/g) ?? []) expect(url.startsWith('https://id.example.test/')).toBe(true);
      });
    });

    describe('reset with the code', () => {
      it('B5 a code works once: the second reset is refused and the first password stays', async () => {
        const { userId, email } = await newUser();
        const code = await codeFor(email);
        await reset(code, d.newPassword).expect(200);
        await reset(code, d.otherPassword).expect(400, d.invalidCode);
        expect(await hasPassword(t, userId, d.newPassword)).toBe(true);
      });

      it(`B4 a code works at TTL−1 minute and is refused at TTL+1 minute (TTL ${d.ttlMinutes} min)`, async () => {
        const early = await newUser();
        const late = await newUser();
        const earlyCode = await codeFor(early.email);
        const lateCode = await codeFor(late.email);
        t.clock.advanceMinutes(d.ttlMinutes - 1);
        await reset(earlyCode, d.newPassword).expect(200);
        t.clock.advanceMinutes(2);
        await reset(lateCode, d.newPassword).expect(400, d.invalidCode);
        expect(await hasPassword(t, late.userId, d.oldPassword)).toBe(true);
      });

      it('an account that turned password sign-in off after the code was mailed: the reset is refused with 400 in the dialect\'s words, and no password is set', async () => {
        const { accountId: own } = await createAccount(t, d.policy ? { policy: d.policy } : {});
        const { userId, email } = await createUser(t, own, uniqueEmail(d.emailPrefix));
        await givePassword(t, userId, d.oldPassword);
        const code = await codeFor(email);
        await t.http.put(`/accounts/${own}/password-policy`).set(admin).send({ ...d.policy, passwordLogin: false }).expect(200);
        await reset(code, d.newPassword).expect(400, d.passwordLoginDisabled);
        expect(await hasPassword(t, userId, d.oldPassword)).toBe(true);
      });

      it('B8 a new request voids the older code', async () => {
        const { email } = await newUser();
        const first = await codeFor(email);
        const second = await codeFor(email);
        await reset(first, d.newPassword).expect(400, d.invalidCode);
        await reset(second, d.newPassword).expect(200);
      });

      it(`H1 20 parallel resets with one code: exactly one 200, the rest 400; one new history row, ${d.sessionsAfterReset} new session(s), the winner's password is stored, one change notice`, async () => {
        const { userId, email } = await newUser();
        const code = await codeFor(email);
        const passwords = Array.from({ length: 20 }, (_, i) => `Racer-${i}-Pass!x`);
        // Each from its own client, so the per-client limit does not turn racers into 429s before they reach the code.
        const results = await Promise.all(passwords.map((p) => reset(code, p)));
        const winners = results.filter((r) => r.status === 200);
        expect(winners).toHaveLength(1);
        for (const r of results.filter((x) => x.status !== 200)) expect([r.status, r.body]).toEqual([400, d.invalidCode]);
        expect(await sql(t, 'SELECT id FROM password_history WHERE user_id = $1', [userId])).toHaveLength(1);
        expect(await sql(t, 'SELECT id FROM refresh_tokens WHERE user_id = $1', [userId])).toHaveLength(d.sessionsAfterReset);
        expect(await hasPassword(t, userId, passwords[results.indexOf(winners[0])])).toBe(true);
        expect(await outboxCount(email, 'password-set')).toBe(1); // the first password is announced as set
        expect(await outboxCount(email, 'password-changed')).toBe(1); // then the reset as changed
      });

      it('A15 a password the policy rejects does not consume the code: nothing changes and the same code works afterwards', async () => {
        const { userId, email } = await newUser();
        const code = await codeFor(email);
        const before = await tokensOf(userId);
        await reset(code, 'weak').expect(400, d.weakRefused);
        expect(await tokensOf(userId)).toEqual(before);
        expect(await hasPassword(t, userId, d.oldPassword)).toBe(true);
        await reset(code, d.newPassword).expect(200);
      });

      it(`H2 a failure inside the reset transaction (an insert into ${d.h2FailingTable} fails) answers 500 in the dialect's envelope with no tokens; nothing changes and the code still works`, async () => {
        const { userId, email } = await newUser();
        await issueSession(t, userId);
        const code = await codeFor(email);
        const before = await tokensOf(userId);
        const notices = await outboxCount(email, 'password-changed');
        const restore = await failInsertsInto(t, d.h2FailingTable);
        let failed;
        try {
          failed = await reset(code, d.newPassword).expect(500);
        } finally {
          await restore();
        }
        expect(failed.body).toEqual(d.internalError);
        expect(await hasPassword(t, userId, d.oldPassword)).toBe(true);
        expect(await sql(t, 'SELECT id FROM password_history WHERE user_id = $1', [userId])).toHaveLength(0);
        expect(await tokensOf(userId)).toEqual(before);
        expect(await sql(t, 'SELECT id FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL', [userId])).toHaveLength(1);
        expect(await outboxCount(email, 'password-changed')).toBe(notices);
        await reset(code, d.newPassword).expect(200);
      });

      it('B11 a disabled user cannot redeem a code', async () => {
        const { userId, email } = await newUser();
        const code = await codeFor(email);
        await t.dataSource.getRepository(User).update(userId, { isActive: false });
        await reset(code, d.newPassword).expect(400, d.invalidCode);
        expect(await hasPassword(t, userId, d.oldPassword)).toBe(true);
      });

      it('D4 queues one "password changed" notice to the stored address, with no code, password or hash', async () => {
        const { email } = await newUser();
        const code = await codeFor(email);
        const since = smtp.messages.length;
        await reset(code, d.newPassword).expect(200);
        const notice = await latestMail(t, smtp, email, (m) => m.subject === 'Your password was changed', since);
        expect(notice.envelopeTo).toEqual([email]);
        expect(notice.text + notice.html).not.toContain(code);
        expect(notice.text + notice.html).not.toContain(d.secretOf(code));
        expect(notice.text + notice.html).not.toContain(d.newPassword);
        expect(notice.text + notice.html).not.toMatch(/\$2[aby]\$/);
        expect(notice.text).toMatch(/If this was not you/);
        expect(await outboxCount(email, 'password-set')).toBe(1); // the first password is announced as set
        expect(await outboxCount(email, 'password-changed')).toBe(1); // then the reset as changed
      });
    });
  });
});
