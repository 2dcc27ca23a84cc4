import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl in a temp dir, on a free port), so a test
 * can freeze (SIGSTOP) or stop it without touching the shared server. initdb refuses to run as root:
 * then every server command runs as the `postgres` user (runuser).
 */
export class PrivatePostgres {
  private frozen: number[] = [];

  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly runAs: string | null,
  ) {}

  /** The binaries' directory (newest version under /usr/lib/postgresql), or null when none is installed. */
  static findBinaries(): string | null {
    const root = '/usr/lib/postgresql';
    if (!existsSync(root)) return null;
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    return versions.length > 0 ? join(root, versions[0], 'bin') : null;
  }

  /** initdb (trust auth, no fsync) and start on a free port; resolves when it accepts connections. */
  static async start(): Promise<PrivatePostgres> {
    const bin = PrivatePostgres.findBinaries();
    if (!bin) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    const runAs = process.getuid?.() === 0 ? 'postgres' : null;
    const dir = mkdtempSync(join(tmpdir(), 'pls-private-pg-'));
    if (runAs) {
      const uid = Number(execFileSync('id', ['-u', runAs]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', runAs]).toString().trim());
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    const port = await freePort();
    const server = new PrivatePostgres(bin, dir, port, runAs);
    server.run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    server.launch();
    return server;
  }

  /** Stops the server as an operator would (`pg_ctl stop -m fast`: every session is ended at once), keeping its data. */
  shutDown(mode: 'fast' | 'immediate' = 'fast'): void {
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
  }

  /** Starts the server again on the same port and data after shutDown(); returns once it accepts connections (pg_ctl -w). */
  launch(): void {
    this.run('pg_ctl', [
      '-D', join(this.dir, 'data'), '-l', join(this.dir, 'server.log'), '-w', '-t', '30',
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      'start',
    ]);
  }

  /** DATABASE_URL for the server's default database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Freezes the server: SIGSTOP to the postmaster and every backend (connections stay open, nothing answers). */
  freeze(): void {
    const pids = this.processIds();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    this.frozen = pids;
  }

  /** Lets a frozen server answer again (SIGCONT to every process it froze, and to any found now). */
  thaw(): void {
    const pids = new Set([...this.frozen, ...this.processIds()]);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    this.frozen = [];
  }

  /** Thaws, stops (fast shutdown) and removes the data directory. Safe to call twice. */
  stop(): void {
    if (!existsSync(this.dir)) return;
    this.thaw();
    if (existsSync(join(this.dir, 'data', 'postmaster.pid'))) {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', '-t', '30', 'stop'], true);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The postmaster (first line of postmaster.pid) and its children. */
  private processIds(): number[] {
    const pidFile = join(this.dir, 'data', 'postmaster.pid');
    if (!existsSync(pidFile)) return [];
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!Number.isInteger(postmaster) || postmaster <= 0) return [];
    // Its children, from /proc (field 4 of /proc/<pid>/stat is the parent's pid; the name before it may hold spaces).
    const children = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
        } catch {
          return false; // gone meanwhile
        }
      })
      .map(Number);
    return [postmaster, ...children];
  }

  private run(tool: string, args: string[], ignoreFailure = false): void {
    const [cmd, argv] = this.runAs ? ['runuser', ['-u', this.runAs, '--', join(this.bin, tool), ...args]] : [join(this.bin, tool), args];
    const result = spawnSync(cmd, argv, { encoding: 'utf8', cwd: this.dir, timeout: 60_000 });
    if (result.status !== 0 && !ignoreFailure) {
      throw new Error(`${tool} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
    }
  }
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
