import { pbkdf2 } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Sizes libuv's pool (UV_THREADPOOL_SIZE, which libuv reads when the pool starts, on its first job): must run
 * before anything uses the pool, as {@link lowerWorkerPoolPriority} must. Always written, so that an empty
 * UV_THREADPOOL_SIZE from a .env file (libuv would read it as 1 thread) takes the configured size too.
 */
export function sizeWorkerPool(threads: number): void {
  process.env.UV_THREADPOOL_SIZE = String(threads);
}

/** What {@link lowerWorkerPoolPriority} did: the threads it reniced, or why it did nothing. */
export interface WorkerPoolPriorityResult {
  /** Thread ids (Linux TIDs) given the lower priority. */
  threads: number[];
  /** Why nothing was changed: not Linux, turned off, or the pool was already running. */
  skipped?: 'not-linux' | 'disabled' | 'pool-already-started';
}

function taskIds(): Set<number> {
  return new Set(readdirSync('/proc/self/task').map(Number));
}

/** One job on libuv's thread pool; the pool's threads are created together on the first job. */
function onePoolJob(): Promise<void> {
  return new Promise((resolve) => pbkdf2('', '', 1, 1, 'sha256', () => resolve()));
}

/**
 * Raises the nice value of libuv's worker-pool threads (where bcrypt and argon2 hash, on
 * `UV_THREADPOOL_SIZE` threads: {@link sizeWorkerPool} sets it first) to `nice` (0–19, Linux `setpriority(2)` on each thread
 * id), so that on a machine whose cores are all hashing, the main thread — HTTP parsing, routing,
 * SQLite, timers, the outbox — still runs as soon as it has work: a cheap request is not queued
 * behind a dozen 50 ms hashes, and the hashing threads take every cycle the main thread leaves.
 * Throughput of hashing endpoints is unchanged (their non-hash work runs on the main thread too).
 *
 * Must run before anything else uses the pool: the pool's threads are told apart from V8's and
 * Node's own by appearing with the first pool job. If the pool is already running, nothing is
 * changed (`skipped: 'pool-already-started'`). Linux only; a no-op elsewhere. Raising a nice value
 * needs no privilege (lowering it back would).
 */
export async function lowerWorkerPoolPriority(nice: number): Promise<WorkerPoolPriorityResult> {
  if (process.platform !== 'linux') return { threads: [], skipped: 'not-linux' };
  if (nice <= 0) return { threads: [], skipped: 'disabled' };
  const before = taskIds();
  await onePoolJob();
  const started = [...taskIds()].filter((tid) => !before.has(tid));
  if (started.length === 0) return { threads: [], skipped: 'pool-already-started' };
  const threads: number[] = [];
  for (const tid of started) {
    try {
      setPriority(tid, nice);
      threads.push(tid);
    } catch {
      // a thread that ended in between; nothing to lower
    }
  }
  return { threads };
}
