import { AuditTrail } from '../../src/ground/common/audit-trail';
import { PasswordHasher } from '../../src/core/password/password-hasher';
import {
  LOGIN_CLIENT_FAILURES, LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT, LOGIN_GLOBAL_FAILURES, LOGIN_TARGET_FAILURES_PER_MINUTE, LOGIN_TARGET_FAILURES_PER_WINDOW, LOGIN_WINDOW_MS,
} from '../../src/features/auth/login-limits';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { createAccount, createUser, givePassword, GOOD_PASSWORD, latestMail, randomClientIp, sql, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const WRONG = 'Wrong-Lantern-99';
const TOO_MANY = { statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED', message: 'Too many requests; try again later.' };

describeEachDatabase('login budgets (README "Abuse budgets")', (kind) => {
  let t: TestApp;
  let accountId: string;
  let smtp: SmtpTestServer;

  // TRUST_PROXY: each request may come from its own address (X-Forwarded-For), like a botnet.
  withAppAndSmtp(kind, async (app, server) => {
    [t, smtp] = [app, server];
    ({ accountId } = await createAccount(t));
  }, { env: { TRUST_PROXY: 'true' } });
  beforeEach(async () => {
    await sql(t, 'DELETE FROM attempt_counters');
  });
  afterEach(() => jest.restoreAllMocks());

  const login = (email: string, password: string, ip = randomClientIp()) => t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });

  async function member(): Promise<{ userId: string; email: string }> {
    const user = await createUser(t, accountId, uniqueEmail('login'));
    await givePassword(t, user.userId, GOOD_PASSWORD);
    return user;
  }

  async function statuses(n: number, email: string, password: string, ip?: string): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await login(email, password, ip)).status);
    return out;
  }

  it('many correct logins at once from one address, of several users, all succeed and leave every budget as it was (no deadlock between reservations and refunds)', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => member()));
    const ip = randomClientIp();
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => login(users[i % users.length].email, GOOD_PASSWORD, ip)));
      expect(results.map((r) => r.status)).toEqual(Array(24).fill(200));
    }
    const counts = await sql(t, `SELECT "key", "count" FROM attempt_counters WHERE "count" > 0`);
    expect(counts).toEqual([]);
  });

  it('B7/J6 105 wrong passwords from 105 addresses, then the right one: 429 with Retry-After, not 200 (the target is counted, not the address)', async () => {
    const { email } = await member();
    const results = await statuses(105, email, WRONG);
    expect(results.slice(0, LOGIN_TARGET_FAILURES_PER_MINUTE)).toEqual(Array(LOGIN_TARGET_FAILURES_PER_MINUTE).fill(401));
    expect(results.slice(LOGIN_TARGET_FAILURES_PER_MINUTE)).toEqual(Array(105 - LOGIN_TARGET_FAILURES_PER_MINUTE).fill(429));
    const res = await login(email, GOOD_PASSWORD).expect(429);
    expect(res.body).toEqual(TOO_MANY);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('slows the target to 5 failures a minute, then pauses it after 20 in 15 minutes; never for good: after the window the right password logs in', async () => {
    const { email } = await member();
    for (let minute = 0; minute < LOGIN_TARGET_FAILURES_PER_WINDOW / LOGIN_TARGET_FAILURES_PER_MINUTE; minute++) {
      expect(await statuses(LOGIN_TARGET_FAILURES_PER_MINUTE, email, WRONG)).toEqual(Array(LOGIN_TARGET_FAILURES_PER_MINUTE).fill(401));
      await login(email, WRONG).expect(429);
      t.clock.advance(61_000);
    }
    const paused = await login(email, GOOD_PASSWORD).expect(429);
    expect(Number(paused.headers['retry-after'])).toBeGreaterThan(60);
    expect(Number(paused.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    t.clock.advanceMinutes(2);
    await login(email, GOOD_PASSWORD).expect(429);
    t.clock.advanceMinutes(15);
    await login(email, GOOD_PASSWORD).expect(200);
  });

  it('J5/D5 a paused target is not locked out: a D5 reset clears its failed logins and the new password logs in at once', async () => {
    const { email } = await member();
    for (let minute = 0; minute < LOGIN_TARGET_FAILURES_PER_WINDOW / LOGIN_TARGET_FAILURES_PER_MINUTE; minute++) {
      await statuses(LOGIN_TARGET_FAILURES_PER_MINUTE, email, WRONG);
      t.clock.advance(61_000);
    }
    await login(email, GOOD_PASSWORD).expect(429);
    const home = randomClientIp();
    const since = smtp.messages.length;
    await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', home).send({ email }).expect(200);
    const code = extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Your password reset code', since));
    await t.http.post('/v1/auth/password-reset/reset').set('X-Forwarded-For', home).send({ code, new_password: 'Fresh-Harbor-73' }).expect(200);
    await login(email, 'Fresh-Harbor-73', home).expect(200);
  });

  it('C3 counts an unknown email exactly like a known one (no enumeration through the limit)', async () => {
    const { email: known } = await member();
    const unknown = uniqueEmail('nobody');
    expect(await statuses(LOGIN_TARGET_FAILURES_PER_MINUTE, unknown, WRONG)).toEqual(Array(LOGIN_TARGET_FAILURES_PER_MINUTE).fill(401));
    await login(unknown, WRONG).expect(429, TOO_MANY);
    // The target is the normalized email: case and NFKC variants share one budget.
    await login(unknown.toUpperCase(), WRONG).expect(429, TOO_MANY);
    // The same guesses at a known email, with time standing still for both: every answer (status, body,
    // Retry-After) is the one the unknown email got.
    const answers = async (email: string) => {
      const out: Array<[number, unknown, string | undefined]> = [];
      for (const target of [...Array(LOGIN_TARGET_FAILURES_PER_MINUTE + 1).fill(email), email.toUpperCase()]) {
        const res = await login(target, WRONG);
        out.push([res.status, res.body, res.headers['retry-after']]);
      }
      return out;
    };
    const [ofKnown, ofUnknown] = await t.clock.frozen(async () => [await answers(known), await answers(uniqueEmail('nobody'))]);
    expect(ofUnknown).toEqual(ofKnown);
    expect(ofKnown.map(([status]) => status)).toEqual([...Array(LOGIN_TARGET_FAILURES_PER_MINUTE).fill(401), 429, 429]);
  });

  it('a burst of 20 parallel wrong passwords at one email gets exactly 5 checked (counted before the check)', async () => {
    const { email } = await member();
    const hasher = t.app.get(PasswordHasher);
    const checks = [jest.spyOn(hasher, 'verify'), jest.spyOn(hasher, 'verifyAgainstDummy')];
    const results = await Promise.all(Array.from({ length: 20 }, () => login(email, WRONG)));
    expect(results.filter((r) => r.status === 401)).toHaveLength(LOGIN_TARGET_FAILURES_PER_MINUTE);
    expect(results.filter((r) => r.status === 429)).toHaveLength(20 - LOGIN_TARGET_FAILURES_PER_MINUTE);
    // The refused 15 never reached the hasher: 5 password checks in all.
    expect(checks.reduce((n, spy) => n + spy.mock.calls.length, 0)).toBe(LOGIN_TARGET_FAILURES_PER_MINUTE);
  });

  it('only failures spend a budget: 30 correct logins in a row succeed, and a correct one clears the target\'s failures (D5)', async () => {
    const { email } = await member();
    const ip = randomClientIp();
    expect(await statuses(30, email, GOOD_PASSWORD, ip)).toEqual(Array(30).fill(200));
    expect(await statuses(LOGIN_TARGET_FAILURES_PER_MINUTE - 1, email, WRONG, ip)).toEqual(Array(LOGIN_TARGET_FAILURES_PER_MINUTE - 1).fill(401));
    await login(email, GOOD_PASSWORD, ip).expect(200);
    expect(await statuses(LOGIN_TARGET_FAILURES_PER_MINUTE, email, WRONG, ip)).toEqual(Array(LOGIN_TARGET_FAILURES_PER_MINUTE).fill(401));
  });

  it('B7 one client gets 50 failures per 15 minutes across emails, then 429 even with a right password; other clients are unaffected', async () => {
    const { email } = await member();
    const attacker = randomClientIp();
    for (let i = 0; i < LOGIN_CLIENT_FAILURES; i++) await login(uniqueEmail('spray'), WRONG, attacker).expect(401);
    await login(uniqueEmail('spray'), WRONG, attacker).expect(429, TOO_MANY);
    await login(email, GOOD_PASSWORD, attacker).expect(429, TOO_MANY);
    await login(email, GOOD_PASSWORD).expect(200);
    // Per 15 minutes: once the window ends, the client is checked again.
    t.clock.advance(LOGIN_WINDOW_MS);
    await login(email, GOOD_PASSWORD, attacker).expect(200);
  });

  it('J6 when the overall budget is spent nobody is blocked: each client gets 5 more failures, and correct passwords still log in', async () => {
    const { email } = await member();
    await sql(t, 'INSERT INTO attempt_counters (key, count, window_started_at) VALUES ($1, $2, $3)', ['login:fail:global', LOGIN_GLOBAL_FAILURES, t.clock.nowMs()]);
    const attacker = randomClientIp();
    const results = await Promise.all(Array.from({ length: 12 }, () => login(uniqueEmail('flood'), WRONG, attacker)));
    expect(results.filter((r) => r.status === 401)).toHaveLength(LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT);
    expect(results.filter((r) => r.status === 429)).toHaveLength(12 - LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT);
    // Each client: a second one gets its own 5, not what is left of the first one's.
    const other = randomClientIp();
    const second = await Promise.all(Array.from({ length: 12 }, () => login(uniqueEmail('flood'), WRONG, other)));
    expect(second.filter((r) => r.status === 401)).toHaveLength(LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT);
    expect(second.filter((r) => r.status === 429)).toHaveLength(12 - LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT);
    await login(email, GOOD_PASSWORD, attacker).expect(429, TOO_MANY);
    await login(email, GOOD_PASSWORD).expect(200);
    for (let i = 0; i < 10; i++) await login(email, GOOD_PASSWORD).expect(200);
  });

  it('I2 records login.failed with the user id and client address but never the email or password, and one login.limited per window', async () => {
    const { userId, email } = await member();
    const record = jest.spyOn(t.app.get(AuditTrail), 'record');
    const ip = randomClientIp();
    await statuses(LOGIN_TARGET_FAILURES_PER_MINUTE, email, WRONG, ip);
    await statuses(3, email, WRONG, ip);
    const unknown = uniqueEmail('nobody');
    await login(unknown, WRONG, ip).expect(401);
    const events = record.mock.calls.map(([, e]) => e);
    const failed = events.filter((e) => e.type === 'login.failed');
    expect(failed).toHaveLength(LOGIN_TARGET_FAILURES_PER_MINUTE + 1);
    expect(failed[0]).toMatchObject({ userId, actor: { kind: 'anonymous' }, clientIp: ip, outcome: 'failure' });
    expect(failed[LOGIN_TARGET_FAILURES_PER_MINUTE]).toMatchObject({ userId: null, clientIp: ip });
    expect(events.filter((e) => e.type === 'login.limited')).toHaveLength(1);
    const text = JSON.stringify(events);
    expect(text).not.toContain(email.split('@')[0]);
    expect(text).not.toContain(unknown.split('@')[0]);
    expect(text).not.toContain(WRONG);
    // The next minute is a new window of the target's per-minute budget: its refusals are reported once more.
    t.clock.advance(61_000);
    expect(await statuses(LOGIN_TARGET_FAILURES_PER_MINUTE, email, WRONG, ip)).toEqual(Array(LOGIN_TARGET_FAILURES_PER_MINUTE).fill(401));
    expect(await statuses(3, email, WRONG, ip)).toEqual([429, 429, 429]);
    const limited = record.mock.calls.map(([, e]) => e).filter((e) => e.type === 'login.limited');
    expect(limited).toHaveLength(2);
    expect(limited.map((e) => e.details)).toEqual([0, 1].map(() => expect.objectContaining({ budget: 'target', max: LOGIN_TARGET_FAILURES_PER_MINUTE, window_seconds: 60 })));
  });
});
