import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, npmStartNodeOptions, ROOT } from '../e2e/support/built-service';
import { freePort } from '../support/redis-test-server';
import { parseLogLines } from './support/artifact';

/**
 * `dist/start.js` and its code cache (src/start.ts): the cache only ever saves time. A copy of the built
 * artifact (dist/start.js, dist/bundle/, node_modules linked) in a temporary directory, so the shared dist/
 * stays untouched, started as `npm start` starts it; each case says how the bundle was compiled in the
 * start-up log and answers /health.
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
    copyFileSync(join(ROOT, 'dist', 'start.js'), join(dir, 'dist', 'start.js'));
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
});
