import { randomBytes } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';
import { describeUnless, redisSkip } from '../support/skips';

/**
 * A caller without a valid credential: limited per address (and route). Callers with a valid key are
 * limited per key instead (caller-rate-limit.e2e-spec.ts).
 */
const noValidKey = { 'X-Api-Key': 'pls_not-a-key' };

/** Sends n requests one after another (with no valid key) and returns their statuses. */
async function statuses(t: TestApp, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await t.http.get('/api-keys').set(noValidKey).set(headers)).status);
  return out;
}

describe('rate limiting', () => {
  describe('in memory', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
    });
    afterAll(() => t?.close());

    it('answers 429 past the limit per client, in the envelope of the route, with Retry-After', async () => {
      expect(await statuses(t, 5)).toEqual([401, 401, 401, 401, 401]);
      const res = await t.http.get('/api-keys').set(noValidKey).expect(429);
      expect(res.body.code).toBe('RATE_LIMITED');
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    });

    it('G8 does not trust a client-supplied X-Forwarded-For: rotating it does not reset the limit', async () => {
      const res = await t.http.get('/api-keys').set(noValidKey).set('X-Forwarded-For', `198.51.100.${randomBytes(1)[0]}`);
      expect(res.status).toBe(429);
    });

    it('never throttles the health endpoint, even for a client past its limit', async () => {
      expect(await statuses(t, 1)).toEqual([429]); // this client is past its limit
      // More probes than the whole budget, all answered.
      for (let i = 0; i < 6; i++) {
        await t.http.get('/health/live').expect(200);
        await t.http.get('/health').expect(200);
      }
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY: 'true' } });
    });
    afterAll(() => t?.close());

    it('counts each forwarded client address on its own', async () => {
      expect(await statuses(t, 3, { 'X-Forwarded-For': '203.0.113.7' })).toEqual([401, 401, 429]);
      expect(await statuses(t, 1, { 'X-Forwarded-For': '203.0.113.8' })).toEqual([401]);
    });
  });

  const redisUrl = process.env.TEST_REDIS_URL;
  describeUnless(redisSkip(), 'shared through Redis (REDIS_URL)', () => {
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const env = { RATE_LIMIT_PER_MINUTE: '4', REDIS_URL: redisUrl!, REDIS_KEY_PREFIX: `e2e-${randomBytes(6).toString('hex')}:` };
      a = await startTestApp({ env });
      b = await startTestApp({ env });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('two instances share one budget per client', async () => {
      expect([...(await statuses(a, 2)), ...(await statuses(b, 2))]).toEqual([401, 401, 401, 401]);
      expect((await statuses(a, 1))[0]).toBe(429);
      expect((await statuses(b, 1))[0]).toBe(429);
    });
  });
});
