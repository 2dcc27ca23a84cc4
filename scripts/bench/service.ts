/**
 * The built service as the bench runs it: `node dist/start.js` (the bundle) with the Node options of `npm start` (the
 * heap bounds of package.json's start script, so the bench measures what `npm start` runs) in a temp dir (no developer .env is
 * read), on 127.0.0.1 and a free port, production settings, logs at warn, budgets raised so that the
 * bench measures hashing rather than 429s.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const MAIN = join(ROOT, 'dist', 'start.js');
/** What MAIN loads: the build's last output (scripts/bundle.js). */
export const BUNDLE = join(ROOT, 'dist', 'bundle', 'service.js');
/** The `--…` options a package.json script gives node before its script file (e.g. the heap bounds). */
function scriptNodeOptions(name: 'start' | 'cli', file: string): string[] {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts?.[name] ?? '';
  const words = script.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf(file)).filter((w) => w.startsWith('--'));
}
/** The `--…` options package.json's start script gives node before dist/start.js (e.g. the heap bounds). */
export const START_NODE_OPTIONS: string[] = scriptNodeOptions('start', 'dist/start.js');
/** The same for the cli script before scripts/cli.js (the start script's, which its code cache needs). */
const CLI_NODE_OPTIONS: string[] = scriptNodeOptions('cli', 'scripts/cli.js');
/** The password the bench's users log in with, and the one its resets set (the service's and the peer's alike). */
export const GOOD = 'Tr1cky-Lantern-42';
export const NEW_PASSWORD = 'Fresh-Harbor-73';
export const ADMIN_KEY = `bench-admin-${'k'.repeat(4)}-0123456789abcdefghijklmnopqrstuv`;
const MASTER_KEY = 'bench-master-key-Zq8Lw2Vn5Rt7Yp3Xc6Bm9Hd4Kf1Gs0Ja';

export interface ServiceOptions {
  databaseUrl: string;
  smtpUrl: string;
  cwd: string;
  cost: number;
  scheme: string;
  /** --cpu-prof into this directory. */
  profileDir?: string;
  /** Variables added to (or overriding) the service's environment (`--env K=V`), for tuning runs. */
  extraEnv?: Record<string, string>;
  /** Node options after npm start's own (a later one wins: `--max-semi-space-size=16`), for tuning runs. */
  extraNodeOptions?: string[];
}

/**
 * A server the bench runs as a child process (the service, the peer): its output kept (the last 200
 * chunks), health polling, peak RSS, stop. Subclasses name the health path and what a failed start throws.
 */
export abstract class ServerProcess {
  readonly output: string[] = [];
  exitCode: number | null = null;
  exitSignal: string | null = null;
  protected readonly exited: Promise<void>;

  protected constructor(readonly process: ChildProcess, readonly port: number, private readonly healthPath: string) {
    const keep = (b: Buffer) => {
      this.output.push(b.toString());
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    process.stdout!.on('data', keep);
    process.stderr!.on('data', keep);
    this.exited = new Promise((done) => process.on('exit', (code, signal) => {
      this.exitCode = code;
      this.exitSignal = signal;
      done();
    }));
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.process.pid!;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** What waitHealthy throws when the process ended before it was healthy. */
  protected abstract startFailed(): Error;

  /** Polls GET of the health path every 10 ms; ms from spawn to the first 200. Throws when the process ends first. */
  async waitHealthy(spawnedAt: number, withinMs = 60_000): Promise<number> {
    const deadline = spawnedAt + withinMs;
    while (performance.now() < deadline) {
      if (!this.running) {
        await this.exited;
        throw this.startFailed();
      }
      try {
        const res = await fetch(`${this.base}${this.healthPath}`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - spawnedAt;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${this.constructor.name} did not answer 200 on ${this.healthPath} within ${withinMs / 1000} s: ${this.lastLines()}`);
  }

  /** Peak resident set (VmHWM) of the process so far, in MB; null off Linux. */
  peakRssMb(): number | null {
    try {
      const kb = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return kb ? Number(kb[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** SIGTERM, SIGKILL after `killAfterMs`; resolves when it exited. */
  async stop(killAfterMs = 20_000): Promise<void> {
    if (this.running) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), killAfterMs);
      await this.exited;
      clearTimeout(timer);
    }
  }

  lastLines(n = 3): string {
    return this.output.join('').trim().split('\n').slice(-n).join(' | ') || '(no output)';
  }
}

export class Service extends ServerProcess {
  /** When the process was spawned (performance.now()): a --cpu-prof profile's timeline starts about here. */
  readonly spawnedAt = performance.now();

  private constructor(process: ChildProcess, port: number) {
    super(process, port, '/health');
  }

  static async start(o: ServiceOptions, live: Set<Service>): Promise<Service> {
    const port = await freePort();
    const args = [...START_NODE_OPTIONS, ...(o.extraNodeOptions ?? []), ...(o.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`] : []), MAIN];
    const child = spawn(process.execPath, args, {
      cwd: o.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: o.databaseUrl,
        SMTP_URL: o.smtpUrl,
        MAIL_FROM: 'bench@bench.example',
        BCRYPT_COST: String(o.cost),
        PASSWORD_HASH: o.scheme,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        ADMIN_API_KEY: ADMIN_KEY,
        MASTER_KEY,
        // X-Forwarded-For names the client: each code request comes from its own address, so the
        // per-client recovery budgets (20 requests per 15 minutes) never answer 429.
        TRUST_PROXY: 'true',
        RATE_LIMIT_PER_MINUTE: '100000000',
        API_KEY_RATE_LIMIT_PER_MINUTE: '1000000',
        // Codes are requested ahead of the timed part; they must outlive a slow run.
        RESET_CODE_TTL_MINUTES: '240',
        RECOVERY_CODE_TTL_MINUTES: '240',
        INVITATION_TTL_HOURS: '24',
        ...o.extraEnv,
      },
    });
    const service = new Service(child, port);
    live.add(service);
    return service;
  }

  protected startFailed(): Error {
    return new StartFailed(this.exitCode, this.lastLines());
  }
}

/**
 * Runs one operator CLI command (`npm run cli -- <args>`: node with the cli script's options on scripts/cli.js, the bundled CLI) on
 * `databaseUrl` with the service's MASTER_KEY, in `cwd`; resolves with its wall time in ms (spawn → exit).
 * Throws when it does not exit 0.
 */
export async function timeCli(args: string[], databaseUrl: string, cwd: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...CLI_NODE_OPTIONS, join(ROOT, 'scripts', 'cli.js'), ...args], {
    cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, MASTER_KEY, LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  if (code !== 0) throw new Error(`npm run cli -- ${args.join(' ')} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return performance.now() - t0;
}

export class StartFailed extends Error {
  constructor(readonly code: number | null, readonly lines: string) {
    super(`the service exited with code ${code} before it was healthy: ${lines}`);
  }
}

/** A free TCP port on 127.0.0.1 (the kernel's choice, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
