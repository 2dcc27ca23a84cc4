/**
 * CPU time used by the processes of a scenario, read from Linux's /proc (utime + stime, in clock ticks of
 * 10 ms at the usual USER_HZ = 100): the service (its main thread; its hashing threads, told apart by the
 * nice value HASH_THREAD_NICE gives them; its other threads: V8's GC and compiler helpers), the
 * PostgreSQL backends serving its database, and the bench itself (load generator and SMTP sink). Divided by
 * the requests of the timed part, it says where each request's CPU goes besides its hash, whatever else
 * the machine is doing (throughput alone cannot tell that). Linux only: null elsewhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { BenchDatabase } from './database';

/** Linux's USER_HZ: /proc times are in these ticks on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds used so far by each process (or thread) read. */
export interface CpuSample {
  service: number;
  serviceMain: number;
  /** The main thread's CPU in the kernel (stime): system calls, and what the kernel does in them (loopback TCP delivers to the receiver in the sender's call). */
  serviceMainKernel: number;
  /** Threads with a nice value above 0: libuv's pool, where the service hashes (HASH_THREAD_NICE). */
  serviceHashing: number;
  /** By backend pid: each backend's own total, so backends that appear meanwhile count from zero. */
  backends: Map<number, number> | null;
  bench: number;
}

/** What a scenario used, per request (ms of CPU). */
export interface CpuPerRequest {
  service: number;
  serviceMain: number;
  serviceMainKernel: number;
  serviceHashing: number;
  postgres: number | null;
  bench: number;
}

/** utime + stime of /proc/<path>/stat in ms, and the nice value, or null when it cannot be read (gone, or not Linux). */
function stat(path: string): { ms: number; nice: number; sys: number } | null {
  try {
    const text = readFileSync(`/proc/${path}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14, stime 15, nice 19.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND, nice: Number(fields[16]), sys: (Number(fields[12]) * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

function cpuMs(path: string): number | null {
  return stat(path)?.ms ?? null;
}

/** CPU ms of the process's threads with a nice value above 0 (the reniced hashing threads). */
function hashingMs(pid: number): number {
  let ms = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const t = stat(`${pid}/task/${tid}`);
      if (t && t.nice > 0) ms += t.ms;
    }
  } catch {
    // gone
  }
  return ms;
}

/** The pids of the PostgreSQL backends connected to `db`'s database (the bench's own connection left out). */
async function backendPids(db: BenchDatabase): Promise<number[]> {
  const rows = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  return rows.map((r) => Number(r.pid));
}

export async function sampleCpu(servicePid: number, db: BenchDatabase | null): Promise<CpuSample | null> {
  const service = cpuMs(String(servicePid));
  const main = stat(`${servicePid}/task/${servicePid}`);
  if (service === null || main === null) return null;
  const serviceMain = main.ms;
  let backends: Map<number, number> | null = null;
  if (db?.kind === 'postgres') {
    backends = new Map();
    for (const pid of await backendPids(db)) {
      const ms = cpuMs(String(pid));
      if (ms !== null) backends.set(pid, ms);
    }
  }
  const own = process.cpuUsage();
  return { service, serviceMain, serviceMainKernel: main.sys, serviceHashing: hashingMs(servicePid), backends, bench: (own.user + own.system) / 1000 };
}

/**
 * Runs `timed` (a load whose result counts its completed `requests`) between two samples of `pid` and
 * `db`'s backends: the result, and its CPU per request (null when /proc cannot be read).
 */
export async function withCpu<R extends { requests: number }>(pid: number, db: BenchDatabase | null, timed: () => Promise<R>): Promise<{ result: R; cpu: CpuPerRequest | null }> {
  const before = await sampleCpu(pid, db);
  const result = await timed();
  const after = await sampleCpu(pid, db);
  return { result, cpu: before && after ? perRequest(before, after, result.requests) : null };
}

/**
 * CPU per request between two samples. PostgreSQL: the growth of every backend seen at the end (from zero
 * for one that connected meanwhile); a backend that disconnected during the scenario is not counted.
 */
export function perRequest(before: CpuSample, after: CpuSample, requests: number): CpuPerRequest | null {
  if (requests <= 0) return null;
  let postgres: number | null = null;
  if (before.backends && after.backends) {
    postgres = 0;
    for (const [pid, ms] of after.backends) postgres += ms - (before.backends.get(pid) ?? 0);
  }
  return {
    service: (after.service - before.service) / requests,
    serviceMain: (after.serviceMain - before.serviceMain) / requests,
    serviceMainKernel: (after.serviceMainKernel - before.serviceMainKernel) / requests,
    serviceHashing: (after.serviceHashing - before.serviceHashing) / requests,
    postgres: postgres === null ? null : postgres / requests,
    bench: (after.bench - before.bench) / requests,
  };
}

/**
 * "CPU per request: service 72.3 ms (main thread 9.1, hashing threads 56.0, others 7.2), PostgreSQL 4.9 ms,
 * load generator and sink 2.0 ms;
 * 14.2 ms besides the hash" — the last figure is the sum less `hashCpuMs`, one hash's (or verify's) CPU at
 * the ceiling: what the 95% line has to squeeze.
 */
export function describeCpu(cpu: CpuPerRequest, hashCpuMs: number, server: 'service' | 'peer' = 'service'): string {
  const all = cpu.service + (cpu.postgres ?? 0) + cpu.bench;
  const others = cpu.service - cpu.serviceMain - cpu.serviceHashing;
  // The peer does not renice its hashing threads: they cannot be told from its other threads.
  const threads = server === 'service' ? `main thread ${cpu.serviceMain.toFixed(1)} (in the kernel ${cpu.serviceMainKernel.toFixed(1)}), hashing threads ${cpu.serviceHashing.toFixed(1)}, others ${others.toFixed(1)}` : `main thread ${cpu.serviceMain.toFixed(1)} (in the kernel ${cpu.serviceMainKernel.toFixed(1)})`;
  return `CPU per request: ${server} ${cpu.service.toFixed(1)} ms (${threads})${cpu.postgres === null ? '' : `, PostgreSQL ${cpu.postgres.toFixed(1)} ms`}, load generator and sink ${cpu.bench.toFixed(1)} ms; ${(all - hashCpuMs).toFixed(1)} ms besides the hash`;
}

/** Garbage-collection pauses of the service's main thread, from its Prometheus metrics (prom-client's nodejs_gc_duration_seconds, by kind). */
export type GcTotals = Map<string, { seconds: number; count: number }>;

/** The service's GC totals so far (GET /metrics, open without METRICS_TOKEN), or null when it does not answer them. */
export async function gcTotals(base: string): Promise<GcTotals | null> {
  try {
    const res = await fetch(`${base}/metrics`);
    if (!res.ok) return null;
    const totals: GcTotals = new Map();
    for (const line of (await res.text()).split('\n')) {
      const m = /^nodejs_gc_duration_seconds_(sum|count)\{kind="(\w+)"\} ([\d.e+-]+)$/.exec(line);
      if (!m) continue;
      const kind = totals.get(m[2]) ?? { seconds: 0, count: 0 };
      if (m[1] === 'sum') kind.seconds = Number(m[3]);
      else kind.count = Number(m[3]);
      totals.set(m[2], kind);
    }
    return totals;
  } catch {
    return null;
  }
}

/** "GC pauses 1.2 ms per request (major 0.4 ms: 3 pauses)" between two readings. */
export function describeGc(before: GcTotals | null, after: GcTotals | null, requests: number): string | null {
  if (!before || !after || requests <= 0) return null;
  const delta = (kind: string) => ({
    ms: ((after.get(kind)?.seconds ?? 0) - (before.get(kind)?.seconds ?? 0)) * 1000,
    count: (after.get(kind)?.count ?? 0) - (before.get(kind)?.count ?? 0),
  });
  const all = [...after.keys()].reduce((sum, kind) => sum + delta(kind).ms, 0);
  const major = delta('major');
  return `GC pauses ${(all / requests).toFixed(1)} ms per request (major ${(major.ms / requests).toFixed(1)} ms: ${major.count} pauses)`;
}
