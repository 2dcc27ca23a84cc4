/**
 * The operator CLI (README "Operator CLI") from the per-file build or the sources: `npm run cli -- <command>`
 * (scripts/cli.js runs src/cli-start.ts, the bundle, when the service is built), `--help` for the list.
 * The process: ./process.ts.
 */
import { runCliProcess } from './process';

runCliProcess();
