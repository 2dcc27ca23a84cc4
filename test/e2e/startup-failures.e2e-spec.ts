import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ensureBuilt, MAIN } from './support/built-service';

/**
 * Issue 11 "Start-up that always names the setting at fault": the built service (`node dist/start.js`,
 * as an operator runs it) with a bad setting answers with one line naming it, a non-zero exit, within
 * a few seconds. Before: an unreachable PostgreSQL took 9 retries with stack traces and 25 s, a SQLite
 * path under /dev/null printed a raw stack trace, one under /proc hung for 60 s without a word.
 */
jest.setTimeout(150_000);

interface Outcome {
  code: number | null;
  lines: string[];
  elapsedMs: number;
}

function run(env: Record<string, string>): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'pls-startup-'));
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir, // no .env of the developer's is read
    env: { PATH: process.env.PATH ?? '', JWT_SECRET: 'startup-e2e-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sA', LOG_LEVEL: 'info', PORT: '0', PUBLIC_URL: 'https://id.example.test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => void (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => void (out += c));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, lines: out.split('\n').filter((l) => l.trim() !== ''), elapsedMs: Date.now() - started });
    }),
  );
}

function expectOneLineNaming(outcome: Outcome, setting: string, reason: RegExp): void {
  const naming = outcome.lines.filter((l) => l.includes(setting));
  expect(naming).toHaveLength(1);
  expect(naming[0]).toMatch(reason);
  // No stack trace anywhere.
  expect(outcome.lines.filter((l) => /^\s+at /.test(l) || l.includes('"stack"'))).toEqual([]);
  expect(outcome.elapsedMs).toBeLessThan(10_000);
}

describe('start-up failures name the setting at fault', () => {
  beforeAll(() => ensureBuilt());

  it('an unreachable PostgreSQL: one fatal JSON line naming DATABASE_URL and the address, exit 1', async () => {
    const outcome = await run({ DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:5999/x', DATABASE_CONNECT_TIMEOUT_MS: '2000' });
    expect(outcome.code).toBe(1);
    expectOneLineNaming(outcome, 'DATABASE_URL', /DATABASE_URL: cannot connect to PostgreSQL at 127\.0\.0\.1:5999 \(ECONNREFUSED\)/);
    const line = JSON.parse(outcome.lines.find((l) => l.includes('DATABASE_URL'))!);
    expect(line.level).toBe(60);
    expect(outcome.lines.join('\n')).not.toContain(':pw@');
  });

  it.each([
    ['sqlite:/dev/null/app.db', /DATABASE_URL: cannot create the directory \/dev\/null .*ENOTDIR/],
    ['sqlite:/proc/nope/app.db', /DATABASE_URL: cannot create the directory \/proc\/nope .*ENOENT/],
  ])('%s: one line naming DATABASE_URL and the reason, exit 1', async (url, reason) => {
    const outcome = await run({ DATABASE_URL: url });
    expect(outcome.code).toBe(1);
    expectOneLineNaming(outcome, 'DATABASE_URL', reason);
  });

  it('a port in use: one fatal line naming PORT and the port, exit 1', async () => {
    // Another process holds the port, on every interface as the service would listen.
    const holder = createServer();
    await new Promise<void>((done) => holder.listen(0, done));
    const port = (holder.address() as AddressInfo).port;
    const data = mkdtempSync(join(tmpdir(), 'pls-startup-data-'));
    try {
      const outcome = await run({ PORT: String(port), DATABASE_URL: `sqlite:${join(data, 'app.db')}` });
      expect(outcome.code).toBe(1);
      expectOneLineNaming(outcome, 'PORT', new RegExp(`"msg":"PORT: port ${port} is already in use \\(EADDRINUSE\\)`));
      const fatal = outcome.lines.filter((l) => l.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).not.toContain('start-up failed');
      // The one line is the whole story: no error line of the HTTP server's own before it.
      expect(outcome.lines.filter((l) => l.includes('"level":50') || l.includes('EADDRINUSE') && !l.includes('PORT:'))).toEqual([]);
    } finally {
      await new Promise((done) => holder.close(done));
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('an unreadable DATABASE_SSL_CA: one line naming it, exit 78 (configuration)', async () => {
    const outcome = await run({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5999/x', DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: '/nonexistent/ca.pem' });
    expect(outcome.code).toBe(78);
    expectOneLineNaming(outcome, 'DATABASE_SSL_CA', /DATABASE_SSL_CA: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
  });

  it('any other start-up failure (here a truncated master-key file): one line, exit 1, the stack only at LOG_LEVEL=debug', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pls-startup-data-'));
    try {
      writeFileSync(join(data, 'master-key'), 'short\n', { mode: 0o600 });
      const outcome = await run({ DATABASE_URL: `sqlite:${join(data, 'app.db')}` });
      expect(outcome.code).toBe(1);
      const fatal = outcome.lines.filter((l) => l.includes('"level":60'));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatch(/start-up failed: .*master-key holds no usable secret/);
      expect(outcome.lines.filter((l) => l.includes('"stack"') || /^\s+at /.test(l))).toEqual([]);
      expect(outcome.elapsedMs).toBeLessThan(10_000);

      const debug = await run({ DATABASE_URL: `sqlite:${join(data, 'app.db')}`, LOG_LEVEL: 'debug' });
      expect(debug.code).toBe(1);
      expect(debug.lines.filter((l) => l.includes('"level":60'))[0]).toContain('"stack"');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});

describe('start-up line', () => {
  beforeAll(() => ensureBuilt());

  it('PORT=0: the system picks a free port, and the "listening on port" line names that one (not 0); the service answers there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pls-startup-port0-'));
    const child = spawn(process.execPath, [MAIN], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', JWT_SECRET: 'startup-e2e-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sA', LOG_LEVEL: 'info', PORT: '0', PUBLIC_URL: 'https://id.example.test', DATABASE_URL: `sqlite:${join(dir, 'app.db')}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          const found = out.split('\n').find((l) => l.includes('listening on port'));
          if (found) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${out}`)));
      });
      const port = Number(/listening on port (\d+);/.exec(line)?.[1]);
      expect(port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(undefined)));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
