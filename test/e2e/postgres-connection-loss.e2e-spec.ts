import type { Response } from 'supertest';
import { UnitOfWork } from '../../src/ground/database/unit-of-work';
import { OneTimeTokensService } from '../../src/core/tokens/one-time-tokens.service';
import { PrivatePostgres } from '../support/private-postgres';
import { describeUnless, SKIP_REASON } from '../support/skips';
import { createAccount, createUser, givePassword, GOOD_PASSWORD, randomClientIp } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 18 §5, SECURITY.md H3: PostgreSQL ending every session while requests are in flight
 * (`pg_ctl stop -m fast`, as an operator's restart or a failover does) must answer 503 in each route's
 * envelope, never 500. Sessions end between two statements of a transaction as well as under one, so
 * TypeORM's own errors (a query runner released by the connection's error event:
 * QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError) and the driver's
 * (57P01, "Connection terminated unexpectedly", ECONNREFUSED while the server is down) all reach the
 * filter. Runs on a private server (initdb + pg_ctl on a free port): stopping it touches nobody else.
 */
const CLIENTS = 8;
/** The stop comes once the clients have had this many answers (two rounds each), or after LOAD_WAIT_MS at most. */
const ANSWERS_BEFORE_STOP = 2 * CLIENTS;
/** Bounds the wait for the load on a loaded machine; the load is there when `before` exceeds CLIENTS. */
const LOAD_WAIT_MS = 30_000;
const LOAD_AFTER_STOP_MS = 2500;
const NEW_PASSWORDS = ['Fresh-Harbor-73!', 'Quiet-Meadow-58!'];

/** A private server needs only the binaries, not the shared PostgreSQL (TEST_DATABASE_URL). */
const skip = PrivatePostgres.findBinaries() ? null : SKIP_REASON.postgresBinaries;

interface LoadUser {
  userId: string;
  email: string;
  /** The user's current password (each successful reset changes it). */
  password: string;
}

interface Answer {
  route: 'login' | 'd5';
  res: Response;
}

describeUnless(skip, 'PostgreSQL drops every connection under load (issue 18 §5, H3)', () => {
  let pg: PrivatePostgres;
  let t: TestApp;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const errorLines: Array<{ msg?: string }> = [];

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    pg = await PrivatePostgres.start();
    t = await startTestApp({
      database: { kind: 'postgres', url: pg.url, drop: async () => undefined },
      env: { TRUST_PROXY: 'true', DATABASE_CONNECT_TIMEOUT_MS: '1000', LOG_LEVEL: 'error' },
      logDestination: { write: (line: string) => void errorLines.push(JSON.parse(line)) },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    pg?.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  /** A fresh D5 code for the user, issued straight into the database (no mail); null while the database is down. */
  async function issueCode(userId: string): Promise<string | null> {
    try {
      return await t.app.get(UnitOfWork).run((em) =>
        t.app.get(OneTimeTokensService).issue(em, { purpose: 'reset_code', userId, ttlMs: 15 * 60_000, secret: { length: 6, alphabet: '0123456789' } }),
      );
    } catch {
      return null;
    }
  }

  /** One client: logs in, resets its password with a fresh code, logs in with the new one, … until `until()` says stop. */
  async function client(user: LoadUser, until: () => boolean, answers: Answer[]): Promise<void> {
    const ip = randomClientIp();
    for (let round = 0; !until(); round++) {
      const login = await t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: user.email, password: user.password }).timeout(15_000);
      answers.push({ route: 'login', res: login });
      const code = (await issueCode(user.userId)) ?? 'x00000';
      const next = NEW_PASSWORDS[round % 2];
      const reset = await t.http.post('/v1/auth/password-reset/reset').set('X-Forwarded-For', ip).send({ code, new_password: next }).timeout(15_000);
      answers.push({ route: 'd5', res: reset });
      if (reset.status === 200) user.password = next;
      if (reset.status === 503 || login.status === 503) await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('H3 a fast shutdown under 8 clients of logins and D5 resets answers 503 in each envelope, never 500; after a restart the same requests succeed', async () => {
    const { accountId } = await createAccount(t);
    const users: LoadUser[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const u = await createUser(t, accountId);
      await givePassword(t, u.userId, GOOD_PASSWORD);
      users.push({ ...u, password: GOOD_PASSWORD });
    }

    const answers: Answer[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const load = Promise.all(users.map((u) => client(u, () => Date.now() >= stopAt, answers)));
    // The stop waits for the load to be there (answers arriving), not for a fixed time a busy machine may not fill.
    for (const deadline = Date.now() + LOAD_WAIT_MS; answers.length < ANSWERS_BEFORE_STOP && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    const before = answers.length;
    pg.shutDown('fast');
    stopAt = Date.now() + LOAD_AFTER_STOP_MS;
    await load;

    const statuses = answers.map((a) => a.res.status);
    const summary = Object.entries(statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {}));
    // The load reached the server before the stop, and the stop was felt.
    expect(before).toBeGreaterThan(CLIENTS);
    expect(statuses).toContain(503);
    const failures = answers.filter((a) => a.res.status >= 500 && a.res.status !== 503);
    expect({ summary, failures: failures.map((f) => ({ route: f.route, status: f.res.status, body: f.res.body })) }).toEqual({ summary, failures: [] });
    for (const a of answers.filter((x) => x.res.status === 503)) {
      if (a.route === 'login') expect(a.res.body).toMatchObject({ statusCode: 503, code: 'STORAGE_UNAVAILABLE' });
      else expect(a.res.body).toEqual({ error: 'service unavailable' });
      expect(a.res.text).not.toMatch(/QueryRunner|TypeORM|pg|postgres|stack|terminat/i);
    }
    // The filter logs each 503 with its cause; none was logged as an internal error.
    expect(errorLines.filter((l) => /^INTERNAL /.test(l.msg ?? ''))).toEqual([]);

    pg.launch();
    const deadline = Date.now() + 10_000;
    let ready = await t.http.get('/health');
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await t.http.get('/health');
    }
    expect(ready.status).toBe(200);
    const after: Answer[] = [];
    const until = Date.now() + 500;
    await Promise.all(users.map((u) => client(u, () => Date.now() >= until, after)));
    const recovered = after.filter((a) => a.res.status === 200);
    expect(recovered.length).toBeGreaterThan(0);
    expect(after.filter((a) => a.res.status >= 500)).toEqual([]);
    expect(unhandled).toEqual([]);
  }, 90_000);
});
