import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { ensureBuilt, Instance, startInstance, stopInstance, waitReady } from '../e2e/support/built-service';
import { freePort } from '../support/redis-test-server';
import { instanceDir, parseLogLines, productionEnv } from './support/artifact';

/**
 * The threads that hash (libuv's pool) in the built service: one a core, 2 to 4, unless UV_THREADPOOL_SIZE
 * says otherwise (issue 22: argon2id's peak memory is 19 MiB a hash in flight; 4 threads on 2 cores hash no
 * faster than 2). The count is the one the service's start-up line reports: the threads that appeared with
 * the pool's first job.
 */
jest.setTimeout(90_000);

/** The documented default (src/ground/config/hash-threads.ts; this tier imports no sources): one a core, 2 to 4. */
const DEFAULT_THREADS = Math.min(4, Math.max(2, availableParallelism()));

describe('the built service sizes its hashing threads', () => {
  let instance: Instance | undefined;
  let dir: string | undefined;

  beforeAll(() => ensureBuilt(), 240_000);
  afterEach(async () => {
    await stopInstance(instance);
    if (dir) rmSync(dir, { recursive: true, force: true });
    instance = dir = undefined;
  });

  async function start(env: Record<string, string>, prepare: (dir: string) => void = () => undefined): Promise<Instance> {
    dir = instanceDir();
    prepare(dir);
    const port = await freePort();
    instance = startInstance('hash-threads', port, { ...productionEnv(dir, port), LOG_LEVEL: 'debug', ...env }, dir);
    return instance;
  }

  /** The start-up line about the hashing threads: how many appeared, and the size asked for. */
  function hashingThreadsLine(started: Instance): { threads: number; size: number } {
    const line = parseLogLines(started.output.join('')).find((entry) => entry.msg === 'hashing threads reniced');
    if (!line) throw new Error(`no "hashing threads reniced" line in:\n${started.output.join('')}`);
    return { threads: line.threads as number, size: line.size as number };
  }

  const linuxIt = process.platform === 'linux' ? it : it.skip;

  linuxIt('without UV_THREADPOOL_SIZE: one thread a core, at least 2 and at most 4', async () => {
    const started = await start({});
    expect(await waitReady(started, 60_000)).toBe(200);
    expect(hashingThreadsLine(started)).toEqual({ threads: DEFAULT_THREADS, size: DEFAULT_THREADS });
  });

  linuxIt('UV_THREADPOOL_SIZE=5: five threads, on any machine', async () => {
    const started = await start({ UV_THREADPOOL_SIZE: '5' });
    expect(await waitReady(started, 60_000)).toBe(200);
    expect(hashingThreadsLine(started)).toEqual({ threads: 5, size: 5 });
  });

  linuxIt('a module preloaded through NODE_OPTIONS that used the pool first: the service says at warn that the pool keeps libuv\'s size and priority', async () => {
    const started = await start({ NODE_OPTIONS: '--require ./uses-the-pool.js' }, (d) => writeFileSync(join(d, 'uses-the-pool.js'), "require('node:crypto').pbkdf2('', '', 1, 1, 'sha256', () => undefined);\n"));
    expect(await waitReady(started, 60_000)).toBe(200);
    const lines = parseLogLines(started.output.join(''));
    const warning = lines.find((entry) => entry.level === 40 && String(entry.msg).startsWith("libuv's thread pool was already running"));
    expect(warning).toMatchObject({ context: 'Bootstrap', size: DEFAULT_THREADS, nice: 10 });
    expect(String(warning!.msg)).toContain('(UV_THREADPOOL_SIZE as it was then, else libuv\'s 4)');
    expect(lines.find((entry) => entry.msg === 'hashing threads reniced')).toBeUndefined();
  });

  it('UV_THREADPOOL_SIZE=0 stops the start with exit 78 and a line naming the variable', async () => {
    const started = await start({ UV_THREADPOOL_SIZE: '0' });
    expect(await started.exited).toBe(78);
    expect(started.output.join('')).toContain('UV_THREADPOOL_SIZE: UV_THREADPOOL_SIZE must be a whole number of threads from 1 to 1024 (got "0")');
  });
});
