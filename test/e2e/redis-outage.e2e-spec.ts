import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { ThrottlerStorage } from '@nestjs/throttler';
import { freePort, RedisTestServer } from '../support/redis-test-server';
import type { SmtpTestServer } from '../support/smtp-test-server';
import { extractCode } from '../support/smtp-test-server';
import { DATABASE_KINDS, DatabaseKind, databaseSkip, describeEachDatabase } from './support/databases';
import { describeUnless, redisServerSkip } from '../support/skips';
import { createAccount, createUser, GOOD_PASSWORD, latestInvitationToken, latestMail, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/**
 * Collects the apps' JSON log lines (the logDestination of startTestApp). One for the whole file:
 * nestjs-pino keeps the first app's logger for lines written outside a request, as the store's are.
 */
class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  private from = 0;
  write(line: string): void {
    for (const part of line.split('\n')) if (part.trim()) this.lines.push(JSON.parse(part));
  }
  /** Only lines written from now on count (each suite's app starts after this). */
  mark(): void {
    this.from = this.lines.length;
  }
  /** Lines of the rate-limit store (context RateLimit) at `level` (pino: 30 info, 40 warn) since mark(). */
  rateLimit(level: number): string[] {
    return this.lines.slice(this.from).filter((l) => l.context === 'RateLimit' && l.level === level).map((l) => String(l.msg));
  }
}
const logs = new LogCapture();

const LIMIT = 5;

/** An unauthenticated, side-effect-free route: 401 until the client's budget is spent, then 429. */
const probe = (t: TestApp) => t.http.get('/users/me');
async function probeStatuses(t: TestApp, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await probe(t)).status);
  return out;
}

async function waitFor(condition: () => Promise<boolean>, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The sample of issue 8 (§3): with Redis down, login, D1 and D5 answer their normal 4xx/2xx, never
 * 500. `redisUrl` names a Redis that is not there.
 */
async function rateLimitedFlowsStillAnswer(t: TestApp, smtp: SmtpTestServer): Promise<void> {
  const { accountId } = await createAccount(t);
  const { email } = await createUser(t, accountId, uniqueEmail('redis-down'));
  const token = await latestInvitationToken(t, smtp, email);

  // D1
  await t.http.post('/accounts/set-password').send({ token: 'not-a-token', password: GOOD_PASSWORD }).expect(400);
  await t.http.post('/accounts/set-password').send({ token, password: GOOD_PASSWORD }).expect(200);
  // login
  await t.http.post('/auth/login').send({ email, password: 'Wrong-Password-1' }).expect(401);
  const login = await t.http.post('/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
  expect(login.body.token.access_token).toEqual(expect.any(String));
  // D5
  const since = smtp.messages.length;
  await t.http.post('/v1/auth/password-reset/request').send({ email }).expect(200);
  const code = extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Your password reset code', since));
  await t.http.post('/v1/auth/password-reset/reset').send({ code: 'x0000', new_password: 'Fresh-Harbor-73' }).expect(400);
  await t.http.post('/v1/auth/password-reset/reset').send({ code, new_password: 'Fresh-Harbor-73' }).expect(200, { message: 'password reset successfully', email });
}

describeEachDatabase('Redis outage: REDIS_URL names a closed port (needs no Redis)', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  let closedPort = 0;
  beforeAll(async () => {
    closedPort = await freePort();
    logs.mark();
  });
  withAppAndSmtp(kind, (app, server) => void ([t, smtp] = [app, server]), {
    logDestination: logs,
    get env() {
      return { REDIS_URL: `redis://127.0.0.1:${closedPort}`, RATE_LIMIT_PER_MINUTE: String(LIMIT), LOG_LEVEL: 'info' };
    },
  });

  it('C3/J3 (issue 8 sample) login, D1 and D5 answer their normal 4xx/2xx, never 500', async () => {
    await rateLimitedFlowsStillAnswer(t, smtp);
  });

  it('C3/J3 limits are still enforced, from memory: 429 with Retry-After past the limit, and no answer waits on Redis', async () => {
    const started = Date.now();
    expect(await probeStatuses(t, LIMIT + 1)).toEqual([...Array(LIMIT).fill(401), 429]);
    // A request held until Redis connects would never answer here; each of these takes milliseconds.
    // 20 s is generous by far more than ten times, so a busy machine cannot fail it; a hang does.
    expect(Date.now() - started).toBeLessThan(20_000);
    const res = await probe(t).expect(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('logs exactly one warning about it, naming the address but never the URL (which may hold a password)', async () => {
    expect(logs.rateLimit(40)).toHaveLength(1);
    expect(logs.rateLimit(40)[0]).toMatch(/Redis is unreachable.*memory/);
    expect(logs.rateLimit(40)[0]).toContain(`127.0.0.1:${closedPort}`);
    expect(JSON.stringify(logs.lines)).not.toContain('redis://');
  });

  it('readiness stays 200 and says the limits are counted in memory, Redis down', async () => {
    const res = await t.http.get('/health').expect(200);
    expect(res.body.info.rateLimits).toEqual({ status: 'up', store: 'memory', redis: 'down' });
  });
});

// A private redis-server (test/support/redis-test-server.ts), not the shared Redis of TEST_REDIS_URL: these run
// wherever the redis-server binary is, on each database; without it they are registered as skipped, with the reason.
const eachDatabaseWithRedis = (title: string, suite: (kind: DatabaseKind) => void) => {
  for (const kind of DATABASE_KINDS) describeUnless(redisServerSkip() ?? databaseSkip(kind), `${title} [${kind}]`, () => suite(kind));
};

eachDatabaseWithRedis('Redis outage: a Redis of our own stops and starts again', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  let redis: RedisTestServer;
  const prefix = `e2e-outage-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    logs.mark();
  });
  withAppAndSmtp(kind, (app, server) => void ([t, smtp] = [app, server]), {
    logDestination: logs,
    get env() {
      return { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_PER_MINUTE: String(LIMIT), LOG_LEVEL: 'info' };
    },
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** The app's Redis client (the rate-limit store's; private there, reached for these fault checks). */
  const redisClient = () => (t.app.get(ThrottlerStorage) as unknown as { redis: EventEmitter }).redis;
  /** Resolves after `n` reconnect attempts of the app's Redis client (ioredis 'reconnecting': the one before failed). */
  const failedReconnects = (n: number) =>
    new Promise<void>((resolve) => {
      const client = redisClient();
      let seen = 0;
      const onReconnecting = () => {
        if (++seen < n) return;
        client.off('reconnecting', onReconnecting);
        resolve();
      };
      client.on('reconnecting', onReconnecting);
    });
  const storeIs = async (store: string) => (await t.http.get('/health')).body?.info?.rateLimits?.store === store;
  const hitCounters = async () => {
    const keys = (await redis.keys(`${prefix}*`)).filter((k) => k.endsWith(':hits'));
    return Promise.all(keys.map(async (k) => Number(await redis.get(k))));
  };

  it('with Redis up, requests are counted in Redis under REDIS_KEY_PREFIX', async () => {
    await waitFor(() => storeIs('redis'));
    await probeStatuses(t, 3);
    expect(await hitCounters()).toContain(3);
    const res = await t.http.get('/health').expect(200);
    expect(res.body.info.rateLimits).toEqual({ status: 'up', store: 'redis', redis: 'up' });
  });

  it('C3/J3 Redis stops: requests keep answering (never 500), limits are enforced from memory, one warning is logged', async () => {
    await redis.down();
    // the budget in memory starts empty: LIMIT answers, then 429
    expect(await probeStatuses(t, LIMIT + 1)).toEqual([...Array(LIMIT).fill(401), 429]);
    await failedReconnects(3); // reconnect attempts fail meanwhile: still one warning
    expect((await probe(t)).status).toBe(429);
    expect(logs.rateLimit(40)).toHaveLength(1);
    expect(logs.rateLimit(40)[0]).toMatch(/Redis is unreachable.*memory/);
    expect((await t.http.get('/health').expect(200)).body.info.rateLimits).toEqual({ status: 'up', store: 'memory', redis: 'down' });
  });

  it('C3/J3 (issue 8 sample) with Redis stopped, login, D1 and D5 answer their normal 4xx/2xx, never 500', async () => {
    await rateLimitedFlowsStillAnswer(t, smtp);
  });

  it('Redis starts again on the same port: counting goes back to Redis and one line says so', async () => {
    await redis.up();
    await waitFor(() => storeIs('redis'));
    expect(logs.rateLimit(30).filter((m) => /Redis is back/.test(m))).toHaveLength(1);
    // the restarted Redis is empty: a fresh budget, counted there again
    expect(await probeStatuses(t, 2)).toEqual([401, 401]);
    expect(await hitCounters()).toContain(2);
    expect(logs.rateLimit(40)).toHaveLength(1);
  });

  it('a frozen Redis (connection open, no answer): the first request gives up on it after the command timeout, the next ones send it nothing (memory); back to Redis when it answers again', async () => {
    const warningsBefore = logs.rateLimit(40).length;
    // Counted, not timed: the commands sent to the frozen Redis.
    const sent = jest.spyOn(redisClient() as unknown as { plsThrottleIncrement: (...args: unknown[]) => Promise<unknown> }, 'plsThrottleIncrement');
    redis.freeze(true);
    try {
      const started = Date.now();
      const [first] = await probeStatuses(t, 1);
      const toFrozen = sent.mock.calls.length;
      expect(toFrozen).toBeGreaterThan(0); // it was asked, and never answered: the request went on without it
      const rest = await probeStatuses(t, 2);
      expect(sent.mock.calls.length).toBe(toFrozen); // then memory: nothing more waits on the frozen Redis
      expect([first, ...rest].every((s) => s === 401 || s === 429)).toBe(true);
      // A request without the command bound would wait for the thaw (never, here); 10 s is more than ten times
      // what the three take (one 250 ms command timeout), so only a hang fails it, not a busy machine.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(logs.rateLimit(40)).toHaveLength(warningsBefore + 1);
      expect((await t.http.get('/health').expect(200)).body.info.rateLimits).toEqual({ status: 'up', store: 'memory', redis: 'down' });
    } finally {
      redis.freeze(false);
      sent.mockRestore();
    }
    await waitFor(() => storeIs('redis')); // the PING probe finds it answering again
    expect(logs.rateLimit(30).filter((m) => /Redis is back/.test(m))).toHaveLength(2);
  });
});
