/**
 * The key ring from the command line (README "Keys"):
 *   npm run keys -- list
 *   npm run keys -- rotate <signing|lookup|seal>
 */
import 'reflect-metadata';
import 'dotenv/config';
import { runKeysCli } from '../src/keys/keys-cli';

runKeysCli(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
