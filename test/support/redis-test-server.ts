import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** A TCP port nothing listens on right now (the OS picks it; it is closed again at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A private redis-server (no persistence) on its own port in a temp dir, for fault tests: stop() and
 * start() it again on the same port. Never touches the shared Redis of TEST_REDIS_URL.
 */
export class RedisTestServer {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'pls-redis-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisTestServer> {
    const server = new RedisTestServer(await freePort());
    await server.up();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server (again) on the same port; resolves once it answers PING. */
  async up(): Promise<void> {
    if (this.child) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], {
      stdio: 'ignore',
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 5_000;
    while (!(await this.answersPing())) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops this server (the process we started, by its pid) and waits for it to exit. */
  async down(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) this server: connections stay open, nothing answers meanwhile. */
  freeze(frozen: boolean): void {
    this.child?.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  async stop(): Promise<void> {
    this.freeze(false);
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The keys matching `pattern` (KEYS is fine on this private, tiny instance). */
  keys(pattern: string): Promise<string[]> {
    return this.withClient((r) => r.keys(pattern));
  }

  get(key: string): Promise<string | null> {
    return this.withClient((r) => r.get(key));
  }

  private async answersPing(): Promise<boolean> {
    try {
      return (await this.withClient((r) => r.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  private async withClient<T>(work: (r: Redis) => Promise<T>): Promise<T> {
    const r = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await work(r);
    } finally {
      r.disconnect(false);
    }
  }
}
