import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describeUnless } from '../../../test/support/skips';

/**
 * Runs lowerWorkerPoolPriority in a fresh process (its pool must not have started yet) and reads
 * every thread's nice value from /proc.
 */
function niceValuesAfter(nice: number, o: { env?: Record<string, string>; size?: number } = {}): { result: { threads: number[]; skipped?: string }; nice: Record<string, number>; pid: number } {
  const script = `
    const { lowerWorkerPoolPriority, sizeWorkerPool } = require(${JSON.stringify(join(__dirname, 'worker-pool-priority.ts'))});
    const fs = require('node:fs');
    ${o.size === undefined ? '' : `sizeWorkerPool(${o.size});`}
    lowerWorkerPoolPriority(${nice}).then((result) => {
      const nice = {};
      for (const t of fs.readdirSync('/proc/self/task')) nice[t] = Number(fs.readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
      process.stdout.write(JSON.stringify({ result, nice, pid: process.pid }));
    });`;
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: join(__dirname, '..', '..', '..'),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', UV_THREADPOOL_SIZE: '3', ...o.env },
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describeUnless(process.platform === 'linux' ? null : 'not Linux', 'lowerWorkerPoolPriority (hashing threads yield to the main thread)', () => {
  it('gives exactly the pool threads (UV_THREADPOOL_SIZE) the nice value and leaves the main thread at 0', () => {
    const { result, nice, pid } = niceValuesAfter(10);
    expect(result.threads).toHaveLength(3);
    for (const tid of result.threads) expect(nice[tid]).toBe(10);
    expect(result.threads).not.toContain(pid);
    expect(nice[pid]).toBe(0);
    const others = Object.entries(nice).filter(([tid]) => !result.threads.includes(Number(tid)));
    expect(others.length).toBeGreaterThan(0);
    for (const [, value] of others) expect(value).toBe(0);
  });

  it('changes nothing when turned off (0)', () => {
    const { result, nice } = niceValuesAfter(0);
    expect(result).toEqual({ threads: [], skipped: 'disabled' });
    expect(Object.values(nice).every((value) => value === 0)).toBe(true);
  });
});

describeUnless(process.platform === 'linux' ? null : 'not Linux', 'sizeWorkerPool (before the pool\'s first job)', () => {
  it('starts the pool with that many threads, whatever UV_THREADPOOL_SIZE said before', () => {
    expect(niceValuesAfter(10, { size: 2 }).result.threads).toHaveLength(2);
    expect(niceValuesAfter(10, { size: 5, env: { UV_THREADPOOL_SIZE: '' } }).result.threads).toHaveLength(5);
  });
});
