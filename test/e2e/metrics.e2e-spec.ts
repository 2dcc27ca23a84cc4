import { LOGIN_TARGET_FAILURES_PER_MINUTE } from '../../src/features/auth/login-limits';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createUser, givePassword, GOOD_PASSWORD, uniqueEmail } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-token-4fQ9xL2vB7nR';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** The value of one sample: `name{labels} value`, labels in any order; 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return 0;
}

/** Every label value of the scrape. */
function labelValues(text: string): Array<{ name: string; value: string }> {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#') && l.includes('{'))
    .flatMap((l) => [...l.slice(l.indexOf('{'), l.lastIndexOf('}')).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => ({ name: m[1], value: m[2] })));
}

describeEachDatabase('GET /metrics (Prometheus)', (kind) => {
  describe('open (METRICS_TOKEN unset), SMTP unset', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ kind });
    });
    afterAll(() => t?.close());

    const scrape = async () => {
      const res = await t.http.get('/metrics').expect(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      return res.text;
    };

    it('counts a login by its route template and status, and times the hashes', async () => {
      const before = await scrape();
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId, uniqueEmail('metrics'));
      await givePassword(t, userId, GOOD_PASSWORD);
      await t.http.post('/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
      await t.http.get(`/users/${userId}`).set(admin).expect(200);
      const after = await scrape();
      expect(sample(after, 'http_requests_total', { method: 'POST', route: '/auth/login', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'http_requests_total', { method: 'GET', route: '/users/:id', status: '200' })).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'http_request_duration_seconds_count', { method: 'POST', route: '/auth/login', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
      const verifies = (s: string) => sample(s, 'password_hash_duration_seconds_count', { algorithm: 'bcrypt-sha384', operation: 'verify' });
      const hashes = (s: string) => sample(s, 'password_hash_duration_seconds_count', { algorithm: 'bcrypt-sha384', operation: 'hash' });
      expect(verifies(after)).toBeGreaterThan(verifies(before));
      expect(hashes(after)).toBeGreaterThan(hashes(before));
      expect(after).toMatch(/^password_hash_queue_depth 0$/m);
      // The scrapes themselves are not counted.
      expect(after).not.toContain('route="/metrics"');
    });

    it('labels a route nobody serves "unmatched", never with its path', async () => {
      await t.http.get(`/no/such/route/${'0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'}`).expect(404);
      const text = await scrape();
      expect(sample(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain('/no/such/route');
    });

    it('shows a message the outbox cannot send (SMTP unset) in the backlog and its age', async () => {
      const { accountId } = await createAccount(t); // the owner's invitation stays pending
      await createUser(t, accountId, uniqueEmail('pending'));
      t.clock.advance(90_000);
      const text = await scrape();
      expect(sample(text, 'mail_outbox_backlog')).toBeGreaterThanOrEqual(2);
      expect(sample(text, 'mail_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(90);
      expect(text).toMatch(/^mail_sent_total 0$/m);
      expect(text).toMatch(/^mail_delivery_failures_total\{outcome="retry"\} 0$/m);
    });

    it('counts a login budget refusal (429) in rate_limit_hits_total{budget="login"}', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId, uniqueEmail('limited'));
      await givePassword(t, userId, GOOD_PASSWORD);
      const before = sample(await scrape(), 'rate_limit_hits_total', { budget: 'login' });
      for (let i = 0; i < LOGIN_TARGET_FAILURES_PER_MINUTE; i++) await t.http.post('/auth/login').send({ email, password: 'Wrong-Lantern-99' }).expect(401);
      await t.http.post('/auth/login').send({ email, password: 'Wrong-Lantern-99' }).expect(429);
      const text = await scrape();
      expect(sample(text, 'rate_limit_hits_total', { budget: 'login' })).toBe(before + 1);
      expect(sample(text, 'http_requests_total', { method: 'POST', route: '/auth/login', status: '429' })).toBeGreaterThanOrEqual(1);
    });

    it('reports the database pool on PostgreSQL, nothing on SQLite', async () => {
      const text = await scrape();
      if (kind === 'postgres') {
        expect(sample(text, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
        expect(text).toMatch(/^db_pool_connections\{state="idle"\} \d+$/m);
        expect(text).toMatch(/^db_pool_connections\{state="waiting"\} \d+$/m); // momentarily 1 while this scrape's outbox query takes a connection
      } else {
        expect(text).not.toMatch(/^db_pool_connections\{/m);
      }
    });

    it('never carries an email or a UUID in a label, routes are templates; default process metrics are there', async () => {
      const text = await scrape();
      const labels = labelValues(text);
      expect(labels.length).toBeGreaterThan(10);
      expect(labels.filter((l) => l.value.includes('@'))).toEqual([]);
      expect(labels.filter((l) => UUID.test(l.value))).toEqual([]);
      expect(labels.filter((l) => l.name === 'route' && l.value !== 'unmatched' && !l.value.startsWith('/'))).toEqual([]);
      expect(text).toMatch(/^process_cpu_seconds_total /m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    });

    it('refuses an Authorization header when no token is configured (401 in the service envelope)', async () => {
      const res = await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
    });
  });

  describe('METRICS_TOKEN set; RATE_LIMIT_PER_MINUTE 2', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ kind, env: { METRICS_TOKEN, RATE_LIMIT_PER_MINUTE: '2' } });
    });
    afterAll(() => t?.close());

    it('401 without the token or with a wrong one, in the service envelope; 200 with it', async () => {
      const none = await t.http.get('/metrics').expect(401);
      expect(none.headers['content-type']).toMatch(/^application\/json/);
      expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED' });
      await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
      await t.http.get('/metrics').set('Authorization', METRICS_TOKEN).expect(401);
      await t.http.get('/metrics').set('X-Api-Key', METRICS_TOKEN).expect(401);
      const ok = await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      expect(ok.text).toContain('# TYPE http_requests_total counter');
    });

    it('is not throttled itself, and counts the request limit\'s 429s as budget "requests"', async () => {
      for (let i = 0; i < 5; i++) await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await t.http.post('/auth/login').send({})).status);
      expect(statuses).toEqual([400, 400, 429]);
      const text = (await t.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
      expect(sample(text, 'rate_limit_hits_total', { budget: 'requests' })).toBe(1);
      expect(sample(text, 'http_requests_total', { method: 'POST', route: '/auth/login', status: '429' })).toBe(1);
    });
  });
});
