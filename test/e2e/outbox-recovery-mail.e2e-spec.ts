import { extractCode, ReceivedMail, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { createAccount, createUser, givePassword, GOOD_PASSWORD, hasPassword, sql, uniqueEmail } from './support/factories';
import { startTestApp, TestApp, withAppAndSmtp } from './support/test-app';
import { SecretKeys } from '../../src/ground/common/secrets';

const NEW_PASSWORD = 'Steady-Signal-88';
const isResetCode = (m: ReceivedMail) => m.subject === 'Your password reset code';
const isRecovery = (m: ReceivedMail) => m.subject === 'Recover your account';
const isNotice = (m: ReceivedMail) => m.subject === 'Your password was changed';

/** SECURITY.md C10 and CONTRACT.md "durable outbox": recovery mail survives an SMTP outage and a restart. */
describeEachDatabase('outbox: recovery mail is durable', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;
  let accountId: string;

  withAppAndSmtp(kind, async (app, server) => {
    [t, smtp] = [app, server];
    ({ accountId } = await createAccount(t));
  });
  afterEach(async () => {
    await smtp.up();
  });

  async function newUser(app: TestApp = t): Promise<{ userId: string; email: string }> {
    const user = await createUser(app, accountId, uniqueEmail('outbox'));
    await givePassword(app, user.userId, GOOD_PASSWORD);
    await app.flushMail();
    return user;
  }

  const received = (to: string, match: (m: ReceivedMail) => boolean) => smtp.messages.filter((m) => m.envelopeTo.includes(to) && match(m));

  async function outboxRows(app: TestApp, recipient: string, mailKind: string) {
    return sql<{ status: string; attempts: number; last_error: string | null }>(app, 'SELECT status, attempts, last_error FROM mail_outbox WHERE recipient = $1 AND kind = $2', [recipient, mailKind]);
  }

  it('C10 with SMTP down both requests still answer 200; each code arrives exactly once after SMTP is back and a flush, and works', async () => {
    const d5 = await newUser();
    const d4 = await newUser();
    await smtp.down();
    await t.http.post('/v1/auth/password-reset/request').send({ email: d5.email }).expect(200);
    await t.http.post('/api/v2/account/recover/').send({ email: d4.email }).expect(200);
    await t.flushMail();
    const [pending] = await outboxRows(t, d5.email, 'reset-code');
    expect(pending.status).toBe('pending');
    expect(Number(pending.attempts)).toBeGreaterThanOrEqual(1);
    expect(pending.last_error).toEqual(expect.any(String));
    expect(received(d5.email, isResetCode)).toHaveLength(0);

    await smtp.up();
    t.clock.advanceMinutes(10); // past the retry backoff
    await t.flushMail();
    const resetMail = await smtp.waitFor((m) => m.envelopeTo.includes(d5.email) && isResetCode(m));
    const recoveryMail = await smtp.waitFor((m) => m.envelopeTo.includes(d4.email) && isRecovery(m));
    await t.flushMail();
    expect(received(d5.email, isResetCode)).toHaveLength(1);
    expect(received(d4.email, isRecovery)).toHaveLength(1);
    expect((await outboxRows(t, d5.email, 'reset-code')).map((r) => r.status)).toEqual(['sent']);

    await t.http.post('/v1/auth/password-reset/reset').send({ code: extractCode(resetMail), new_password: NEW_PASSWORD }).expect(200);
    await t.http.post('/api/v2/account/reset/').send({ validation_code: extractCode(recoveryMail), password: NEW_PASSWORD }).expect(200);
  });

  it('D4 the "password changed" notice of a reset made while SMTP is down is delivered once SMTP is back', async () => {
    const { userId, email } = await newUser();
    await t.http.post('/v1/auth/password-reset/request').send({ email }).expect(200);
    await t.flushMail();
    const code = extractCode(await smtp.waitFor((m) => m.envelopeTo.includes(email) && isResetCode(m)));
    const noticesBefore = received(email, isNotice).length;
    await smtp.down();
    await t.http.post('/v1/auth/password-reset/reset').send({ code, new_password: NEW_PASSWORD }).expect(200);
    expect(await hasPassword(t, userId, NEW_PASSWORD)).toBe(true);
    await t.flushMail();
    expect(received(email, isNotice)).toHaveLength(noticesBefore);
    await smtp.up();
    t.clock.advanceMinutes(10);
    await t.flushMail();
    await smtp.waitFor((m) => m.envelopeTo.includes(email) && isNotice(m) && received(email, isNotice).length > noticesBefore);
    expect(received(email, isNotice)).toHaveLength(noticesBefore + 1);
  });

  it('a code queued by an instance that stops before sending it is delivered by the next instance, where it works', async () => {
    let first: TestApp | undefined = await startTestApp({ kind, smtpUrl: smtp.url });
    let second: TestApp | undefined;
    const database = first.database;
    try {
      const { accountId: account } = await createAccount(first);
      const user = await createUser(first, account, uniqueEmail('restart'));
      await givePassword(first, user.userId, GOOD_PASSWORD);
      await first.flushMail();
      await smtp.down();
      await first.http.post('/api/v2/account/recover').send({ email: user.email }).expect(200);
      await first.flushMail();
      await first.close({ keepDatabase: true });
      first = undefined;
      await smtp.up();
      expect(received(user.email, isRecovery)).toHaveLength(0);

      second = await startTestApp({ kind, smtpUrl: smtp.url, database });
      second.clock.advanceMinutes(10);
      await second.flushMail();
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(user.email) && isRecovery(m));
      await second.flushMail();
      expect(received(user.email, isRecovery)).toHaveLength(1);
      const res = await second.http.post('/api/v2/account/reset/').send({ validation_code: extractCode(mail), password: NEW_PASSWORD }).expect(200);
      expect(res.body.token.access_token).toEqual(expect.any(String));
    } finally {
      await first?.close({ keepDatabase: true });
      await second?.close();
      await database.drop();
    }
  });

  it('a reset request accepted but not yet resolved when an instance stops is resolved by the next one at start: the code arrives once and works', async () => {
    let first: TestApp | undefined = await startTestApp({ kind, smtpUrl: smtp.url });
    let second: TestApp | undefined;
    const database = first.database;
    try {
      const { accountId: account } = await createAccount(first);
      const user = await createUser(first, account, uniqueEmail('pending'));
      await givePassword(first, user.userId, GOOD_PASSWORD);
      await first.flushMail();
      // What the D5 request path commits, left as an instance that stops at once would leave it.
      await sql(first, 'INSERT INTO recovery_requests (dialect, sealed_address, client, created_at) VALUES ($1, $2, $3, $4)', [
        'D5', first.app.get(SecretKeys).seal(user.email.toLowerCase()), '10.1.1.1', first.clock.nowMs(),
      ]);
      await first.close({ keepDatabase: true });
      first = undefined;
      expect(received(user.email, isResetCode)).toHaveLength(0);

      second = await startTestApp({ kind, smtpUrl: smtp.url, database });
      const mail = await smtp.waitFor((m) => m.envelopeTo.includes(user.email) && isResetCode(m)); // no flush: the start resolves it
      await second.flushMail();
      expect(received(user.email, isResetCode)).toHaveLength(1);
      expect(await sql(second, 'SELECT * FROM recovery_requests')).toHaveLength(0);
      await second.http.post('/v1/auth/password-reset/reset').send({ code: extractCode(mail), new_password: NEW_PASSWORD }).expect(200);
      expect(await hasPassword(second, user.userId, NEW_PASSWORD)).toBe(true);
    } finally {
      await first?.close({ keepDatabase: true });
      await second?.close();
      await database.drop();
    }
  });
});
