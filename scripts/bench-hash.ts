/**
 * Prints what hashing costs on this machine: one hash per cost, throughput with the libuv pool
 * busy, and a 5-deep history check run in parallel versus one after another.
 *   npm run bench:hash            (UV_THREADPOOL_SIZE changes the pool; default 4)
 */
import { availableParallelism } from 'node:os';
import { PasswordHasher } from '../src/core/password/password-hasher';
import { matchesAnyRecent } from '../src/core/password/password-history.check';

async function timeIt(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1e6 / runs;
}

async function main(): Promise<void> {
  console.log(`cores: ${availableParallelism()}, UV_THREADPOOL_SIZE: ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`);
  for (const cost of [4, 10, 12]) {
    const hasher = new PasswordHasher({ cost });
    const runs = cost >= 12 ? 5 : 10;
    const ms = await timeIt(() => hasher.hash('Correct-Horse-Battery-9'), runs);
    console.log(`cost ${cost}: ${ms.toFixed(1)} ms per hash (sequential, ${runs} runs)`);
  }
  const hasher = new PasswordHasher({ cost: 10 });
  const n = 16;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, () => hasher.hash('Correct-Horse-Battery-9')));
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`cost 10: ${n} concurrent hashes in ${wall.toFixed(0)} ms → ${(n / (wall / 1000)).toFixed(1)} hashes/s`);

  const history = await Promise.all(Array.from({ length: 5 }, (_, i) => hasher.hash(`Old-Password-${i}!`)));
  const parallel = await timeIt(() => matchesAnyRecent(hasher, 'New-Password-9!', history), 3);
  const sequential = await timeIt(async () => {
    for (const h of history) await hasher.verify('New-Password-9!', h);
  }, 3);
  console.log(`cost 10: history check of 5: ${parallel.toFixed(0)} ms in parallel vs ${sequential.toFixed(0)} ms one after another`);
}

void main();
