import { CLIENT_TIMEOUT_MARGIN_MS } from '../../src/ground/database/data-source-options';
import { PasswordPolicyService } from '../../src/core/password/password-policy.service';
import { currentRequestContext } from '../../src/ground/common/request-context';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { PrivatePostgres } from '../support/private-postgres';
import { describeUnless, SKIP_REASON } from '../support/skips';
import { createAccount, createApiKey, createUser, givePassword, GOOD_PASSWORD, latestMail, setPasswordWithInvitation, uniqueEmail } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 8 §3, SECURITY.md H3: a frozen PostgreSQL (SIGSTOP: connections stay open, nothing answers)
 * must become a prompt 503 in each dialect's envelope, never a hang, and the service must recover by
 * itself once the server answers again. Runs on a private server of its own (initdb + pg_ctl on a free
 * port) so freezing it touches nobody else.
 */
const TIMEOUT_MS = 1500;
/** What "within a few seconds" means here: the timeout plus its margin, the 1 s connect bound, and slack for a busy machine. */
const BOUND_MS = 6000;

/** A private server needs only the binaries, not the shared PostgreSQL (TEST_DATABASE_URL). */
const skip = PrivatePostgres.findBinaries() ? null : SKIP_REASON.postgresBinaries;

describeUnless(skip, 'PostgreSQL frozen (issue 8 §3, H3)', () => {
  let pg: PrivatePostgres;
  let smtp: SmtpTestServer;
  let t: TestApp;
  const logs: Array<{ level: number; msg?: string }> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  let d3Key: string;
  let d3UserId: string;
  let loginEmail: string;
  let d5Code: string;
  let d5Email: string;
  let accountId: string;

  const d3 = () => t.http.post(`/v1/password/${d3UserId}`).set('X-Api-Key', d3Key).send({ password: { value: 'Correct-Horse-9!' } }).timeout(BOUND_MS + 4000);
  const d5 = () => t.http.post('/v1/auth/password-reset/reset').send({ code: d5Code, new_password: 'Fresh-Lantern-77!' }).timeout(BOUND_MS + 4000);
  const login = () => t.http.post('/auth/login').send({ email: loginEmail, password: GOOD_PASSWORD }).timeout(BOUND_MS + 4000);
  const health = () => t.http.get('/health').timeout(BOUND_MS + 4000);
  const timed = async <T>(request: PromiseLike<T>): Promise<{ res: T; ms: number }> => {
    const started = Date.now();
    const res = await request;
    return { res, ms: Date.now() - started };
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    pg = await PrivatePostgres.start();
    smtp = await SmtpTestServer.start();
    t = await startTestApp({
      database: { kind: 'postgres', url: pg.url, drop: async () => undefined },
      smtpUrl: smtp.url,
      env: {
        DATABASE_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_POOL_MAX: '3',
        LOG_LEVEL: 'warn',
      },
      logDestination: { write: (line: string) => void logs.push(JSON.parse(line)) },
    });
    let ownerEmail: string;
    ({ accountId, ownerEmail } = await createAccount(t, { policy: { minLength: 8, maxLength: 30, historySize: 5 } }));
    await setPasswordWithInvitation(t, smtp, ownerEmail);
    loginEmail = ownerEmail;
    ({ userId: d3UserId } = await createUser(t, accountId));
    ({ key: d3Key } = await createApiKey(t, ['passwords:write']));
    d5Email = uniqueEmail('d5');
    await createUser(t, accountId, d5Email);
    await setPasswordWithInvitation(t, smtp, d5Email);
    await t.http.post('/v1/auth/password-reset/request').send({ email: d5Email }).expect(200);
    d5Code = extractCode(await latestMail(t, smtp, d5Email, (m) => m.subject === 'Your password reset code'));
    // Every connection of the pool is open and idle before the freeze, as in a running service.
    await Promise.all([login().expect(200), health().expect(200), health().expect(200)]);
  }, 60_000);

  afterAll(async () => {
    pg?.thaw();
    await t?.close();
    await smtp?.stop();
    pg?.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  it('H3 while frozen: D3, D5 and login answer 503 in their own envelopes within seconds, more requests than the pool holds included; /health is not ready', async () => {
    pg.freeze();
    try {
      const [d3Res, d5Res, loginRes, healthRes, ...crowd] = await Promise.all([
        timed(d3()), timed(d5()), timed(login()), timed(health()),
        // twice the pool: these wait for a connection and must give up on their own (pool acquisition bound)
        ...Array.from({ length: 6 }, () => timed(d3())),
      ]);
      expect(d3Res.res.status).toBe(503);
      expect(d3Res.res.body).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
      expect(d5Res.res.status).toBe(503);
      expect(d5Res.res.body).toEqual({ error: 'service unavailable' });
      expect(loginRes.res.status).toBe(503);
      expect(loginRes.res.body).toMatchObject({ statusCode: 503, code: 'STORAGE_UNAVAILABLE' });
      expect(healthRes.res.status).toBe(503);
      expect(healthRes.res.body).toMatchObject({ statusCode: 503, code: 'STORAGE_UNAVAILABLE' });
      for (const r of [d3Res, d5Res, loginRes, healthRes, ...crowd]) expect(r.ms).toBeLessThan(BOUND_MS);
      for (const r of crowd) expect(r.res.status).toBe(503);
      for (const r of [d3Res, d5Res, loginRes, ...crowd]) expect(r.res.text).not.toMatch(/timeout|pg|postgres|stack|Query/i);

      // Still frozen, a second wave: connections that timed out were thrown away, new ones cannot be
      // opened (connect bound), nothing piles up behind the first wave.
      const again = await timed(d3());
      expect(again.res.status).toBe(503);
      expect(again.ms).toBeLessThan(BOUND_MS);
    } finally {
      pg.thaw();
    }
  });

  it('H3 once the server answers again, the same requests succeed within seconds without a restart', async () => {
    const deadline = Date.now() + BOUND_MS;
    // readiness first: the first request after the thaw may still meet a connection being thrown away
    let ready = await health();
    while (ready.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await health();
    }
    expect(ready.status).toBe(200);

    const d3Res = await d3();
    expect(d3Res.status).toBe(200);
    expect(d3Res.body.passwordInfo.buyerId).toBe(d3UserId);
    const d5Res = await d5();
    expect(d5Res.status).toBe(200);
    expect(d5Res.body).toEqual({ message: 'password reset successfully', email: d5Email });
    await login().expect(200);
  });

  it('background work survives the freeze: the outbox worker logged its failure, kept polling and delivers again; no unhandled rejection', async () => {
    // The D5 reset above queued a "password changed" mail; the worker sends it (kicked, or on its own poll).
    const since = smtp.messages.length;
    await t.http.post('/v1/auth/password-reset/request').send({ email: d5Email }).expect(200);
    await smtp.waitFor((m) => smtp.messages.indexOf(m) >= since && m.to.includes(d5Email));
    expect(logs.some((l) => l.level >= 40 && /outbox pass failed/.test(l.msg ?? ''))).toBe(true);
    expect(unhandled).toEqual([]);
  });

  it('H3 a statement the server runs too long is cancelled by its statement_timeout: 503 within seconds, nothing written, the same request works once it is fast again', async () => {
    const { userId } = await createUser(t, accountId);
    await t.dataSource.query(`CREATE FUNCTION slow_credentials() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$`);
    await t.dataSource.query('CREATE TRIGGER slow_credentials BEFORE INSERT ON credentials FOR EACH ROW EXECUTE FUNCTION slow_credentials()');
    try {
      const slow = await timed(t.http.post(`/v1/password/${userId}`).set('X-Api-Key', d3Key).send({ password: { value: 'Correct-Horse-9!' } }).timeout(BOUND_MS + 4000));
      expect(slow.res.status).toBe(503);
      expect(slow.res.body).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
      expect(slow.ms).toBeLessThan(BOUND_MS);
    } finally {
      await t.dataSource.query('DROP TRIGGER slow_credentials ON credentials');
      await t.dataSource.query('DROP FUNCTION slow_credentials()');
    }
    expect(await t.dataSource.query('SELECT 1 FROM credentials WHERE user_id = $1', [userId])).toEqual([]);
    await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', d3Key).send({ password: { value: 'Correct-Horse-9!' } }).expect(200);
  });
});

/**
 * Issue 18 §5: with a frozen server two logins waited 8.6–8.7 s for their 503 where the docs promise
 * about 5.5 s. The cause: a login whose budget places were taken just before the freeze met it on its
 * next query (5 s statement timeout + 0.5 s margin), then, on its way out, gave the places back in a new
 * transaction, which waited again for a connection (3 s): 8.5 s. After a storage failure a request now
 * makes no further query (the places lapse with their lease), so the answer comes one bound after the
 * freeze. The connect bound is set well above the statement bound here, so a second wait of either
 * kind (an idle frozen connection, or a new one) cannot hide inside the slack.
 */
describeUnless(skip, 'PostgreSQL frozen under a request in flight (issue 18 §5, H3)', () => {
  const STATEMENT_MS = 1500;
  /** The client's own timeout: the statement bound plus CLIENT_TIMEOUT_MARGIN_MS. */
  const CLIENT_TIMEOUT_MS = STATEMENT_MS + CLIENT_TIMEOUT_MARGIN_MS;
  /**
   * The answer must come before any second wait could have ended: another client timeout (2 s) or the connect
   * bound (4 s) after the first. What proves "no second wait" is the count below (one connection taken and one
   * statement sent after the freeze); the bound leaves a busy machine ~1.9 s of slack.
   */
  const SECOND_WAIT_BOUND_MS = 2 * CLIENT_TIMEOUT_MS - 100;
  let pg: PrivatePostgres;
  let t: TestApp;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    t = await startTestApp({
      database: { kind: 'postgres', url: pg.url, drop: async () => undefined },
      env: { DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS), DATABASE_CONNECT_TIMEOUT_MS: '4000', DATABASE_POOL_MAX: '3', LOG_LEVEL: 'silent' },
    });
  }, 60_000);

  afterAll(async () => {
    pg?.thaw();
    await t?.close();
    pg?.stop();
  });

  it('H3 a login whose next query meets the freeze answers 503 within one statement bound of the freeze, not after a second wait', async () => {
    const { accountId, ownerEmail } = await createAccount(t);
    const { userId, email } = await createUser(t, accountId);
    await givePassword(t, userId, GOOD_PASSWORD);
    // Every connection of the pool open and idle, as in a running service.
    await Promise.all([0, 1, 2].map(() => t.http.post('/auth/login').send({ email: ownerEmail, password: 'Not-The-Password-1' })));
    let frozenAt = 0;
    // What the request does after the freeze (in its context: the outbox's polls meanwhile are not counted):
    // connections taken from the pool, statements sent.
    const inRequest = () => frozenAt > 0 && currentRequestContext() !== undefined;
    const pool = (t.dataSource.driver as unknown as { master: { connect: (...a: unknown[]) => unknown } }).master;
    const poolConnect = pool.connect.bind(pool);
    let taken = 0;
    const statements: string[] = [];
    const takeSpy = jest.spyOn(pool, 'connect').mockImplementation((...args: unknown[]) => {
      if (inRequest()) taken++;
      return poolConnect(...args);
    });
    const logger = t.dataSource.logger;
    const logQuery = logger.logQuery.bind(logger);
    const logSpy = jest.spyOn(logger, 'logQuery').mockImplementation((query: string, ...rest: unknown[]) => {
      if (inRequest()) statements.push(query);
      return (logQuery as (...a: unknown[]) => unknown)(query, ...rest);
    });
    const policies = t.app.get(PasswordPolicyService);
    const subject = policies.subject.bind(policies);
    // The login has taken its budget places (one transaction, committed); its next query (the user, its
    // credential and policy) meets the freeze.
    const spy = jest.spyOn(policies, 'subject').mockImplementationOnce(async (where) => {
      pg.freeze();
      frozenAt = Date.now();
      return subject(where);
    });
    try {
      const res = await t.http.post('/auth/login').send({ email, password: GOOD_PASSWORD }).timeout(20_000);
      const waited = Date.now() - frozenAt;
      expect(spy).toHaveBeenCalled();
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503, code: 'STORAGE_UNAVAILABLE' });
      // one wait: the user lookup's, on a connection taken after the freeze; nothing more was tried
      expect(taken).toBe(1);
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/FROM "users"/);
      expect(waited).toBeGreaterThanOrEqual(CLIENT_TIMEOUT_MS - 100);
      expect(waited).toBeLessThan(SECOND_WAIT_BOUND_MS);
    } finally {
      spy.mockRestore();
      takeSpy.mockRestore();
      logSpy.mockRestore();
      pg.thaw();
    }
    // Nothing was counted for the attempt the freeze cut short: once the server answers, the right password logs in.
    const deadline = Date.now() + 10_000;
    let after = await t.http.post('/auth/login').send({ email, password: GOOD_PASSWORD });
    while (after.status === 503 && Date.now() < deadline) after = await t.http.post('/auth/login').send({ email, password: GOOD_PASSWORD });
    expect(after.status).toBe(200);
  }, 60_000);
});
