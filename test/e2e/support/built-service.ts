import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The built service (`node dist/main.js`), run the way an operator runs it: for the specs that need a
 * real process (start-up failures, graceful shutdown, the migration race, several instances).
 */
export const ROOT = resolve(__dirname, '../../..');
export const MAIN = join(ROOT, 'dist', 'main.js');
/** Preloaded to make several instances reach the database at the same moment (test/support/start-gate.js). */
export const START_GATE = join(ROOT, 'test', 'support', 'start-gate.js');

/** Newest modification time under `dir` (ms). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds dist/ (nest build) when dist/main.js is missing or older than src/ (CI's `npm ci` has built it). */
export function ensureBuilt(): void {
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newest(join(ROOT, 'src'))) return;
  const build = spawnSync(join(ROOT, 'node_modules', '.bin', 'nest'), ['build'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
  if (build.status !== 0) throw new Error(`nest build failed: ${build.stderr || build.stdout}`);
}

export interface Instance {
  name: string;
  port: number;
  process: ChildProcess;
  /** Everything it wrote, stdout and stderr interleaved. */
  output: string[];
  exited: Promise<number | null>;
}

/**
 * Starts one instance on `port` in `cwd` (no .env of the developer's is read) with only PATH, PORT and
 * `env`; with `gate`, it waits at the start gate for the others.
 */
export function startInstance(name: string, port: number, env: Record<string, string>, cwd: string, gate = false): Instance {
  const child = spawn(process.execPath, [...(gate ? ['-r', START_GATE] : []), MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { name, port, process: child, output, exited };
}

/** Polls GET /health until it answers 200, the process exits or `withinMs` pass; the last status seen. */
export async function waitReady(instance: Instance, withinMs = 45_000): Promise<number> {
  const deadline = Date.now() + withinMs;
  let status = 0;
  while (Date.now() < deadline && instance.process.exitCode === null) {
    try {
      status = (await fetch(`http://127.0.0.1:${instance.port}/health`, { signal: AbortSignal.timeout(2000) })).status;
      if (status === 200) return status;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return status;
}

/** SIGTERM, then SIGKILL after `killAfterMs`; the exit code (null when it ended by signal or never ran). */
export async function stopInstance(instance: Instance | undefined, killAfterMs = 15_000): Promise<number | null> {
  if (!instance) return null;
  if (instance.process.exitCode !== null || instance.process.signalCode !== null) return instance.process.exitCode;
  instance.process.kill('SIGTERM');
  const timer = setTimeout(() => instance.process.kill('SIGKILL'), killAfterMs);
  const code = await instance.exited;
  clearTimeout(timer);
  return code;
}
