/**
 * `npm run bench` (issue 12): what the built service does per second and how fast, against what the
 * hardware can hash, over real HTTP on 127.0.0.1. Builds nothing: run `npm run build` first.
 *   npm run bench -- [--quick] [--db sqlite|postgres] [--scheme bcrypt|argon2id | --schemes both] [--cost 10]
 *                    [--users 1000,1000000] [--out FILE] [--no-wait] [--profile] …   (--help lists all)
 * Full run ≈ 10–15 min; --quick ≈ 3 min. Writes BENCHMARKS.md (between its bench markers) unless --quick.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { BenchDatabase, postgresDatabase, seedEmail, sqliteDatabase } from './database';
import { call, cannon, CannonRequest, CannonResult, freshClient, must, percentile, pool, sleep, waitQuiet } from './load';
import { machine, Row, table, writeReport } from './report';
import { SmtpSink } from './smtp-sink';
import { ADMIN_KEY, BUNDLE, GOOD, MAIN, NEW_PASSWORD, ROOT, Service, START_NODE_OPTIONS, StartFailed, timeCli } from './service';
import { describePeer, estimatePeerSeconds, runPeer } from './peer/peer';
import { describeCpu, describeGc, gcTotals, withCpu } from './cpu';
import { defaultWorkerPoolSize } from '../../src/ground/config/hash-threads';

// ---------------------------------------------------------------- options

/** The service's hashing threads (libuv's pool): --env UV_THREADPOOL_SIZE, else the service's own default. */
function hashThreads(o: Pick<Options, 'serviceEnv'>): string {
  return o.serviceEnv.UV_THREADPOOL_SIZE ?? String(defaultWorkerPoolSize());
}

interface Options {
  quick: boolean;
  db: 'sqlite' | 'postgres';
  pgUrl: string;
  cost: number;
  schemes: string[];
  users: number[];
  connections: number;
  seconds: number;
  warmup: number;
  ceilingSeconds: number;
  cheapSeconds: number;
  cheapConnections: number;
  saturationSeconds: number;
  cheapRate: number;
  mail: { alone: number; burst: number; after: number };
  scaleSamples: number;
  wait: boolean;
  loadThreshold: number;
  maxWait: number;
  out: string | null;
  profile: boolean;
  /** The Better Auth peer after the service's scenarios (issue 22 item 4); --no-peer skips it. */
  peer: boolean;
  /** `--env K=V` (repeatable): added to the service's environment, and named in the report. */
  serviceEnv: Record<string, string>;
  nodeOptions: string[];
}

const HELP = `npm run bench -- [options]       (run \`npm run build\` first)
  --quick                 short run (≈ 3 min): 4 s per scenario, 10^3 vs 10^5 users, writes nothing unless --out
  --db sqlite|postgres    database (default sqlite, a fresh file in a temp dir)
  --pg-url URL            PostgreSQL server for --db postgres, any database the bench may CREATE DATABASE from
                          (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test); the bench uses bench_<pid>
  --cost N                BCRYPT_COST (default 10)
  --scheme S              PASSWORD_HASH: bcrypt (default) or argon2id
  --schemes both          the hashing scenarios for bcrypt, then argon2id (or a comma list)
  --users A,B             D5 latency with A then B users seeded in bulk (default 1000,1000000; quick 1000,100000; 0 skips)
  --seconds N             timed part of each throughput scenario (default 12; quick 4)
  --connections N         connections of the hashing scenarios (default 8)
  --no-wait               do not wait for a quiet machine before each scenario
  --load-threshold X      quiet = 1-minute load average below X (default 0.5 × cores)
  --max-wait S            longest wait for a quiet machine per scenario (default 60; quick 3)
  --out FILE              where to write the report (default BENCHMARKS.md; quick: nowhere)
  --profile               run the service under node --cpu-prof; prints where the .cpuprofile files went
  --no-peer               skip the peer (a Better Auth server, bcrypt, same database kind; scripts/bench/peer/)
  --env K=V               run the service with this variable too (repeatable; e.g. DATABASE_POOL_MAX=4), named in the report
  --node-option FLAG      run the service's node with this flag after npm start's (repeatable; e.g. --max-semi-space-size=16)`;

function parseOptions(argv: string[]): Options {
  const args = [...argv];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return false;
    args.splice(i, 1);
    return true;
  };
  const value = (name: string) => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    const [a] = args.splice(i, 1);
    if (a.includes('=')) return a.slice(a.indexOf('=') + 1);
    const [v] = args.splice(i, 1);
    if (v === undefined) fail(`${name} needs a value`);
    return v;
  };
  if (flag('--help') || flag('-h')) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = flag('--quick');
  const nodeOptions: string[] = [];
  for (let v = value('--node-option'); v !== undefined; v = value('--node-option')) {
    if (!v.startsWith('--')) fail(`--node-option: a node flag (--name or --name=value), got "${v}"`);
    nodeOptions.push(v);
  }
  const serviceEnv: Record<string, string> = {};
  for (let v = value('--env'); v !== undefined; v = value('--env')) {
    const eq = v.indexOf('=');
    if (eq < 1) fail(`--env: K=V, got "${v}"`);
    serviceEnv[v.slice(0, eq)] = v.slice(eq + 1);
  }
  const cores = availableParallelism();
  const num = (name: string, dflt: number, min = 0) => {
    const v = value(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) fail(`${name}: expected a number ≥ ${min}, got "${v}"`);
    return n;
  };
  const db = value('--db') ?? 'sqlite';
  if (db !== 'sqlite' && db !== 'postgres') fail(`--db: sqlite or postgres, got "${db}"`);
  const schemeArg = value('--schemes') ?? value('--scheme') ?? 'bcrypt';
  const schemes = schemeArg === 'both' ? ['bcrypt', 'argon2id'] : schemeArg.split(',').map((s) => s.trim());
  for (const s of schemes) if (s !== 'bcrypt' && s !== 'argon2id') fail(`--scheme: bcrypt or argon2id, got "${s}"`);
  const usersArg = value('--users');
  const users = (usersArg ?? (quick ? '1000,100000' : '1000,1000000')).split(',').map(Number);
  if (users.some((n) => !Number.isInteger(n) || n < 0)) fail(`--users: N or A,B, got "${usersArg}"`);
  const seconds = num('--seconds', quick ? 4 : 12, 1);
  const options: Options = {
    quick,
    db,
    pgUrl: value('--pg-url') ?? process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    cost: num('--cost', 10, 4),
    schemes,
    // one value: 10^3 against it
    users: users.length === 1 ? (users[0] === 0 ? [] : [1000, users[0]]) : users.slice(0, 2),
    connections: num('--connections', 8, 1),
    seconds,
    warmup: quick ? 1 : 2,
    ceilingSeconds: quick ? 2 : 5,
    cheapSeconds: quick ? 3 : 10,
    cheapConnections: 50,
    saturationSeconds: Math.max(4, seconds),
    cheapRate: 50,
    mail: quick ? { alone: 20, burst: 100, after: 20 } : { alone: 50, burst: 400, after: 50 },
    scaleSamples: quick ? 20 : 100,
    wait: !flag('--no-wait'),
    loadThreshold: num('--load-threshold', 0.5 * cores),
    maxWait: num('--max-wait', quick ? 3 : 60),
    out: value('--out') ?? (quick ? null : join(ROOT, 'BENCHMARKS.md')),
    profile: flag('--profile'),
    peer: !flag('--no-peer'),
    serviceEnv,
    nodeOptions,
  };
  if (args.length > 0) fail(`unknown argument ${args[0]} (--help lists the options)`);
  return options;
}

// ---------------------------------------------------------------- process-wide state and cleanup

const live = new Set<Service>();
const tempDirs: string[] = [];
const databases: BenchDatabase[] = [];
let sink: SmtpSink | null = null;
let cleaning: Promise<void> | null = null;
let interrupted = false;

/**
 * A hash and a verify are the same work (one bcrypt or argon2 run), so their CPU in the ceiling should agree;
 * when it does not, something else had the cores while one of them was measured, and every ratio against
 * that ceiling is off by as much: said in the row, so the run is taken again rather than believed.
 */
function ceilingDoubt(c: { hashCpuMs: number; verifyCpuMs: number }): string {
  const apart = Math.abs(c.hashCpuMs - c.verifyCpuMs) / Math.min(c.hashCpuMs, c.verifyCpuMs);
  return apart > 0.05 ? ` (DOUBTFUL: hash and verify CPU ${(apart * 100).toFixed(0)}% apart, the machine was busy; ratios against this ceiling are off by as much)` : '';
}

function log(s: string): void {
  process.stdout.write(`${s}\n`);
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...live].map((s) => s.stop(5000).catch(() => undefined)));
    await sink?.stop().catch(() => undefined);
    for (const db of databases) await db.drop().catch((e: Error) => process.stderr.write(`bench: could not drop ${db.label}: ${e.message}\n`));
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

// Last resort if the bench dies without cleanup(): no service outlives it.
process.on('exit', () => {
  for (const s of live) if (s.running) s.process.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`bench: interrupted (${signal}); stopping the service and cleaning up\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Refuses, in one line, to measure a dist/ that is missing or older than src/. */
function checkBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  if (!existsSync(MAIN) || !existsSync(BUNDLE)) fail('dist/start.js or dist/bundle/service.js is missing: run `npm run build` first (the bench measures the built service and builds nothing)');
  if (statSync(BUNDLE).mtimeMs < newest(join(ROOT, 'src'))) fail('dist/bundle/service.js is older than src/: run `npm run build` first (the bench measures the built service and builds nothing)');
}

// ---------------------------------------------------------------- the bench

const D1 = '/accounts/set-password';
const D4_REQUEST = '/api/v2/account/recover/';
const D4_RESET = '/api/v2/account/reset/';
const D5_REQUEST = '/v1/auth/password-reset/request';
const D5_RESET = '/v1/auth/password-reset/reset';
const admin = { 'X-Api-Key': ADMIN_KEY };

interface Ceiling {
  library: string;
  singleHashMs: number;
  hashesPerSecond: number;
  verifiesPerSecond: number;
  /** CPU ms (all threads of the ceiling's process) per hash and per verify at the ceiling. */
  hashCpuMs: number;
  verifyCpuMs: number;
  concurrency: number;
}

class Bench {
  readonly rows: Row[] = [];
  readonly cores = availableParallelism();
  readonly runId = process.pid.toString(36);
  readonly profileDir: string | null;
  readonly profiles: string[] = [];
  readonly peaks: Array<{ label: string; mb: number | null }> = [];
  /** Each scheme's ceiling, for the peer's rows (scripts/bench/peer/). */
  readonly ceilings = new Map<string, Ceiling>();
  startupMs: number[] = [];
  /** The first start, which also ran the migrations of a new database (ms). */
  firstStartMs: number | null = null;
  private emailCounter = 0;
  private seedCounter = 1_000_000_000;
  /** The hash the service stored for a login user's password (D3): what seeded users share. */
  private credential: { hash: string; algorithm: string } | null = null;
  readonly tmp: string;

  constructor(readonly o: Options) {
    this.tmp = mkdtempSync(join(tmpdir(), 'pls-bench-'));
    tempDirs.push(this.tmp);
    this.profileDir = o.profile ? mkdtempSync(join(tmpdir(), 'pls-bench-profile-')) : null;
  }

  row(r: Row): void {
    this.rows.push(r);
    const met = r.met === null ? '' : r.met ? '  [met]' : '  [NOT MET]';
    log(`  ${r.scenario}: ${r.measured}${r.target ? `  (target ${r.target})` : ''}${met}${r.unexpected ? `  — ${r.unexpected} unexpected responses` : ''}`);
  }

  /** The database of the service running now: its outbox is watched before each scenario. */
  current: BenchDatabase | null = null;
  /** The service the scenarios run against, for their CPU accounting (scripts/bench/cpu.ts). */
  currentService: Service | null = null;

  /**
   * Before a scenario: the service's queues are empty (mail of the set-up sent, recovery requests
   * resolved, so no backlog competes with the scenario), then the machine is quiet (1-minute load).
   * Returns the load seen.
   */
  async quiet(): Promise<number> {
    if (this.current) {
      const t0 = performance.now();
      for (;;) {
        const [{ n }] = await this.current.query<{ n: string | number }>(
          "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE status = 'pending') + (SELECT COUNT(*) FROM recovery_requests) AS n",
        );
        if (Number(n) === 0) break;
        if (performance.now() - t0 > 180_000) throw new Error(`the service still has ${n} emails or recovery requests queued after 3 min`);
        await sleep(250);
      }
      const waited = performance.now() - t0;
      if (waited > 1000) log(`  waited ${(waited / 1000).toFixed(1)} s for the service to send its queued mail`);
    }
    return this.o.wait ? waitQuiet(this.o.loadThreshold, this.o.maxWait, log) : loadavg()[0];
  }

  email(prefix: string): string {
    return `${prefix}${++this.emailCounter}.${this.runId}@bench.example`;
  }

  async database(name: string): Promise<BenchDatabase> {
    const db = this.o.db === 'postgres' ? await postgresDatabase(this.o.pgUrl, `bench_${process.pid}_${name}`) : sqliteDatabase(this.tmp, name);
    databases.push(db);
    return db;
  }

  async start(db: BenchDatabase, scheme: string, label: string): Promise<{ service: Service; ms: number }> {
    const t0 = performance.now();
    const service = await Service.start({ databaseUrl: db.url, smtpUrl: sink!.url, cwd: this.tmp, cost: this.o.cost, scheme, profileDir: this.profileDir ?? undefined, extraEnv: this.o.serviceEnv, extraNodeOptions: this.o.nodeOptions }, live);
    if (this.profileDir) this.profiles.push(`${label}: pid ${service.pid}`);
    const ms = await service.waitHealthy(t0);
    return { service, ms };
  }

  async stop(service: Service, label: string): Promise<void> {
    this.peaks.push({ label, mb: service.peakRssMb() });
    await service.stop();
    live.delete(service);
    if (this.profileDir && service.exitCode !== 0) log(`  warning: the service (${label}) exited with ${service.exitCode ?? service.exitSignal}; its CPU profile may be missing`);
  }

  async ceiling(scheme: string): Promise<Ceiling> {
    const runs = this.o.quick ? 3 : 8;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'ceiling.ts'), scheme, String(this.o.cost), String(this.o.ceilingSeconds), String(this.cores * 2), String(runs)], {
      // The pool the service hashes on (its default, or --env UV_THREADPOOL_SIZE): the ceiling is what that pool can hash.
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), UV_THREADPOOL_SIZE: hashThreads(this.o) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (err += b));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    if (code !== 0) throw new Error(`the ${scheme} ceiling child failed (${code}): ${err.trim().split('\n').pop()}`);
    return JSON.parse(out.trim().split('\n').pop()!) as Ceiling;
  }

  // ------------------------------------------------------------ data through the admin API

  async account(base: string, name: string, policy?: Record<string, unknown>): Promise<string> {
    const r = await must(201, `create account ${name}`, base, 'POST', '/accounts', { name, owner: { email: this.email('owner') }, ...(policy ? { passwordPolicy: policy } : {}) }, admin);
    return r.json.data.account_id as string;
  }

  /** `n` users of the account, through POST /accounts/{id}/users (each gets an invitation), with a D3 password unless `password` is null. */
  async users(base: string, accountId: string, n: number, prefix: string, password: string | null = GOOD): Promise<Array<{ id: string; email: string }>> {
    const users = await pool(Array.from({ length: n }, () => this.email(prefix)), 8, async (email) => {
      const r = await must(201, 'create user', base, 'POST', `/accounts/${accountId}/users`, { email }, admin);
      return { id: r.json.data.user_id as string, email };
    });
    if (password !== null) await pool(users, this.o.connections, (u) => must(200, 'D3 set password', base, 'POST', `/v1/password/${u.id}`, { password: { value: password } }, admin));
    return users;
  }

  /**
   * `n` users of the account with a password, inserted straight into the service's database (one
   * statement, sharing the hash D3 stored for a login user). The admin API would be the same users,
   * but every one of them costs an invitation and a "password set" email, and the service's outbox
   * sends one email at a time: thousands of them would make the set-up the longest part of the run.
   */
  async seeded(accountId: string, n: number, prefix: string): Promise<string[]> {
    const from = this.seedCounter + 1;
    const to = (this.seedCounter += n);
    const o = { accountId, prefix: `${prefix}${this.runId}-`, domain: 'bench.example' };
    await this.current!.seedUsers(from, to, this.credential!, o);
    return Array.from({ length: n }, (_, k) => seedEmail(from + k, o));
  }

  /** Requests a D4 or D5 code for each email (each from its own client address) and collects it from the sink. */
  async codes(base: string, emails: string[], dialect: 'D4' | 'D5'): Promise<string[]> {
    const [path, kind] = dialect === 'D4' ? [D4_REQUEST, 'd4-recovery' as const] : [D5_REQUEST, 'd5-reset' as const];
    return pool(emails, 8, async (email) => {
      await must(200, `${dialect} code request`, base, 'POST', path, { email }, freshClient());
      return (await sink!.take(email, kind)).code!;
    });
  }

  // ------------------------------------------------------------ scenarios

  /** Warm-up, then the timed part, at `connections`; one row against the ceiling. */
  async throughput(part: string, name: string, base: string, expected: number, next: () => CannonRequest, ceilingRate: number, opCpuMs: number, exhausted: () => number): Promise<CannonResult> {
    log(`${part}: ${name}`);
    const load = await this.quiet();
    const warm = await cannon({ base, connections: this.o.connections, seconds: this.o.warmup, expected, next });
    const timed = () => cannon({ base, connections: this.o.connections, seconds: this.o.seconds, expected, next });
    const timedFrom = performance.now();
    const gcBefore = await gcTotals(base);
    const { result: r, cpu } = this.currentService ? await withCpu(this.currentService.pid, this.current, timed) : { result: await timed(), cpu: null };
    const gc = describeGc(gcBefore, await gcTotals(base), r.requests);
    if (this.profileDir && this.currentService) {
      // Where the timed part lies in the service's CPU profile (seconds after its spawn), to window it.
      const at = (t: number) => ((t - this.currentService!.spawnedAt) / 1000).toFixed(1);
      log(`  profile window of pid ${this.currentService.pid}: ${at(timedFrom)}–${at(performance.now())} s`);
    }
    const ratio = r.rps / ceilingRate;
    const unexpected = warm.unexpected + r.unexpected;
    if (unexpected) log(`  statuses: warm-up ${JSON.stringify(warm.statuses)}, timed ${JSON.stringify(r.statuses)}${exhausted() ? `; ${exhausted()} requests found no unused secret left` : ''}`);
    const short = exhausted() > 0;
    this.row({
      part, scenario: `${name}, ${this.o.connections} connections`, load, unexpected,
      measured: `${r.rps.toFixed(1)} req/s = ${(ratio * 100).toFixed(0)}% of ceiling; p50 ${r.p50} ms, p99 ${r.p99} ms${short ? ` (INVALID: the secrets prepared ran out, ${exhausted()} requests reused one)` : ''}${cpu ? `; ${describeCpu(cpu, opCpuMs)}` : ''}${gc ? `; ${gc}` : ''}`,
      target: `≥ 95% of ceiling (${ceilingRate.toFixed(1)}/s)`, met: short ? null : ratio >= 0.95,
    });
    return r;
  }

  /** One scheme: ceiling, then login, D1, D3 history 5, D4, D5 (and, with `everything`, the once-only parts). */
  async scheme(scheme: string, everything: boolean): Promise<{ db: BenchDatabase } | null> {
    const part = `${scheme}`;
    log(`\n== ${scheme}${scheme === 'bcrypt' ? ` cost ${this.o.cost}` : ''} on ${this.o.db}`);
    const db = await this.database(`main_${scheme.replace(/\W/g, '')}`);
    let service: Service;
    try {
      if (everything) {
        // Start-up: spawn → first 200 on /health. The first start migrates the new database; the next five
        // start on it as it is (issue 22: "on an existing database"), and their median is the measured line.
        const first = await this.start(db, scheme, `${scheme} start 1 (migrates)`);
        this.firstStartMs = first.ms;
        await this.stop(first.service, `${scheme} start 1`);
        for (let k = 2; k <= 6; k++) {
          const started = await this.start(db, scheme, k < 6 ? `${scheme} start ${k}` : `${scheme} main (start 6)`);
          this.startupMs.push(started.ms);
          if (k < 6) await this.stop(started.service, `${scheme} start ${k}`);
          else service = started.service;
        }
      } else {
        service = (await this.start(db, scheme, `${scheme} main`)).service;
      }
    } catch (err) {
      if (err instanceof StartFailed && scheme !== 'bcrypt') {
        this.row({ part, scenario: `PASSWORD_HASH=${scheme}`, measured: `unavailable: the service refused it (exit ${err.code}: ${err.lines})`, target: '', met: null, load: null, unexpected: null });
        return null;
      }
      throw err;
    }
    const base = service!.base;
    const C = this.o.connections;
    this.current = db;
    this.currentService = service!;

    // Login users through D3; their stored hash tells whether the service honoured PASSWORD_HASH.
    const loginAccount = await this.account(base, 'Bench login');
    const loginUsers = await this.users(base, loginAccount, 16, 'login');
    const [stored] = await db.query<{ hash: string; algorithm: string }>('SELECT hash, algorithm FROM credentials WHERE user_id = $1', [loginUsers[0].id]);
    this.credential = { hash: stored.hash, algorithm: stored.algorithm };
    const honoured = scheme === 'argon2id' ? /argon2/i.test(stored.algorithm) : /bcrypt/i.test(stored.algorithm);
    if (!honoured) {
      this.row({ part, scenario: `PASSWORD_HASH=${scheme}`, measured: `unavailable: the service stores "${stored.algorithm}" hashes with it (PASSWORD_HASH ignored)`, target: '', met: null, load: null, unexpected: null });
      await this.stop(service!, `${scheme} main`);
      return null;
    }

    // The ceiling: the same library and cost, all cores busy, in a process of its own.
    log(`${part}: raw ceiling (${this.cores * 2} hashes in flight, ${this.o.ceilingSeconds} s each for hash and verify)`);
    let load = await this.quiet();
    const ceiling = await this.ceiling(scheme);
    this.ceilings.set(scheme, ceiling);
    this.row({
      part, scenario: `ceiling: ${ceiling.library}`, load, unexpected: null, target: '', met: null,
      measured: `${ceiling.hashesPerSecond.toFixed(1)} hashes/s, ${ceiling.verifiesPerSecond.toFixed(1)} verifies/s; one hash alone ${ceiling.singleHashMs.toFixed(1)} ms; CPU per hash ${ceiling.hashCpuMs.toFixed(1)} ms, per verify ${ceiling.verifyCpuMs.toFixed(1)} ms${ceilingDoubt(ceiling)}`,
    });

    // Secrets for every request of the timed parts, fetched before them.
    // autocannon builds (and so consumes) up to two requests per connection and run that it never sends
    // (a quick run on a busy machine sees a noisier ceiling: more spare secrets)
    const need = Math.ceil(ceiling.hashesPerSecond * (this.o.warmup + this.o.seconds) * (this.o.quick ? 1.6 : 1.3)) + 4 * C + 10;
    log(`${part}: preparing ${need} invitations (users through the admin API), ${need} D4 codes and ${need} D5 codes (users inserted in bulk)`);
    const t0 = performance.now();
    const took = (what: string) => log(`  ${what} ready after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const [d1Tokens, historyUser, d4Codes, d5Codes] = await Promise.all([
      (async () => {
        const users = await this.users(base, await this.account(base, 'Bench D1'), need, 'd1-', null);
        const tokens = await pool(users, 16, async (u) => (await sink!.take(u.email, 'invitation')).code!);
        took('D1 invitations');
        return tokens;
      })(),
      (async () => (await this.users(base, await this.account(base, 'Bench D3 history', { historySize: 5 }), 1, 'd3-', null))[0])(),
      (async () => {
        const codes = await this.codes(base, await this.seeded(await this.account(base, 'Bench D4'), need, 'd4-'), 'D4');
        took('D4 codes');
        return codes;
      })(),
      (async () => {
        const codes = await this.codes(base, await this.seeded(await this.account(base, 'Bench D5'), need, 'd5-'), 'D5');
        took('D5 codes');
        return codes;
      })(),
    ]);
    sink!.drop('invitation');
    sink!.drop('notice');
    log(`  prepared in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const post = (path: string, body: unknown, headers?: Record<string, string>): CannonRequest => ({ method: 'POST', path, body, headers });
    const from = <T>(items: T[]) => {
      let i = 0;
      let over = 0;
      return { next: () => (i < items.length ? items[i++] : (over++, items[items.length - 1])), over: () => over };
    };

    let n = 0;
    await this.throughput(part, 'login (one verify)', base, 200, () => post('/auth/login', { email: loginUsers[n++ % loginUsers.length].email, password: GOOD }), ceiling.verifiesPerSecond, ceiling.verifyCpuMs, () => 0);
    const t1 = from(d1Tokens);
    await this.throughput(part, 'D1 set password from an invitation (one hash)', base, 200, () => post(D1, { token: t1.next(), password: GOOD }), ceiling.hashesPerSecond, ceiling.hashCpuMs, t1.over);
    await this.d3History(part, base, historyUser.id, ceiling);
    const t4 = from(d4Codes);
    await this.throughput(part, 'D4 reset with a validation code (one hash)', base, 200, () => post(D4_RESET, { validation_code: t4.next(), password: NEW_PASSWORD }), ceiling.hashesPerSecond, ceiling.hashCpuMs, t4.over);
    const t5 = from(d5Codes);
    await this.throughput(part, 'D5 reset with a reset code (one hash)', base, 200, () => post(D5_RESET, { code: t5.next(), new_password: NEW_PASSWORD }), ceiling.hashesPerSecond, ceiling.hashCpuMs, t5.over);
    sink!.drop('notice');

    if (everything) {
      await this.cheap(base, loginUsers.map((u) => u.email), service!);
      await this.mail(base, ceiling);
    }
    this.current = null;
    this.currentService = null;
    await this.stop(service!, `${scheme} main`);
    return { db };
  }

  /** D3 with a policy of history 5 and five old passwords: 5 verifies + 1 hash per request, one request at a time. */
  async d3History(part: string, base: string, userId: string, ceiling: Ceiling): Promise<void> {
    log(`${part}: D3 create with history 5, one request at a time`);
    const path = `/v1/password/${userId}`;
    const password = (k: number) => `Bench-History-${k}-Aa!`;
    // Five passwords, each removed again: the history holds five hashes, the user none.
    let k = 0;
    for (; k < 5; k++) {
      await must(200, 'D3 history warm-up', base, 'POST', path, { password: { value: password(k) } }, admin);
      await must(204, 'D3 history warm-up', base, 'DELETE', path, undefined, admin);
    }
    const load = await this.quiet();
    const times: number[] = [];
    let unexpected = 0;
    const until = performance.now() + this.o.seconds * 1000;
    while (performance.now() < until || times.length < 5) {
      const t0 = performance.now();
      const r = await call(base, 'POST', path, { password: { value: password(k++) } }, admin);
      times.push(performance.now() - t0);
      if (r.status !== 200) unexpected++;
      if ((await call(base, 'DELETE', path, undefined, admin)).status !== 204) unexpected++;
    }
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const target = (1.2 * 6 * ceiling.singleHashMs) / this.cores;
    this.row({
      part, scenario: 'D3 create, policy history 5 (5 verifies + 1 hash), sequential', load, unexpected,
      measured: `${mean.toFixed(1)} ms/request (p50 ${percentile(times, 0.5).toFixed(1)}, p99 ${percentile(times, 0.99).toFixed(1)}; ${times.length} requests)`,
      target: `≤ 1.2 × 6 × ${ceiling.singleHashMs.toFixed(1)} ms / ${this.cores} cores = ${target.toFixed(1)} ms`, met: mean <= target,
    });
  }

  /** Cheap requests alone at 50 connections, then at a fixed 50 req/s while logins saturate the CPU. */
  async cheap(base: string, loginEmails: string[], service: Service): Promise<void> {
    const part = 'cheap';
    const post = (body: unknown): CannonRequest => ({ method: 'POST', path: D1, body });
    const cases: Array<[string, () => CannonRequest]> = [
      ['D1 validation error (empty body → 400)', () => post({})],
      ['D1 unknown invitation token (→ 400)', () => post({ token: 'bench-no-such-invitation-token-0000', password: GOOD })],
    ];
    for (const [name, next] of cases) {
      log(`${part}: ${name}, alone`);
      const load = await this.quiet();
      const warm = await cannon({ base, connections: this.o.cheapConnections, seconds: 1, expected: 400, next });
      const r = await cannon({ base, connections: this.o.cheapConnections, seconds: this.o.cheapSeconds, expected: 400, next });
      this.row({
        part, scenario: `${name}, alone, ${this.o.cheapConnections} connections`, load, unexpected: warm.unexpected + r.unexpected,
        measured: `${r.rps.toFixed(0)} req/s; p50 ${r.p50} ms, p99 ${r.p99} ms`, target: '≥ 1,000 req/s', met: r.rps >= 1000,
      });
    }
    const afterBurst = service.peakRssMb();
    this.row({ part, scenario: 'service peak RSS after the cheap bursts', measured: afterBurst === null ? 'n/a (no /proc)' : `${afterBurst.toFixed(0)} MB`, target: '', met: null, load: null, unexpected: null });

    log(`${part}: unknown invitation token at ${this.o.cheapRate} req/s while logins saturate the CPU`);
    const load = await this.quiet();
    let n = 0;
    const logins = cannon({
      base, connections: this.o.connections, seconds: this.o.saturationSeconds, expected: 200,
      next: () => ({ method: 'POST', path: '/auth/login', body: { email: loginEmails[n++ % loginEmails.length], password: GOOD } }),
    });
    await sleep(1000);
    const r = await cannon({ base, connections: 5, seconds: this.o.saturationSeconds - 2, overallRate: this.o.cheapRate, expected: 400, next: cases[1][1] });
    const l = await logins;
    this.row({
      part, scenario: `D1 unknown token at ${this.o.cheapRate} req/s under login saturation`, load, unexpected: r.unexpected + l.unexpected,
      measured: `p50 ${r.p50} ms, p99 ${r.p99} ms (${r.rps.toFixed(0)} req/s; logins meanwhile ${l.rps.toFixed(1)} req/s)`, target: 'p99 ≤ 15 ms', met: r.p99 <= 15,
    });
  }

  /** D5 code request → email at the sink: alone, one at a time; then right after a burst of resets. */
  async mail(base: string, ceiling: Ceiling): Promise<void> {
    const part = 'mail';
    const { alone, burst, after } = this.o.mail;
    log(`${part}: preparing ${burst + after} users`);
    const account = await this.account(base, 'Bench mail');
    const spare = 2 * this.o.connections + 2; // requests autocannon builds and never sends
    const users = await this.seeded(account, burst + spare + after, 'mail-');
    const burstUsers = users.slice(0, burst + spare);
    const afterUsers = users.slice(burst + spare);

    log(`${part}: D5 code email, ${alone} requests one at a time`);
    let load = await this.quiet();
    sink!.drop('notice');
    const codes: string[] = [];
    const aloneMs: number[] = [];
    for (const u of burstUsers.slice(0, alone)) {
      const t0 = performance.now();
      await must(200, 'D5 code request', base, 'POST', D5_REQUEST, { email: u }, freshClient());
      const mail = await sink!.take(u, 'd5-reset');
      aloneMs.push(mail.arrivedAt - t0);
      codes.push(mail.code!);
    }
    this.row({
      part, scenario: `D5 code request → email at the sink, alone (${alone})`, load, unexpected: 0,
      measured: `p50 ${percentile(aloneMs, 0.5).toFixed(0)} ms, p99 ${percentile(aloneMs, 0.99).toFixed(0)} ms`, target: 'p99 < 2 s', met: percentile(aloneMs, 0.99) < 2000,
    });
    codes.push(...(await this.codes(base, burstUsers.slice(alone), 'D5')));

    log(`${part}: burst of ${burst} D5 resets (each queues a "password changed" notice), then ${after} code requests`);
    load = await this.quiet();
    let i = 0;
    const r = await cannon({ base, connections: this.o.connections, amount: burst, expected: 200, next: () => ({ method: 'POST', path: D5_RESET, body: { code: codes[i++ % codes.length], new_password: NEW_PASSWORD } }) });
    const afterMs = await Promise.all(afterUsers.map(async (u, k) => {
      await sleep(k * 20);
      const t0 = performance.now();
      await must(200, 'D5 code request', base, 'POST', D5_REQUEST, { email: u }, freshClient());
      return (await sink!.take(u, 'd5-reset')).arrivedAt - t0;
    }));
    this.row({
      part, scenario: `the burst: ${burst} D5 resets, ${this.o.connections} connections`, load, unexpected: r.unexpected,
      measured: `${r.rps.toFixed(1)} req/s (${((r.rps / ceiling.hashesPerSecond) * 100).toFixed(0)}% of ceiling)`, target: '', met: null,
    });
    this.row({
      part, scenario: `D5 code request → email, right after the burst (${after}, 20 ms apart)`, load: null, unexpected: 0,
      measured: `p50 ${percentile(afterMs, 0.5).toFixed(0)} ms, p99 ${percentile(afterMs, 0.99).toFixed(0)} ms`, target: 'p99 < 2 s', met: percentile(afterMs, 0.99) < 2000,
    });
    sink!.drop('notice');
  }

  /** D5 request and reset latency, one at a time, with A then B users in the database (bulk-seeded). */
  async scale(scheme: string, credential: { hash: string; algorithm: string }): Promise<void> {
    const [a, b] = this.o.users;
    const part = 'scale';
    log(`\n== D5 latency with ${a.toLocaleString('en')} vs ${b.toLocaleString('en')} users`);
    const db = await this.database('scale');
    // The first start migrates the empty database; the seeding goes in with the service stopped.
    await this.stop((await this.start(db, scheme, 'scale migrate')).service, 'scale migrate');
    const results: Array<{ users: number; request: number[]; reset: number[] }> = [];
    let seeded = 0;
    for (const users of [a, b]) {
      const t0 = performance.now();
      await db.seedUsers(seeded + 1, users, credential);
      await db.close();
      const seedS = (performance.now() - t0) / 1000;
      this.row({ part, scenario: `seeding users ${(seeded + 1).toLocaleString('en')}..${users.toLocaleString('en')} (bulk INSERT … SELECT, one shared hash)`, measured: `${seedS.toFixed(1)} s`, target: users >= 1e6 ? 'well under 2 min' : '', met: users >= 1e6 ? seedS < 90 : null, load: null, unexpected: null });
      seeded = users;
      const { service } = await this.start(db, scheme, `scale ${users}`);
      this.current = db;
      log(`${part}: ${this.o.scaleSamples} D5 code requests and resets, one at a time, ${users.toLocaleString('en')} users`);
      const load = await this.quiet();
      const picks = new Set<number>();
      while (picks.size < Math.min(users, this.o.scaleSamples + 5)) picks.add(1 + Math.floor(Math.random() * users));
      const request: number[] = [];
      const reset: number[] = [];
      let k = 0;
      for (const i of picks) {
        const email = seedEmail(i);
        let t0 = performance.now();
        await must(200, 'D5 code request', service.base, 'POST', D5_REQUEST, { email }, freshClient());
        const requestMs = performance.now() - t0;
        const { code } = await sink!.take(email, 'd5-reset');
        t0 = performance.now();
        await must(200, 'D5 reset', service.base, 'POST', D5_RESET, { code, new_password: NEW_PASSWORD }, freshClient());
        // the first five warm the caches of a freshly started service
        if (k++ >= 5) {
          request.push(requestMs);
          reset.push(performance.now() - t0);
        }
      }
      sink!.drop('notice');
      this.current = null;
      await db.close();
      await this.stop(service, `scale ${users}`);
      results.push({ users, request, reset });
      this.row({
        part, scenario: `D5 with ${users.toLocaleString('en')} users, one at a time (${request.length})`, load, unexpected: 0, target: '', met: null,
        measured: `code request p50 ${percentile(request, 0.5).toFixed(1)} ms, p99 ${percentile(request, 0.99).toFixed(1)} ms; reset p50 ${percentile(reset, 0.5).toFixed(1)} ms, p99 ${percentile(reset, 0.99).toFixed(1)} ms`,
      });
    }
    const [x, y] = results;
    const resetRatio = percentile(y.reset, 0.5) / percentile(x.reset, 0.5);
    const requestRatio = percentile(y.request, 0.5) / percentile(x.request, 0.5);
    this.row({
      part, scenario: `D5 p50 at ${b.toLocaleString('en')} ÷ at ${a.toLocaleString('en')} users`, load: null, unexpected: null,
      measured: `reset ${resetRatio.toFixed(2)}×; code request ${requestRatio.toFixed(2)}×`, target: 'reset ≤ 1.2×', met: resetRatio <= 1.2,
    });
  }
}

/**
 * A rough duration: the timed parts, plus the mail the service sends one message at a time (~20 a
 * second on loopback): the invitations and codes of the set-up and the notices each set or reset queues.
 */
function estimateSeconds(o: Options): number {
  const cores = availableParallelism();
  const perScheme = o.schemes.reduce((sum, scheme) => {
    const rate = scheme === 'argon2id' ? cores * 25 : cores * 20 * 2 ** (10 - o.cost);
    const need = rate * (o.warmup + o.seconds) * (o.quick ? 1.6 : 1.3);
    return sum + 2 * o.ceilingSeconds + 5 + 4 * (o.warmup + o.seconds) + o.seconds + 15 + (6 * need) / 20;
  }, 0);
  const once = 10 + 2 * (o.cheapSeconds + 1) + o.saturationSeconds + (o.mail.burst + o.mail.after) / 25 + 15;
  const scale = o.users.length ? 15 + o.users[1] / 60_000 + 2 * (o.scaleSamples + 5) * 0.15 : 0;
  return perScheme + once + scale;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  checkBuilt();
  const cores = availableParallelism();
  const est = estimateSeconds(o) + (o.peer ? estimatePeerSeconds(o) : 0);
  const waits = o.wait ? ` plus up to ${o.maxWait} s before each scenario waiting for the 1-minute load to fall below ${o.loadThreshold.toFixed(2)}` : '';
  log(`bench: ${o.quick ? 'quick' : 'full'} run, ${o.db}, ${o.schemes.join(' and ')}, cost ${o.cost}, ${o.seconds} s per scenario; expected duration ≈ ${Math.ceil(est / 60)} min${waits}`);
  sink = await SmtpSink.start();
  const bench = new Bench(o);
  const started = Date.now();
  let scaleScheme: string | null = null;
  let mainDb: BenchDatabase | null = null;
  for (const scheme of o.schemes) {
    const done = await bench.scheme(scheme, scaleScheme === null);
    if (done && scaleScheme === null) {
      scaleScheme = scheme;
      mainDb = done.db;
    }
  }
  if (scaleScheme === null) throw new Error('no password scheme was available');
  const startup = percentile(bench.startupMs, 0.5);
  bench.row({
    part: 'service', scenario: 'start → first healthy GET /health on an existing database, median of 5',
    measured: `${startup.toFixed(0)} ms (${bench.startupMs.map((m) => m.toFixed(0)).join(', ')}; the first start, which migrated the new database: ${bench.firstStartMs?.toFixed(0) ?? '?'} ms)`,
    target: '≤ 0.6 s (issue 22)', met: startup <= 600, load: null, unexpected: null,
  });
  // A CLI command that only reads, on the same database (issue 22: ≤ 1.5 s).
  const cliMs: number[] = [];
  for (let k = 0; k < 5; k++) cliMs.push(await timeCli(['outbox', 'show', '--limit', '5'], mainDb!.url, bench.tmp));
  const cli = percentile(cliMs, 0.5);
  bench.row({
    part: 'service', scenario: 'CLI command that only reads (`npm run cli -- outbox show`), spawn → exit, median of 5',
    measured: `${cli.toFixed(0)} ms (${cliMs.map((m) => m.toFixed(0)).join(', ')})`, target: '≤ 1.5 s (issue 22)', met: cli <= 1500, load: null, unexpected: null,
  });
  if (o.users.length === 2) {
    const [credential] = await mainDb!.query<{ hash: string; algorithm: string }>('SELECT hash, algorithm FROM credentials LIMIT 1');
    await mainDb!.close();
    await bench.scale(scaleScheme, credential);
  }
  const peaks = bench.peaks.filter((p) => p.mb !== null) as Array<{ label: string; mb: number }>;
  const peak = peaks.reduce((m, p) => (Number.isNaN(m.mb) || p.mb > m.mb ? p : m), { label: 'n/a', mb: NaN });
  bench.row({
    part: 'service', scenario: 'peak RSS (VmHWM) over the whole bench', load: null, unexpected: null, target: '≤ 200 MB', met: Number.isNaN(peak.mb) ? null : peak.mb <= 200,
    measured: Number.isNaN(peak.mb) ? 'n/a (no /proc)' : `${peak.mb.toFixed(0)} MB (${peak.label}; ${peaks.filter((p) => /main|scale \d/.test(p.label)).map((p) => `${p.label} ${p.mb.toFixed(0)}`).join(', ')})`,
  });

  // ---- the peer (issue 22 item 4): a Better Auth server under the same scenarios; --no-peer skips it
  if (o.peer) await runPeer(bench);

  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const header = [
    `Generated by \`npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString()} (${minutes} min).`,
    '',
    `- machine: ${machine(cores)}`,
    `- database: ${o.db === 'postgres' ? 'PostgreSQL' : 'SQLite'}; scheme${o.schemes.length > 1 ? 's' : ''}: ${o.schemes.join(', ')}; BCRYPT_COST ${o.cost}; argon2id m=19456 KiB, t=2, p=1`,
    `- ${o.connections} connections per hashing scenario, ${o.warmup} s warm-up + ${o.seconds} s timed; the service runs \`node ${[...START_NODE_OPTIONS, ...o.nodeOptions, 'dist/start.js'].join(' ')}\` (as \`npm start\`) with NODE_ENV=production, LOG_LEVEL=warn, budgets raised, hashing on ${hashThreads(o)} threads (libuv's pool; the ceiling's child on as many)${Object.keys(o.serviceEnv).length ? `, and ${Object.entries(o.serviceEnv).map(([k, v]) => `${k}=${v}`).join(', ')} (--env)` : ''}; load generator (autocannon) and SMTP sink share the machine`,
    `- "load 1m" is the 1-minute load average seen before the scenario started (the bench waits for it to fall below ${o.loadThreshold.toFixed(2)}, at most ${o.maxWait} s)`,
    ...(o.peer ? [describePeer(o)] : []),
  ].join('\n');
  const generated = `${header}\n\n${table(bench.rows)}\n`;
  log(`\n${generated}`);
  if (o.out) {
    writeReport(o.out, generated, o.db);
    log(`written to ${relative(process.cwd(), o.out) || o.out}`);
  }
  if (bench.profileDir) {
    const files = readdirSync(bench.profileDir).filter((f) => f.endsWith('.cpuprofile'));
    log(`CPU profiles (${files.length}) in ${bench.profileDir}: ${files.join(', ')}`);
    log(`  which is which (the file names carry the pid): ${bench.profiles.join('; ')}`);
  }
}

main()
  .then(() => cleanup())
  .then(() => process.exit(0))
  .catch(async (err: Error) => {
    if (interrupted) return; // the signal handler cleans up and exits 130
    process.stderr.write(`bench: failed: ${err.message.split('\n')[0]}\n`);
    for (const s of live) if (s.running) process.stderr.write(`  the service's last lines: ${s.lastLines(3)}\n`);
    await cleanup();
    process.exit(1);
  });
