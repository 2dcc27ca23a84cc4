/** HTTP helpers of the bench: one-off calls, a bounded pool, autocannon runs, and the quiet-machine wait. */
import { loadavg } from 'node:os';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');

export interface Reply {
  status: number;
  json: any;
}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** Like call, but throws (naming `what`) unless the status is `expected`. */
export async function must(expected: number, what: string, base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const r = await call(base, method, path, body, headers);
  if (r.status !== expected) throw new Error(`${what}: ${method} ${path} answered ${r.status}, not ${expected}: ${JSON.stringify(r.json).slice(0, 200)}`);
  return r;
}

/** Runs fn over items, `concurrency` at a time, keeping the order of results. */
export async function pool<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

let clientCounter = 0;
/** A client address no other request of the run used (X-Forwarded-For; the service trusts one proxy). */
export function freshClient(): Record<string, string> {
  const n = ++clientCounter;
  return { 'X-Forwarded-For': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
}

export interface CannonRequest {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CannonResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses with another status than expected, plus errors and timeouts. */
  unexpected: number;
  statuses: Record<string, number>;
}

/**
 * One autocannon run against 127.0.0.1: `connections` connections for `seconds` (or `amount`
 * requests), each request made by `next()` just before it is sent; every status is counted.
 */
export function cannon(o: {
  base: string; connections: number; seconds?: number; amount?: number; overallRate?: number; expected: number; next: () => CannonRequest;
}): Promise<CannonResult> {
  const statuses: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    const first = o.next();
    const toRaw = (r: CannonRequest) => ({
      method: r.method,
      path: r.path,
      headers: { 'content-type': 'application/json', ...(r.headers ?? {}) },
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
    });
    const template = {
      ...toRaw(first),
      setupRequest: (req: Record<string, unknown>) => ({ ...req, ...toRaw(o.next()) }),
      onResponse: (status: number) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
      },
    };
    const instance = autocannon({
      url: o.base,
      connections: o.connections,
      ...(o.amount ? { amount: o.amount } : { duration: o.seconds }),
      ...(o.overallRate ? { overallRate: o.overallRate } : {}),
      timeout: 30,
      requests: [template],
      // autocannon shares one request object (and its built buffer) between connections, so each
      // connection's first request would carry the body built last: give each its own copy.
      setupClient: (client: any) => client.requestIterator.setRequests([{ ...template }]),
    }, (err: Error | null, result: any) => {
      if (err) return reject(err);
      const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
      const seconds = result.duration as number;
      const unexpected = requests - (statuses[o.expected] ?? 0) + (result.errors ?? 0) + (result.timeouts ?? 0);
      resolve({ requests, seconds, rps: requests / seconds, p50: result.latency.p50, p99: result.latency.p99, unexpected, statuses });
    });
    instance.on('error', reject);
  });
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the 1-minute load average is below `threshold`, at most `maxWaitS` seconds (0: no
 * wait); returns the load seen when it stopped waiting.
 */
export async function waitQuiet(threshold: number, maxWaitS: number, log: (s: string) => void): Promise<number> {
  const started = Date.now();
  let said = false;
  while (loadavg()[0] >= threshold && Date.now() - started < maxWaitS * 1000) {
    if (!said) log(`  waiting for a quiet machine: load ${loadavg()[0].toFixed(2)} ≥ ${threshold.toFixed(2)} (at most ${maxWaitS} s)`);
    said = true;
    await sleep(1000);
  }
  return loadavg()[0];
}
