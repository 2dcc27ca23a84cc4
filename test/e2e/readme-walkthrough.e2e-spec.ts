import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from './support/built-service';

/**
 * Issue 17: the README's first walk through the product is a copy-paste block that works. Its two
 * blocks are taken from README.md as they stand and run as a newcomer runs them: the first (`npm
 * start`, its log kept in service.log) in a fresh directory holding only the built service, SQLite and
 * no SMTP; the second with bash in the same directory, against that service. Only the port differs
 * (a free one instead of 3000).
 */
jest.setTimeout(120_000);

/** The shell blocks of the README section `heading`, in order. */
function shellBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const section = readme.slice(start + heading.length + 2).split(/\n#{2,3} /)[0];
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('README: "A first walk through the product"', () => {
  const [serviceBlock, walkBlock] = shellBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'), '### A first walk through the product');
  let dir: string;
  let service: ChildProcess | undefined;
  let port: number;
  let output = '';

  beforeAll(async () => {
    ensureBuilt();
    // A directory with what `npm start` needs (package.json, the built dist/): data/ and service.log land here.
    dir = mkdtempSync(join(tmpdir(), 'pls-readme-'));
    symlinkSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'));
    port = await freePort();
    // Only what a newcomer's shell has: no .env, no DATABASE_URL, no SMTP_URL.
    service = spawn('bash', ['-c', serviceBlock], {
      cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, PORT: String(port) },
    });
    service.stdout!.on('data', (b: Buffer) => void (output += b.toString()));
    service.stderr!.on('data', (b: Buffer) => void (output += b.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false);
      if (ready) break;
      if (Date.now() > deadline || service.exitCode !== null) throw new Error(`the service did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  afterAll(async () => {
    if (service?.pid) {
      // Ctrl-C in the newcomer's terminal: SIGINT to the whole group (bash, npm, node, tee). Anything
      // still there after 15 s is killed, so no service outlives the test.
      const pgid = service.pid;
      const alive = () => spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).stdout.trim() !== '';
      try {
        process.kill(-pgid, 'SIGINT');
      } catch {
        // the group is gone already
      }
      for (let waited = 0; alive() && waited < 15_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
      if (alive()) process.kill(-pgid, 'SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has the two blocks: the service with its log, then the requests', () => {
    expect(serviceBlock.trim()).toBe('npm start 2>&1 | tee service.log');
    expect(walkBlock).toContain('BASE=http://localhost:3000\n');
  });

  it('every command of the walk works against the built service, in order', () => {
    const script = walkBlock.replace('BASE=http://localhost:3000', `BASE=http://127.0.0.1:${port}`);
    const run = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const answers = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(answers).toHaveLength(6);
    const [account, firstPassword, login, requested, reset, loginAgain] = answers;
    expect(account).toEqual({ data: { account_id: expect.any(String), account: 'Acme', user_id: expect.any(String) } });
    expect(firstPassword).toEqual({ data: { account_id: account.data.account_id, user_id: account.data.user_id, account: 'Acme', email: 'ada@example.com' } });
    expect(login.token).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer' });
    expect(requested).toEqual({ message: expect.any(String) });
    expect(reset).toEqual({ message: 'password reset successfully', email: 'ada@example.com' });
    expect(loginAgain.token).toMatchObject({ access_token: expect.any(String) });
    // The codes came from the log the first block keeps, as the README says.
    const log = readFileSync(join(dir, 'service.log'), 'utf8');
    expect(log).toMatch(/Code: [A-Za-z0-9_-]{40,}/); // the invitation
    expect(log).toMatch(/Code: \d{6}\b/); // the reset code
  });
});

describe('README: the quick start and the test variables', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('the quick start is two lines: npm ci && npm start, then npm test alone', () => {
    const [quick] = shellBlocks(readme, '## Quick start');
    const lines = quick.trim().split('\n').map((l) => l.replace(/\s+#.*$/, '').trim());
    expect(lines).toEqual(['npm ci && npm start', 'npm test']);
  });

  it('names TEST_REDIS_URL beside TEST_DATABASE_URL, in the quick start and in "Tests"', () => {
    const [quick] = shellBlocks(readme, '## Quick start');
    expect(quick).toMatch(/TEST_DATABASE_URL.*TEST_REDIS_URL/);
    const tests = readme.slice(readme.indexOf('\n## Tests\n')).split(/\n## /)[1];
    const paragraph = tests.split('\n\n').find((p) => p.includes('TEST_DATABASE_URL'))!;
    expect(paragraph).toContain('TEST_REDIS_URL=redis://');
  });
});

