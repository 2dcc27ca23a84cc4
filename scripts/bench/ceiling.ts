/**
 * The raw hashing ceiling, run by the bench in a child process of its own (so neither the bench nor the
 * service shares its event loop): one hash at a time (ms per hash), then `concurrency` hashes, then
 * `concurrency` verifies, kept in flight for `seconds` each on the libuv pool, as the service runs them.
 * Both schemes go through the project's own PasswordHasher (bcrypt with its pre-hash; argon2id at
 * m=19456 KiB, t=2, p=1 through @node-rs/argon2), as the service hashes. Prints one JSON line.
 *   node -r ts-node/register/transpile-only scripts/bench/ceiling.ts <bcrypt|argon2id> <cost> <seconds> <concurrency> <singleRuns>
 */
import { PasswordHasher } from '../../src/core/password/password-hasher';

const PASSWORD = 'Ceiling-Bench-Password-9';

async function main(): Promise<void> {
  const [scheme, costArg, secondsArg, concurrencyArg, runsArg] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const concurrency = Number(concurrencyArg);
  const hasher = new PasswordHasher({ cost: Number(costArg), scheme: scheme === 'argon2id' ? 'argon2id' : 'bcrypt' });
  const stored = await hasher.hash(PASSWORD);
  const hash = (): Promise<unknown> => hasher.hash(PASSWORD);
  const verify = (): Promise<unknown> => hasher.verify(PASSWORD, stored);
  const library = scheme === 'argon2id'
    ? 'PasswordHasher (argon2id m=19456 KiB t=2 p=1, @node-rs/argon2)'
    : `PasswordHasher (bcrypt cost ${costArg}, HMAC-SHA-384 pre-hash)`;

  await hash(); // warm
  const runs = Number(runsArg);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await hash();
  const singleHashMs = (performance.now() - t0) / runs;

  /** Operations per second with `concurrency` in flight, and the process's CPU ms per operation (all threads). */
  async function throughput(fn: () => Promise<unknown>): Promise<{ rate: number; cpuMs: number }> {
    const cpu0 = process.cpuUsage();
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
    const cpu = process.cpuUsage(cpu0);
    return { rate: done / ((last - started) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / done };
  }
  const { rate: hashesPerSecond, cpuMs: hashCpuMs } = await throughput(hash);
  const { rate: verifiesPerSecond, cpuMs: verifyCpuMs } = await throughput(verify);
  process.stdout.write(`${JSON.stringify({ scheme, library, singleHashMs, hashesPerSecond, verifiesPerSecond, hashCpuMs, verifyCpuMs, concurrency })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
