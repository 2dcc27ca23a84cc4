import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, MAIN } from './support/built-service';
import { freePort } from '../support/redis-test-server';

/**
 * SIGTERM against the built service, run the way an operator runs it (`node dist/main.js`), on a
 * SQLite file. Issue 8 §3: keep-alive connections used to keep being served and the process ended by
 * signal 13.5 s later.
 */
jest.setTimeout(120_000);

interface Service {
  child: ChildProcess;
  port: number;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  dir: string;
}

async function startService(env: Record<string, string>): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'pls-shutdown-'));
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir, // no .env of the developer's is read
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      JWT_SECRET: 'shutdown-e2e-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sA',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter((l) => l.length > 0));
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      if (partial) lines.push(partial); // an incomplete last line stays visible to the assertions
      resolve({ code, signal, at: Date.now() });
    }),
  );
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.includes('listening on port'))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`service did not start: ${stderr}\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, port, lines, exited, dir };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** Sends one HTTP/1.1 request on `socket` (kept alive) and reads one response with a Content-Length. */
function send(socket: Socket, method: string, path: string, body?: unknown): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...headerLines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? 0);
      if (data.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('error', reject);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: data.subarray(end + 4, end + 4 + length).toString('utf8'), at: Date.now() });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    const payload = body === undefined ? '' : JSON.stringify(body);
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n` +
        (body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`) +
        `\r\n${payload}`,
    );
  });
}

/** Resolves with the time the socket closed, and whether any byte arrived on it after `since` was called. */
function closed(socket: Socket): Promise<{ at: number; extraBytes: number }> {
  let extraBytes = 0;
  socket.on('data', (chunk: Buffer) => void (extraBytes += chunk.length));
  return new Promise((resolve) => {
    if (socket.destroyed) resolve({ at: Date.now(), extraBytes });
    socket.once('close', () => resolve({ at: Date.now(), extraBytes }));
  });
}

function refused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe('SIGTERM: graceful shutdown of `node dist/main.js`', () => {
  let service: Service | undefined;
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL'); // only the process this test started
      await service.exited;
    }
    if (service) rmSync(service.dir, { recursive: true, force: true });
    service = undefined;
  });

  it('finishes the request in flight with Connection: close, closes the idle keep-alive connection, refuses new ones, exits 0 in time with complete JSON logs', async () => {
    const timeoutSeconds = 8;
    // bcrypt cost 13: the login below (an unknown address: a dummy hash, then a compare) takes a while
    service = await startService({ BCRYPT_COST: '13', SHUTDOWN_TIMEOUT_SECONDS: String(timeoutSeconds) });
    const { port, child } = service;

    const idle = await open(port);
    const first = await send(idle, 'GET', '/health/live');
    expect(first.status).toBe(200);
    expect(first.headers.connection).toBe('keep-alive');
    const idleClosed = closed(idle);

    const busy = await open(port);
    const login = send(busy, 'POST', '/auth/login', { email: 'nobody@example.com', password: 'Wrong-Password-1' });
    await new Promise((r) => setTimeout(r, 150));

    const signalledAt = Date.now();
    child.kill('SIGTERM');

    // the idle keep-alive connection is closed at once, without another byte
    const idleEnd = await idleClosed;
    expect(idleEnd.extraBytes).toBe(0);
    expect(idleEnd.at - signalledAt).toBeLessThan(1_500);
    // no new connection is accepted
    expect(await refused(port)).toBe('ECONNREFUSED');

    // the request in flight gets its normal answer, and its connection ends after it
    const busyClosed = closed(busy);
    const answer = await login;
    expect(answer.at).toBeGreaterThan(signalledAt); // it really was in flight when the signal came
    expect(answer.status).toBe(401);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual(expect.any(Object));
    await busyClosed;

    const exit = await service.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(timeoutSeconds * 1000);

    // every line, the last ones included, is complete JSON; the last says it stopped
    const logs = service.lines.map((l) => JSON.parse(l) as { msg?: string; context?: string });
    expect(logs.some((l) => l.context === 'Shutdown' && /SIGTERM received/.test(l.msg ?? ''))).toBe(true);
    expect(logs[logs.length - 1]).toMatchObject({ context: 'Shutdown', msg: 'stopped' });
  });

  it('past SHUTDOWN_TIMEOUT_SECONDS it closes every connection and still exits 0', async () => {
    service = await startService({ BCRYPT_COST: '4', SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const { port, child } = service;
    // a request whose body never finishes arriving: in flight for as long as the client likes
    const stuck = await open(port);
    stuck.write('POST /auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":');
    const stuckClosed = closed(stuck);
    await new Promise((r) => setTimeout(r, 200));

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const exit = await service.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(900);
    expect(exit.at - signalledAt).toBeLessThan(4_000);
    await stuckClosed;

    const logs = service.lines.map((l) => JSON.parse(l) as { msg?: string; level?: number });
    expect(logs.some((l) => l.level === 40 && /still running after 1 s: closing every connection/.test(l.msg ?? ''))).toBe(true);
    expect(logs[logs.length - 1]).toMatchObject({ msg: 'stopped' });
  });
});
