import { availableParallelism } from 'node:os';

/**
 * How many threads libuv's pool gets when UV_THREADPOOL_SIZE is not set: one a core (`cores`, by default
 * os.availableParallelism()), at least 2 so that a one-core machine still has a thread for the pool's other
 * jobs while one hashes, and at most libuv's own default of 4.
 *
 * Why not libuv's 4 everywhere: on a machine of 2 or 3 cores, 4 hashing threads do no more hashes a second
 * than one a core (bcrypt 10 on 2 cores: 36.8 vs 37.3 hashes/s; argon2id 126.5 vs 138.5, the extra threads
 * only take turns on the cores), but every argon2id hash in flight holds its 19 MiB: 4 at once took the
 * service's peak RSS to ~215 MB where 2 at once keep it at ~175 MB (BENCHMARKS.md, finding 16). Why not more
 * than 4 by default: the count of cores Node 20 sees follows the CPU affinity (taskset, cpusets) but not a
 * container's CPU quota (cgroup cpu.max), and each thread may hold an argon2id hash's memory; set
 * UV_THREADPOOL_SIZE to the cores the service really has to hash on more.
 */
export function defaultWorkerPoolSize(cores: number = availableParallelism()): number {
  return Math.min(4, Math.max(2, cores));
}
