/**
 * The raw hashing ceiling, run by the bench in a child process of its own (so neither the bench nor the
 * service shares its event loop): one hash at a time (ms per hash), then `concurrency` hashes, then
 * `concurrency` verifies, kept in flight for `seconds` each on the libuv pool, as the service runs them.
 * bcrypt goes through the project's own PasswordHasher (pre-hash included); argon2id through
 * @node-rs/argon2 with m=19456 KiB, t=2, p=1. Prints one JSON line.
 *   node -r ts-node/register/transpile-only scripts/bench/ceiling.ts <bcrypt|argon2id> <cost> <seconds> <concurrency> <singleRuns>
 */
import { PasswordHasher } from '../../src/password/password-hasher';

const PASSWORD = 'Ceiling-Bench-Password-9';

async function main(): Promise<void> {
  const [scheme, costArg, secondsArg, concurrencyArg, runsArg] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const concurrency = Number(concurrencyArg);
  let hash: () => Promise<unknown>;
  let verify: () => Promise<unknown>;
  let library: string;
  if (scheme === 'argon2id') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const argon2 = require('@node-rs/argon2') as typeof import('@node-rs/argon2');
    const options = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19456, timeCost: 2, parallelism: 1 };
    const stored = await argon2.hash(PASSWORD, options);
    hash = () => argon2.hash(PASSWORD, options);
    verify = () => argon2.verify(stored, PASSWORD);
    library = '@node-rs/argon2 argon2id m=19456 t=2 p=1';
  } else {
    const hasher = new PasswordHasher({ cost: Number(costArg) });
    const stored = await hasher.hash(PASSWORD);
    hash = () => hasher.hash(PASSWORD);
    verify = () => hasher.verify(PASSWORD, stored);
    library = `PasswordHasher (bcrypt cost ${costArg}, HMAC-SHA-384 pre-hash)`;
  }

  await hash(); // warm
  const runs = Number(runsArg);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await hash();
  const singleHashMs = (performance.now() - t0) / runs;

  async function throughput(fn: () => Promise<unknown>): Promise<number> {
    const started = performance.now();
    const deadline = started + seconds * 1000;
    let done = 0;
    let last = started;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await fn();
        done++;
        last = performance.now();
      }
    }));
    return done / ((last - started) / 1000);
  }
  const hashesPerSecond = await throughput(hash);
  const verifiesPerSecond = await throughput(verify);
  process.stdout.write(`${JSON.stringify({ scheme, library, singleHashMs, hashesPerSecond, verifiesPerSecond, concurrency })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
