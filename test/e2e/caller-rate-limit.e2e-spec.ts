import { AuditTrail } from '../../src/ground/common/audit-trail';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createApiKey, randomClientIp, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const STRONG = 'Pr0vision-Harbor!';

describeEachDatabase('request limits per caller (README "Abuse budgets")', (kind) => {
  let t: TestApp;
  let accountId: string;

  // The shipped per-address default (60 a minute per route) and per-key default (2400 a minute).
  withAppAndSmtp(kind, async (app) => {
    t = app;
    ({ accountId } = await createAccount(t));
  }, { env: { RATE_LIMIT_PER_MINUTE: '60', TRUST_PROXY: 'true' } });
  afterEach(() => jest.restoreAllMocks());

  /** POST /api-keys with an explicit per-key limit; returns the raw key. */
  async function keyWithLimit(scopes: string[], limit?: number): Promise<{ id: string; key: string; body: Record<string, unknown> }> {
    const res = await t.http
      .post('/api-keys')
      .set(admin)
      .set('X-Forwarded-For', randomClientIp())
      .send({ name: 'limited', scopes, ...(limit ? { rate_limit_per_minute: limit } : {}) })
      .expect(201);
    return { id: res.body.id, key: res.body.key, body: res.body };
  }

  it('F6 an integrator provisioning 300 users and their passwords with a valid key from one address gets no 429 (POST /accounts/{id}/users and D3)', async () => {
    const { key } = await createApiKey(t, ['users:write', 'passwords:write']);
    const ip = randomClientIp();
    const created: string[] = [];
    const createStatuses: number[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await t.http.post(`/accounts/${accountId}/users`).set('X-Api-Key', key).set('X-Forwarded-For', ip).send({ email: uniqueEmail('bulk') });
      createStatuses.push(res.status);
      if (res.status === 201) created.push(res.body.data.user_id);
    }
    expect(createStatuses.filter((s) => s !== 201)).toEqual([]);
    const setStatuses: number[] = [];
    for (const userId of created) {
      setStatuses.push((await t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key).set('X-Forwarded-For', ip).send({ password: { value: STRONG } })).status);
    }
    expect(setStatuses.filter((s) => s !== 200)).toEqual([]);
  }, 120_000);

  it('F6 a key created with rate_limit_per_minute gets 429 past it across routes (an admin route and D3), each in the route\'s envelope with Retry-After', async () => {
    const { id, key, body } = await keyWithLimit(['users:write', 'passwords:write'], 3);
    expect(body.rate_limit_per_minute).toBe(3);
    const listed = await t.http.get('/api-keys').set(admin).set('X-Forwarded-For', randomClientIp()).expect(200);
    expect(listed.body.data.find((k: { id: string }) => k.id === id).rate_limit_per_minute).toBe(3);
    for (let i = 0; i < 3; i++) await t.http.post(`/accounts/${accountId}/users`).set('X-Api-Key', key).send({ email: uniqueEmail('lim') }).expect(201);
    // The budget is the key's, across routes and addresses.
    const d3 = await t.http.post('/v1/password/00000000-0000-4000-8000-000000000000').set('X-Api-Key', key).set('X-Forwarded-For', randomClientIp()).send({ password: { value: STRONG } });
    expect(d3.status).toBe(429);
    expect(d3.body).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) }); // D3's envelope
    expect(Number(d3.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(d3.headers['retry-after'])).toBeLessThanOrEqual(60);
    const admin429 = await t.http.post(`/accounts/${accountId}/users`).set('X-Api-Key', key).send({ email: uniqueEmail('lim') }).expect(429);
    expect(admin429.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' }); // the admin routes' envelope
    expect(Number(admin429.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a second key from the same address has a budget of its own', async () => {
    const a = await keyWithLimit(['users:write'], 2);
    const b = await keyWithLimit(['users:write'], 2);
    const ip = randomClientIp();
    const send = (key: string) => t.http.post(`/accounts/${accountId}/users`).set('X-Api-Key', key).set('X-Forwarded-For', ip).send({ email: uniqueEmail('two') });
    expect([(await send(a.key)).status, (await send(a.key)).status, (await send(a.key)).status]).toEqual([201, 201, 429]);
    expect([(await send(b.key)).status, (await send(b.key)).status]).toEqual([201, 201]);
  });

  it('G8 requests with no key or an unknown key stay limited per address and route (60 a minute), and spend no key\'s budget', async () => {
    const { key } = await keyWithLimit(['users:write'], 5);
    const ip = randomClientIp();
    const statuses: number[] = [];
    // Unknown keys and no key in turn: one budget, the address's on this route.
    for (let i = 0; i < 61; i++) {
      const req = t.http.get('/api-keys').set('X-Forwarded-For', ip);
      statuses.push((await (i % 2 ? req : req.set('X-Api-Key', `pls_wrong${i}`))).status);
    }
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(401));
    expect(statuses[60]).toBe(429);
    await t.http.get('/api-keys').set('X-Forwarded-For', ip).expect(429);
    await t.http.get('/api-keys').set('X-Forwarded-For', randomClientIp()).expect(401);
    // Per route: the same address on another route is not limited.
    await t.http.get('/users/00000000-0000-4000-8000-000000000000').set('X-Forwarded-For', ip).expect(401);
    // The valid key is not held back by what that address did, and its whole budget (5) is left.
    for (let i = 0; i < 5; i++) {
      await t.http.post(`/accounts/${accountId}/users`).set('X-Api-Key', key).set('X-Forwarded-For', ip).send({ email: uniqueEmail('ok') }).expect(201);
    }
  });

  it('a revoked key is limited per address again', async () => {
    const { id, key } = await keyWithLimit(['users:write'], 1000);
    await t.http.delete(`/api-keys/${id}`).set(admin).set('X-Forwarded-For', randomClientIp()).expect(204);
    const ip = randomClientIp();
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) statuses.push((await t.http.get(`/users/00000000-0000-4000-8000-000000000000`).set('X-Api-Key', key).set('X-Forwarded-For', ip)).status);
    expect(statuses.slice(0, 60)).toEqual(Array(60).fill(401));
    expect(statuses[60]).toBe(429);
  });

  it('I2 records one rate_limit.hit per key and window (with the key id, never the key)', async () => {
    const record = jest.spyOn(t.app.get(AuditTrail), 'record');
    const { id, key } = await keyWithLimit(['users:write'], 1);
    for (let i = 0; i < 5; i++) await t.http.get('/users/00000000-0000-4000-8000-000000000000').set('X-Api-Key', key);
    const hits = record.mock.calls.map(([, e]) => e).filter((e) => e.type === 'rate_limit.hit');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ actor: { kind: 'api_key', id }, outcome: 'limited', details: { tracker: 'api_key', limit: 1 } });
    expect(JSON.stringify(hits)).not.toContain(key);
  });

  it('refuses a rate_limit_per_minute that is not a positive integer', async () => {
    for (const bad of [0, -1, 1.5, '10', 2_000_000]) {
      await t.http.post('/api-keys').set(admin).set('X-Forwarded-For', randomClientIp()).send({ name: 'bad', scopes: ['users:write'], rate_limit_per_minute: bad }).expect(400);
    }
  });
});
