import { AuditTrail } from '../../src/ground/common/audit-trail';
import { KnownLoginNetworks } from '../../src/features/auth/known-login-networks.service';
import { LOGIN_KNOWN_NETWORK_FAILURES, LOGIN_TARGET_FAILURES_PER_MINUTE, LOGIN_TARGET_FAILURES_PER_WINDOW, loginTargetSecret } from '../../src/features/auth/login-limits';
import { SecretKeys } from '../../src/ground/common/secrets';
import { LoginKnownNetworks1764330000000 } from '../../src/ground/database/migrations/1764330000000-login-known-networks';
import { normalizeEmail } from '../../src/core/entities/email';
import { describeEachDatabase } from './support/databases';
import { createAccount, createUser, givePassword, GOOD_PASSWORD, randomClientIp, sql, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const WRONG = 'Wrong-Lantern-99';
const TOO_MANY = { statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED', message: 'Too many requests; try again later.' };

describeEachDatabase('login from a known network while the target is paused (README "Abuse budgets")', (kind) => {
  let t: TestApp;
  let accountId: string;

  // TRUST_PROXY: each request may come from its own address (X-Forwarded-For), like a botnet.
  withAppAndSmtp(kind, async (app) => {
    t = app;
    ({ accountId } = await createAccount(t));
  }, { env: { TRUST_PROXY: 'true' } });
  beforeEach(async () => {
    await sql(t, 'DELETE FROM attempt_counters');
  });
  afterEach(() => jest.restoreAllMocks());

  const login = (email: string, password: string, ip = randomClientIp()) => t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  const targetRef = (email: string) => t.app.get(SecretKeys).lookupHash(loginTargetSecret(normalizeEmail(email)));
  const knownRows = async (email: string) =>
    Number((await sql<{ n: string | number }>(t, 'SELECT COUNT(*) AS n FROM login_known_networks WHERE target_ref = $1', [targetRef(email)]))[0].n);

  async function member(): Promise<{ userId: string; email: string }> {
    const user = await createUser(t, accountId, uniqueEmail('known'));
    await givePassword(t, user.userId, GOOD_PASSWORD);
    return user;
  }

  /** The tester's attack: 20 wrong passwords from 20 addresses over 4 minutes; the target ends paused. */
  async function pause(email: string): Promise<void> {
    for (let minute = 0; minute < LOGIN_TARGET_FAILURES_PER_WINDOW / LOGIN_TARGET_FAILURES_PER_MINUTE; minute++) {
      for (let i = 0; i < LOGIN_TARGET_FAILURES_PER_MINUTE; i++) await login(email, WRONG).expect(401);
      t.clock.advance(61_000);
    }
    const paused = await login(email, WRONG).expect(429, TOO_MANY);
    expect(Number(paused.headers['retry-after'])).toBeGreaterThan(60);
  }

  it('B7/J6 the owner logs in from the network they used before while an attacker keeps the target paused; a never-seen address still gets 429 with Retry-After', async () => {
    const { email } = await member();
    const home = randomClientIp();
    await login(email, GOOD_PASSWORD, home).expect(200);
    await pause(email);
    const stranger = await login(email, GOOD_PASSWORD).expect(429, TOO_MANY);
    expect(Number(stranger.headers['retry-after'])).toBeGreaterThan(60);
    expect(Number(stranger.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    await login(email, GOOD_PASSWORD, home).expect(200);
    // As before, the correct password cleared the target's counts: anyone may try again.
    await login(email, WRONG).expect(401);
  });

  it('also while the target is only slowed (per-minute budget spent), the known network still logs in', async () => {
    const { email } = await member();
    const home = randomClientIp();
    await login(email, GOOD_PASSWORD, home).expect(200);
    for (let i = 0; i < LOGIN_TARGET_FAILURES_PER_MINUTE; i++) await login(email, WRONG).expect(401);
    await login(email, GOOD_PASSWORD).expect(429, TOO_MANY);
    await login(email, GOOD_PASSWORD, home).expect(200);
  });

  it('B7 an attacker on the known network gets at most 5 failures per 15 minutes while the target is paused, then 429 (bounded); login.limited says known_network', async () => {
    const { email } = await member();
    const home = randomClientIp();
    await login(email, GOOD_PASSWORD, home).expect(200);
    await pause(email);
    const record = jest.spyOn(t.app.get(AuditTrail), 'record');
    for (let i = 0; i < LOGIN_KNOWN_NETWORK_FAILURES; i++) await login(email, WRONG, home).expect(401);
    const refused = await login(email, WRONG, home).expect(429, TOO_MANY);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    await login(email, GOOD_PASSWORD, home).expect(429, TOO_MANY);
    // A parallel burst cannot overshoot either.
    const burst = await Promise.all(Array.from({ length: 10 }, () => login(email, WRONG, home)));
    expect(burst.every((r) => r.status === 429)).toBe(true);
    const limited = record.mock.calls.map(([, e]) => e).filter((e) => e.type === 'login.limited');
    expect(limited.map((e) => e.details)).toEqual([expect.objectContaining({ budget: 'target', max: LOGIN_KNOWN_NETWORK_FAILURES, known_network: true })]);
    expect(JSON.stringify(limited)).not.toContain(email.split('@')[0]);
    // Never for good: after the window the owner logs in.
    t.clock.advanceMinutes(16);
    await login(email, GOOD_PASSWORD, home).expect(200);
  });

  it('login.limited says known_network: false for a paused target refused elsewhere', async () => {
    const { email } = await member();
    const record = jest.spyOn(t.app.get(AuditTrail), 'record');
    await pause(email);
    await login(email, GOOD_PASSWORD).expect(429, TOO_MANY);
    const limited = record.mock.calls.map(([, e]) => e).filter((e) => e.type === 'login.limited');
    expect(limited.map((e) => e.details)).toEqual([expect.objectContaining({ budget: 'target', max: LOGIN_TARGET_FAILURES_PER_WINDOW, known_network: false })]);
  });

  it('C3 an unknown email is paused the same way and no network is ever known for it, even one known for another target', async () => {
    const { email } = await member();
    const home = randomClientIp();
    await login(email, GOOD_PASSWORD, home).expect(200);
    const unknown = uniqueEmail('nobody');
    await pause(unknown);
    expect(await knownRows(unknown)).toBe(0);
    const res = await login(unknown, WRONG, home).expect(429, TOO_MANY);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(60);
    await login(unknown, GOOD_PASSWORD, home).expect(429, TOO_MANY);
    expect(await knownRows(unknown)).toBe(0);
    expect(await knownRows(email)).toBe(1);
  });

  it('a network is known for 90 days after the last successful login, then forgotten (and removed from the table)', async () => {
    const { email } = await member();
    const home = randomClientIp();
    await login(email, GOOD_PASSWORD, home).expect(200);
    t.clock.advanceDays(89);
    await pause(email);
    await login(email, GOOD_PASSWORD, home).expect(200); // renews the network
    t.clock.advanceDays(89);
    expect(await knownRows(email)).toBe(1);
    await t.app.get(KnownLoginNetworks).removeExpired();
    expect(await knownRows(email)).toBe(1);
    t.clock.advanceDays(2);
    await pause(email);
    const res = await login(email, GOOD_PASSWORD, home).expect(429, TOO_MANY);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(60);
    await t.app.get(KnownLoginNetworks).removeExpired();
    expect(await knownRows(email)).toBe(0);
  });
});

describeEachDatabase('login_known_networks migration', (kind) => {
  let t: TestApp;
  withAppAndSmtp(kind, (app) => {
    t = app;
  });

  it('down() drops the table and up() brings it back with its primary key (target_ref, network_ref) and expiry index', async () => {
    const runner = t.dataSource.createQueryRunner();
    try {
      await new LoginKnownNetworks1764330000000().down(runner);
      expect(await runner.hasTable('login_known_networks')).toBe(false);
      await new LoginKnownNetworks1764330000000().up(runner);
      const table = await runner.getTable('login_known_networks');
      expect(table?.primaryColumns.map((c) => c.name).sort()).toEqual(['network_ref', 'target_ref']);
      expect(table?.indices.map((i) => i.name)).toEqual(['idx_login_known_networks_last_success_at']);
      // A later migration (1764360000000-key-ring) widens the refs for their key id prefix: redo it on the recreated table.
      if (kind === 'postgres') {
        for (const column of ['target_ref', 'network_ref']) await runner.query(`ALTER TABLE "login_known_networks" ALTER COLUMN "${column}" TYPE varchar(128)`);
      }
    } finally {
      await runner.release();
    }
    // The upsert works on the recreated table: the same pair twice stays one row.
    const email = uniqueEmail('again');
    const { accountId } = await createAccount(t);
    const user = await createUser(t, accountId, email);
    await givePassword(t, user.userId, GOOD_PASSWORD);
    await t.http.post('/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
    await t.http.post('/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
    expect(await sql(t, 'SELECT target_ref FROM login_known_networks')).toHaveLength(1);
  });
});
