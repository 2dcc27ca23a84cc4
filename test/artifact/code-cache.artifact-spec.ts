import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, npmStartNodeOptions, ROOT } from '../e2e/support/built-service';
import { freePort } from '../support/redis-test-server';
import { parseLogLines } from './support/artifact';

/**
 * `dist/start.js` and its code cache (src/start.ts, src/bundle-loader.ts): the cache only ever saves time. A
 * copy of the built artifact (dist/start.js, dist/cli-start.js, the loader, dist/bundle/, scripts/cli.js,
 * node_modules linked; not the per-file build) in a temporary directory, so the shared dist/ stays untouched,
 * started as `npm start` starts it; each case says how the bundle was compiled in the start-up log and answers
 * /health. The operator CLI (`npm run cli`) runs from its own bundle in the same copy.
 */
jest.setTimeout(60_000);

describe('npm start: the bundle\'s code cache is used only when it was made from that very bundle', () => {
  let dir: string;
  const bundle = () => join(dir, 'dist', 'bundle', 'service.js');
  const cache = () => `${bundle()}.cache`;

  beforeAll(() => ensureBuilt(), 240_000);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pls-code-cache-'));
    mkdirSync(join(dir, 'dist'));
    for (const file of ['start.js', 'cli-start.js', 'bundle-loader.js']) copyFileSync(join(ROOT, 'dist', file), join(dir, 'dist', file));
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(ROOT, 'scripts', 'cli.js'), join(dir, 'scripts', 'cli.js'));
    cpSync(join(ROOT, 'dist', 'bundle'), join(dir, 'dist', 'bundle'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the copy until /health answers 200, stops it; its log lines and whether /health answered. */
  async function startCopy(): Promise<{ healthy: boolean; codeCache: unknown; lines: Array<Record<string, unknown>> }> {
    const port = await freePort();
    const child = spawn(process.execPath, [...npmStartNodeOptions(), join(dir, 'dist', 'start.js')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', PORT: String(port), DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, MASTER_KEY: 'code-cache-master-Vb6Tq2Lx9Rw4Kz8Nc3Hy7Pm5J', LOG_LEVEL: 'debug', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let healthy = false;
    for (const deadline = Date.now() + 30_000; !healthy && child.exitCode === null && Date.now() < deadline; ) {
      healthy = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false);
      if (!healthy) await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    await exited;
    const lines = parseLogLines(out);
    return { healthy, codeCache: lines.find((l) => 'codeCache' in l)?.codeCache, lines };
  }

  it('the cache the build made is used', async () => {
    expect(await startCopy()).toMatchObject({ healthy: true, codeCache: 'used' });
  });

  it('a cache made from another bundle of the same length is not used (V8 itself would accept it, and run the old code): the changed bundle runs', async () => {
    const source = readFileSync(bundle(), 'utf8');
    expect(source).toContain('listening on port');
    writeFileSync(bundle(), source.replace('listening on port', 'LISTENING ON PORT'));
    const started = await startCopy();
    expect(started).toMatchObject({ healthy: true, codeCache: 'stale' });
    expect(started.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('LISTENING ON PORT'))).toBe(true);
  });

  it('without a cache, or with one it cannot read, the service starts and says why it is slower', async () => {
    rmSync(cache());
    expect(await startCopy()).toMatchObject({ healthy: true, codeCache: 'missing' });
    mkdirSync(cache()); // a directory where the file should be: EISDIR
    expect(await startCopy()).toMatchObject({ healthy: true, codeCache: 'unreadable' });
  });

  /** How a bundle of the copy is compiled under `nodeOptions` (the loader alone, in a child process: evaluates the bundle's modules, starts nothing). */
  function cacheUse(name: 'service' | 'cli', nodeOptions: string[]): string {
    const probe = join(dir, 'probe.js');
    writeFileSync(probe, `const { loadBundle } = require('./dist/bundle-loader.js');\nprocess.stdout.write(loadBundle(${JSON.stringify(name)}).codeCache);\nprocess.exit(0);\n`);
    const run = spawnSync(process.execPath, [...nodeOptions, probe], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    return run.stdout;
  }

  it('npm run cli runs the CLI from its own bundle (no per-file build in the copy), under the node options of the cli script, which are the ones its code cache was made under', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const words = scripts.cli.trim().split(/\s+/);
    expect(words[0]).toBe('node');
    expect(words[words.length - 1]).toBe('scripts/cli.js');
    const cliOptions = words.slice(1, -1);
    expect(cliOptions).toEqual(npmStartNodeOptions());
    const cli = (...argv: string[]) => spawnSync(process.execPath, [...cliOptions, join(dir, 'scripts', 'cli.js'), ...argv], {
      cwd: dir, env: { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, MASTER_KEY: 'code-cache-master-Vb6Tq2Lx9Rw4Kz8Nc3Hy7Pm5J' }, encoding: 'utf8', timeout: 60_000,
    });
    const migrated = cli('migrations', 'run');
    expect({ status: migrated.status, stderr: migrated.status === 0 ? '' : migrated.stderr }).toEqual({ status: 0, stderr: '' });
    const shown = cli('outbox', 'show', '--limit', '5');
    expect(shown.status).toBe(0);
    expect(shown.stdout.split('\n')[0]).toMatch(/^id\tkind\t/);
    expect(cli('no-such-command').status).toBe(2);
    expect(cacheUse('cli', cliOptions)).toBe('used');
    expect(cacheUse('service', npmStartNodeOptions())).toBe('used');
  });

  it('a bundle run under other node options than its cache was made under compiles from source: V8 rejects the cache, and the loader says so', () => {
    expect(cacheUse('cli', [])).toBe('rejected');
  });
});
