import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * The built service (`node dist/start.js`: the bundle of `npm run build`), run the way an operator runs it:
 * for the specs that need a real process (start-up failures, graceful shutdown, the migration race, several
 * instances).
 */
export const ROOT = resolve(__dirname, '../../..');
export const MAIN = join(ROOT, 'dist', 'start.js');
/** The bundle dist/start.js loads (scripts/bundle.js): the build's last output, so the one to compare with src/. */
const BUNDLE = join(ROOT, 'dist', 'bundle', 'service.js');
/** Preloaded to make several instances reach the database at the same moment (test/support/start-gate.js). */
export const START_GATE = join(ROOT, 'test', 'support', 'start-gate.js');

/** Newest modification time under `dir` (ms) of the files the build reads (unit specs are not built: tsconfig.build.json). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (!entry.name.endsWith('.spec.ts')) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

function isBuilt(): boolean {
  return existsSync(MAIN) && existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newest(join(ROOT, 'src'));
}

/** Held while one jest worker builds (nest build empties dist/ first: two at once would break each other). */
const BUILD_LOCK = join(ROOT, 'node_modules', '.cache', 'pls-nest-build.lock');

/**
 * Builds dist/ as `npm run build` does (nest build, then the bundle) when the bundle is missing or older than
 * src/ (CI's `npm ci` has built it).
 * Test files in parallel workers build once: the others wait for the lock, then find dist/ fresh.
 */
export function ensureBuilt(): void {
  if (isBuilt()) return;
  mkdirSync(join(BUILD_LOCK, '..'), { recursive: true });
  const waitUntil = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than a build can take was left by a killed run.
      const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > 180_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > waitUntil) throw new Error(`ensureBuilt: ${BUILD_LOCK} is held for more than 180 s`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (isBuilt()) return;
    const build = spawnSync(join(ROOT, 'node_modules', '.bin', 'nest'), ['build'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    if (build.status !== 0) throw new Error(`nest build failed: ${build.stderr || build.stdout}`);
    const bundle = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle.js')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (bundle.status !== 0) throw new Error(`scripts/bundle.js failed: ${bundle.stderr || bundle.stdout}`);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/**
 * The node options of `npm start`, read from package.json's `start` script (`[exec] node <options>
 * dist/start.js`), so that every built instance a test starts runs as `npm start` runs it. Throws when
 * the script has another shape: a test must not silently start the service differently.
 */
export function npmStartNodeOptions(): string[] {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const words = script.trim().split(/\s+/);
  if (words[0] === 'exec') words.shift();
  const [node, ...rest] = words;
  const main = rest.pop();
  if (node !== 'node' || main !== relative(ROOT, MAIN) || rest.some((w) => !w.startsWith('--'))) {
    throw new Error(`package.json "start" is "${script}": expected "[exec] node [--option …] ${relative(ROOT, MAIN)}"`);
  }
  return rest;
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
 * `env`, and the node options of `npm start`; with `gate`, it waits at the start gate for the others.
 */
export function startInstance(name: string, port: number, env: Record<string, string>, cwd: string, gate = false): Instance {
  const child = spawn(process.execPath, [...npmStartNodeOptions(), ...(gate ? ['-r', START_GATE] : []), MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(name, port, child);
}

/**
 * Runs `npm start` itself (npm from PATH) in the repository, as a person or a supervisor does, with only
 * PATH, HOME, PORT and `env`. The developer's .env is not read: DOTENV_CONFIG_PATH names `dotenvPath`
 * instead (a file that need not exist). `process` is npm's process, not the service's.
 */
export function startWithNpm(name: string, port: number, env: Record<string, string>, dotenvPath: string): Instance {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    // npm's own update check would reach the registry: off.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_update_notifier: 'false', PORT: String(port), DOTENV_CONFIG_PATH: dotenvPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(name, port, child);
}

function track(name: string, port: number, child: ChildProcess): Instance {
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
  while (Date.now() < deadline && instance.process.exitCode === null && instance.process.signalCode === null) {
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
