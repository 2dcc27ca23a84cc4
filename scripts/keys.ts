/**
 * The key ring from the command line (README "Keys"):
 *   npm run keys -- list
 *   npm run keys -- rotate <signing|lookup|seal>
 */
import 'reflect-metadata';
import 'dotenv/config';
import { runKeysCli } from '../src/core/keys/keys-cli';

// Only the command's answer (a kid, the list) goes to stdout, so `KID=$(npm run -s keys -- rotate signing)`
// captures exactly the kid; every log line (Nest's, TypeORM's) goes to stderr.
console.log = (...args: unknown[]) => process.stderr.write(`${args.join(' ')}\n`);
console.info = console.log;
process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
const realStdout = (line: string) => (Object.getPrototypeOf(process.stdout) as { write: (s: string) => boolean }).write.call(process.stdout, line);

runKeysCli(process.argv.slice(2), process.env, { log: (line) => realStdout(`${line}\n`), error: (line) => process.stderr.write(`${line}\n`) }).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
