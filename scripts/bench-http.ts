/**
 * Prints what the built service answers per second and how fast, over real HTTP on loopback:
 * it starts `node dist/start.js` on a fresh SQLite file (BCRYPT_COST 10 unless set), creates a user
 * with a password through D3, then runs each scenario at a fixed concurrency.
 *   npm run build && npm run bench:http          (BENCH_REQUESTS, BENCH_CONCURRENCY, BCRYPT_COST)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PORT = 3917;
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef0123456789';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const COST = process.env.BCRYPT_COST ?? '10';

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(BASE + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function waitForHealth(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${BASE}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the service did not become healthy');
}

/** Runs `n` requests, `concurrency` at a time; prints throughput and latency percentiles. */
async function scenario(name: string, expected: number, request: (i: number) => Promise<{ status: number }>): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  let unexpected = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) {
      const i = next++;
      const t0 = performance.now();
      const { status } = await request(i);
      latencies.push(performance.now() - t0);
      if (status !== expected) unexpected++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  console.log(
    `${name.padEnd(44)} ${(REQUESTS / seconds).toFixed(1).padStart(7)} req/s   p50 ${pct(0.5).padStart(6)} ms   p95 ${pct(0.95).padStart(6)} ms` +
      (unexpected ? `   (${unexpected} not ${expected})` : ''),
  );
}

/**
 * SECURITY.md C2: known and unknown addresses, alternating, one at a time and 40 ms apart (so that
 * background work of one request does not land in the next): the request's own latency must not tell
 * them apart.
 */
async function pacedRecoveryTiming(accountId: string, admin: Record<string, string>): Promise<void> {
  const n = 150;
  for (let i = 0; i < n; i++) await call('POST', `/accounts/${accountId}/users`, { email: `paced${i}@bench.example` }, admin);
  const samples: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
  for (let i = 0; i < n; i++) {
    for (const which of ['known', 'unknown'] as const) {
      await new Promise((r) => setTimeout(r, 40));
      const email = which === 'known' ? `paced${i}@bench.example` : `paced-ghost${i}@bench.example`;
      const t0 = performance.now();
      await call('POST', '/v1/auth/password-reset/request', { email }, { 'X-Forwarded-For': `10.3.${i}.${which === 'known' ? 1 : 2}` });
      samples[which].push(performance.now() - t0);
    }
  }
  for (const which of ['known', 'unknown'] as const) {
    const a = samples[which].sort((x, y) => x - y);
    const q = (p: number) => a[Math.floor(p * a.length)].toFixed(2);
    console.log(`D5 request, ${which.padEnd(7)} address, paced (${n}): p25 ${q(0.25)} ms   p50 ${q(0.5)} ms   p75 ${q(0.75)} ms`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pls-bench-'));
  const env = {
    ...process.env, PORT: String(PORT), DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, ADMIN_API_KEY: ADMIN_KEY, BCRYPT_COST: COST,
    LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000', TRUST_PROXY: 'true', JWT_SECRET: 'bench-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sAq',
  };
  const service: ChildProcess = spawn(process.execPath, ['dist/start.js'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitForHealth();
    const admin = { 'X-Api-Key': ADMIN_KEY };
    const account = await call('POST', '/accounts', { name: 'Bench', owner: { email: 'owner@bench.example' } }, admin);
    const accountId = account.json.data.account_id as string;
    const user = await call('POST', `/accounts/${accountId}/users`, { email: 'ada@bench.example' }, admin);
    const userId = user.json.data.user_id as string;
    const password = 'Correct-Horse-Battery-9';
    if ((await call('POST', `/v1/password/${userId}`, { password: { value: password } }, admin)).status !== 200) throw new Error('D3 create failed');
    const users = await Promise.all(Array.from({ length: REQUESTS }, async (_, i) => {
      const created = await call('POST', `/accounts/${accountId}/users`, { email: `u${i}@bench.example` }, admin);
      return created.json.data.user_id as string;
    }));

    console.log(`bcrypt cost ${COST}, ${REQUESTS} requests per scenario, ${CONCURRENCY} at a time, SQLite, one process`);
    await scenario('GET /health', 200, () => call('GET', '/health'));
    await scenario('POST /auth/login (right password)', 200, () => call('POST', '/auth/login', { email: 'ada@bench.example', password }));
    await scenario('POST /auth/login (unknown email: dummy compare)', 401, () => call('POST', '/auth/login', { email: 'nobody@bench.example', password }));
    await scenario('POST /v1/password/{id} (D3 create: policy+hash)', 200, (i) => call('POST', `/v1/password/${users[i]}`, { password: { value: `${password}-${i}` } }, admin));
    // Each request from its own client address, so the per-client recovery limits (20 per 15 min) stay out of the way.
    const client = (i: number) => ({ 'X-Forwarded-For': `10.0.${i >> 8}.${i & 255}` });
    await scenario('POST /v1/auth/password-reset/request (known)', 200, (i) => call('POST', '/v1/auth/password-reset/request', { email: `u${i}@bench.example` }, client(i)));
    await scenario('POST /v1/auth/password-reset/request (unknown)', 200, (i) => call('POST', '/v1/auth/password-reset/request', { email: `ghost${i}@bench.example` }, client(i + 1000)));
    await pacedRecoveryTiming(accountId, admin);
  } finally {
    service.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
