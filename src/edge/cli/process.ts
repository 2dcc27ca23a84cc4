/**
 * The operator CLI as a process (README "Operator CLI"): runs the command named by the process's arguments
 * with its environment, then exits with the command's code (EXIT: 0 done, 1 refused or failed, 2 usage
 * error). Only a command's answer goes to stdout; every log line (Nest's, TypeORM's, console's) goes to
 * stderr. Started by src/edge/cli/main.ts (the per-file build, ts-node) or src/cli-start.ts (the bundle).
 */
import 'reflect-metadata';
import 'dotenv/config';
import { runCli } from './cli';

export function runCliProcess(): void {
  const realStdout = process.stdout.write.bind(process.stdout);
  // `npm run -s cli -- outbox show | head`: a closed pipe ends the command quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
  const toStderr = (...args: unknown[]) => process.stderr.write(`${args.join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;

  runCli(process.argv.slice(2), process.env, { stdout: (s) => void realStdout(s), stderr: (s) => void process.stderr.write(s) }).then(
    (code) => {
      process.exitCode = code;
      // Open handles (a pool, a Redis client) must not keep a finished command alive.
      setTimeout(() => process.exit(code), 100).unref();
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
