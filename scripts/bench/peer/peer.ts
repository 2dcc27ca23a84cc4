/**
 * The bench's peer (issue 22 item 4): the same hashing scenarios against a Better Auth server
 * (scripts/bench/peer/server.mjs) with bcrypt at the bench's cost, on a fresh database of the run's kind,
 * under the same load settings as the service, reported as rows of part `peer` beside the service's.
 * The peer runs as a child `node` process (Better Auth is ESM-only; the bench is CommonJS under ts-node).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchDatabase } from '../database';
import { cannon, CannonRequest, CannonResult, must, percentile, pool } from '../load';
import type { Row } from '../report';
import { freePort, GOOD, NEW_PASSWORD, ROOT, ServerProcess } from '../service';
import { describeCpu, withCpu } from '../cpu';

const SERVER = join(__dirname, 'server.mjs');
const SIGN_UP = '/api/auth/sign-up/email';
const SIGN_IN = '/api/auth/sign-in/email';
const REQUEST_RESET = '/api/auth/request-password-reset';
const RESET = '/api/auth/reset-password';
const HEALTH = '/api/auth/ok';
const STARTS = 5;
const LOGIN_USERS = 16;

/** What the peer needs of the bench's options (main.ts's Options has them all). */
export interface PeerOptions {
  quick: boolean;
  db: 'sqlite' | 'postgres';
  cost: number;
  connections: number;
  seconds: number;
  warmup: number;
  cheapSeconds: number;
  cheapConnections: number;
}

/** The figures of a hashing ceiling the peer compares with (main.ts's Ceiling). */
export interface PeerCeiling {
  library: string;
  singleHashMs: number;
  hashesPerSecond: number;
  verifiesPerSecond: number;
  hashCpuMs: number;
  verifyCpuMs: number;
}

/** What the peer uses of main.ts's Bench. */
export interface PeerBench {
  readonly o: PeerOptions;
  readonly runId: string;
  readonly tmp: string;
  /** The ceilings the service's scenarios measured in this run, by scheme. */
  readonly ceilings: Map<string, PeerCeiling>;
  row(r: Row): void;
  quiet(): Promise<number>;
  database(name: string): Promise<BenchDatabase>;
  ceiling(scheme: string): Promise<PeerCeiling>;
}

/** The installed better-auth's version, e.g. "1.7.29". */
export function peerVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-auth', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** One line for the report's header: what the peer is and how it runs. */
export function describePeer(o: PeerOptions): string {
  return `- peer (part "peer"): Better Auth ${peerVersion()}, email + password, bcrypt cost ${o.cost} through the \`bcrypt\` package (emailAndPassword.password.hash/verify), `
    + `${o.db === 'postgres' ? 'PostgreSQL (pg Pool, a database of its own)' : 'SQLite (better-sqlite3, WAL, a file of its own)'}, node:http via better-auth/node's toNodeHandler, `
    + 'plain `node` (no heap flags, libuv\'s default pool of 4 threads), NODE_ENV=production, rate limiting and telemetry off; same connections, warm-up and seconds as the service';
}

/** A rough duration of runPeer in seconds (for the bench's estimate). */
export function estimatePeerSeconds(o: PeerOptions): number {
  return 2 + STARTS * 1.5 + 10 + 2 * (o.warmup + o.seconds) + 1 + o.cheapSeconds + 5;
}

// ---------------------------------------------------------------- the peer process

const running = new Set<PeerProcess>();
// Last resort if the bench dies without stopping it: no peer outlives the bench.
process.on('exit', () => {
  for (const p of running) if (p.running) p.process.kill('SIGKILL');
});

class PeerProcess extends ServerProcess {
  private constructor(process: ChildProcess, port: number) {
    super(process, port, HEALTH);
    void this.exited.then(() => running.delete(this));
  }

  static spawn(env: NodeJS.ProcessEnv, port: number, cwd: string, args: string[] = []): PeerProcess {
    const child = spawn(process.execPath, [SERVER, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, PEER_PORT: String(port) } });
    const peer = new PeerProcess(child, port);
    running.add(peer);
    return peer;
  }

  /** Resolves with the exit code. */
  async done(): Promise<number | null> {
    await this.exited;
    return this.exitCode;
  }

  protected startFailed(): Error {
    return new Error(`the peer exited with code ${this.exitCode} before it was healthy: ${this.lastLines()}`);
  }
}

// ---------------------------------------------------------------- the scenarios

function log(s: string): void {
  process.stdout.write(`${s}\n`);
}

/**
 * Runs the peer's part of the bench and adds its rows (part `peer`) through `bench.row`:
 * - set-up: 16 login users by sign-up over HTTP, then as many users as the reset scenario needs
 *   (inserted with one shared hash through Better Auth's internal adapter) and a reset token for each
 *   (requested over HTTP, collected from sendResetPassword) — seconds;
 * - login (POST /api/auth/sign-in/email, one bcrypt verify) at `connections`: req/s, its share of the
 *   service's bcrypt verify ceiling of the same run (%), p50/p99 latency (ms);
 * - reset with a token (POST /api/auth/reset-password, one bcrypt hash, each token once) at
 *   `connections`: req/s, share of the hash ceiling (%), p50/p99 (ms);
 * - reset with an unknown token (→ 400) alone at `cheapConnections`: req/s, p50/p99 (ms);
 * - spawn → first 200 on GET /api/auth/ok on the migrated database, median of 5 starts (ms), and the
 *   schema migration (spawn → exit, ms);
 * - the peer process's peak RSS (VmHWM) after its scenarios (MB).
 * Every timed request's status is checked; the others are counted in the rows' `unexpected` column.
 * Without a bcrypt ceiling in the run (--scheme argon2id), it measures one first and adds its row.
 * The peer process is stopped before it returns, also when a scenario fails.
 */
export async function runPeer(bench: PeerBench): Promise<void> {
  const o = bench.o;
  const part = 'peer';
  const C = o.connections;
  log(`\n== peer: Better Auth ${peerVersion()}, bcrypt cost ${o.cost}, on ${o.db}`);

  let ceiling = bench.ceilings.get('bcrypt');
  if (!ceiling) {
    log(`${part}: this run measured no bcrypt ceiling; measuring one`);
    const load = await bench.quiet();
    ceiling = await bench.ceiling('bcrypt');
    bench.row({
      part, scenario: `ceiling: ${ceiling.library}`, load, unexpected: null, target: '', met: null,
      measured: `${ceiling.hashesPerSecond.toFixed(1)} hashes/s, ${ceiling.verifiesPerSecond.toFixed(1)} verifies/s; one hash alone ${ceiling.singleHashMs.toFixed(1)} ms`,
    });
  }

  const db = await bench.database('peer');
  const key = randomBytes(16).toString('hex');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    BETTER_AUTH_TELEMETRY: '0',
    PEER_DB_KIND: db.kind,
    PEER_DB: db.kind === 'sqlite' ? db.url.replace(/^sqlite:/, '') : db.url,
    PEER_COST: String(o.cost),
    PEER_KEY: key,
  };

  // The schema: Better Auth's programmatic migrations (getMigrations), in a process of their own.
  log(`${part}: schema (getMigrations), then ${STARTS} starts on the migrated database`);
  let t0 = performance.now();
  const migration = PeerProcess.spawn(env, 0, bench.tmp, ['--migrate']);
  const code = await migration.done();
  const migrateMs = performance.now() - t0;
  if (code !== 0) throw new Error(`the peer's migration exited with ${code}: ${migration.lastLines()}`);

  const startMs: number[] = [];
  let peer: PeerProcess | null = null;
  try {
    for (let k = 1; k <= STARTS; k++) {
      const port = await freePort();
      t0 = performance.now();
      const p = PeerProcess.spawn(env, port, bench.tmp);
      peer = p;
      startMs.push(await p.waitHealthy(t0));
      if (k < STARTS) {
        await p.stop();
        peer = null;
      }
    }
    await scenarios(bench, peer!, db, key, ceiling, part, C);
    const start = percentile(startMs, 0.5);
    bench.row({
      part, scenario: `start → first healthy GET ${HEALTH} on an existing database, median of ${STARTS}`, load: null, unexpected: null, target: '', met: null,
      measured: `${start.toFixed(0)} ms (${startMs.map((m) => m.toFixed(0)).join(', ')}; the schema migration before them, spawn → exit: ${migrateMs.toFixed(0)} ms)`,
    });
    const rss = peer!.peakRssMb();
    bench.row({
      part, scenario: 'peer peak RSS (VmHWM) after its scenarios', load: null, unexpected: null, target: '', met: null,
      measured: rss === null ? 'n/a (no /proc)' : `${rss.toFixed(0)} MB`,
    });
  } catch (err) {
    const lines = peer ? ` (the peer's last lines: ${peer.lastLines()})` : '';
    throw new Error(`peer part: ${(err as Error).message.split('\n')[0]}${lines}`);
  } finally {
    await peer?.stop();
    await db.close();
  }
}

async function scenarios(bench: PeerBench, peer: PeerProcess, db: BenchDatabase, key: string, ceiling: PeerCeiling, part: string, C: number): Promise<void> {
  const o = bench.o;
  const base = peer.base;
  const benchKey = { 'X-Bench-Key': key };

  // Users and tokens for every request of the timed parts, made before them (as the service's).
  // autocannon builds (and so consumes) up to two requests per connection and run that it never sends.
  const need = Math.ceil(ceiling.hashesPerSecond * (o.warmup + o.seconds) * (o.quick ? 1.6 : 1.3)) + 4 * C + 10;
  log(`${part}: preparing ${LOGIN_USERS} login users (sign-up), ${need} users and ${need} reset tokens`);
  const t0 = performance.now();
  const email = (prefix: string, i: number) => `peer-${prefix}${i}.${bench.runId}@bench.example`;
  const loginEmails = Array.from({ length: LOGIN_USERS }, (_, i) => email('login', i + 1));
  // fetch sends Sec-Fetch-Mode, so Better Auth's CSRF check wants the Origin a browser on the peer's own page sends.
  await pool(loginEmails, C, (e) => must(200, 'peer sign-up', base, 'POST', SIGN_UP, { email: e, password: GOOD, name: 'Bench login' }, { Origin: base }));
  const resetEmails = Array.from({ length: need }, (_, i) => email('reset', i + 1));
  for (let i = 0; i < resetEmails.length; i += 1000) {
    const emails = resetEmails.slice(i, i + 1000);
    const r = await must(200, 'peer seed', base, 'POST', '/bench/seed', { emails, password: GOOD }, benchKey);
    if (r.json.created !== emails.length) throw new Error(`peer seed: created ${r.json.created} of ${emails.length} users`);
  }
  await pool(resetEmails, 8, (e) => must(200, 'peer reset request', base, 'POST', REQUEST_RESET, { email: e }));
  const { tokens } = (await must(200, 'peer tokens', base, 'GET', '/bench/tokens', undefined, benchKey)).json as { tokens: Array<{ email: string; token: string }> };
  if (new Set(tokens.map((t) => t.email)).size !== need) throw new Error(`peer: ${need} reset requests gave tokens for ${new Set(tokens.map((t) => t.email)).size} users`);
  const prepared = (performance.now() - t0) / 1000;
  bench.row({
    part, scenario: `set-up: ${LOGIN_USERS} users by sign-up; ${need} users inserted with one shared hash (internal adapter) and a reset token each (POST ${REQUEST_RESET})`,
    load: null, unexpected: null, target: '', met: null, measured: `${prepared.toFixed(1)} s`,
  });

  const post = (path: string, body: unknown): CannonRequest => ({ method: 'POST', path, body });
  let n = 0;
  const measured = { peer, db };
  await throughput(bench, part, `Better Auth login (POST ${SIGN_IN}, one verify)`, base, 200,
    () => post(SIGN_IN, { email: loginEmails[n++ % loginEmails.length], password: GOOD }), ['verify', ceiling.verifiesPerSecond, ceiling.verifyCpuMs], measured, () => 0);

  let i = 0;
  let over = 0;
  const nextToken = () => (i < tokens.length ? tokens[i++].token : (over++, tokens[tokens.length - 1].token));
  await throughput(bench, part, `Better Auth reset with a token (POST ${RESET}, one hash, each token once)`, base, 200,
    () => post(RESET, { newPassword: NEW_PASSWORD, token: nextToken() }), ['hash', ceiling.hashesPerSecond, ceiling.hashCpuMs], measured, () => over);

  const name = `Better Auth reset with an unknown token (POST ${RESET} → 400)`;
  log(`${part}: ${name}, alone`);
  const load = await bench.quiet();
  const unknown = () => post(RESET, { newPassword: NEW_PASSWORD, token: 'bench-no-such-reset-token-0000' });
  const warm = await cannon({ base, connections: o.cheapConnections, seconds: 1, expected: 400, next: unknown });
  const r = await cannon({ base, connections: o.cheapConnections, seconds: o.cheapSeconds, expected: 400, next: unknown });
  reportStatuses(warm, r, 0);
  bench.row({
    part, scenario: `${name}, alone, ${o.cheapConnections} connections`, load, unexpected: warm.unexpected + r.unexpected, target: '', met: null,
    measured: `${r.rps.toFixed(0)} req/s; p50 ${r.p50} ms, p99 ${r.p99} ms`,
  });
}

/** Warm-up, then the timed part, at the bench's connections; one row against the service's ceiling of the same run. */
async function throughput(
  bench: PeerBench, part: string, name: string, base: string, expected: number, next: () => CannonRequest,
  [what, ceilingRate, opCpuMs]: [string, number, number], measured: { peer: PeerProcess; db: BenchDatabase }, exhausted: () => number,
): Promise<void> {
  const o = bench.o;
  log(`${part}: ${name}`);
  const load = await bench.quiet();
  const warm = await cannon({ base, connections: o.connections, seconds: o.warmup, expected, next });
  const { result: r, cpu } = await withCpu(measured.peer.pid, measured.db, () => cannon({ base, connections: o.connections, seconds: o.seconds, expected, next }));
  reportStatuses(warm, r, exhausted());
  const short = exhausted() > 0;
  bench.row({
    part, scenario: `${name}, ${o.connections} connections`, load, unexpected: warm.unexpected + r.unexpected, target: '', met: null,
    measured: `${r.rps.toFixed(1)} req/s = ${((r.rps / ceilingRate) * 100).toFixed(0)}% of the bcrypt ${what} ceiling (${ceilingRate.toFixed(1)}/s); p50 ${r.p50} ms, p99 ${r.p99} ms`
      + (short ? ` (INVALID: the tokens prepared ran out, ${exhausted()} requests reused one)` : '')
      + (cpu ? `; ${describeCpu(cpu, opCpuMs, 'peer')}` : ''),
  });
}

function reportStatuses(warm: CannonResult, r: CannonResult, exhausted: number): void {
  if (warm.unexpected + r.unexpected === 0) return;
  log(`  statuses: warm-up ${JSON.stringify(warm.statuses)}, timed ${JSON.stringify(r.statuses)}${exhausted ? `; ${exhausted} requests found no unused token left` : ''}`);
}
