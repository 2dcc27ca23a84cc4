/**
 * What `npm run cli` runs once the service is built (scripts/cli.js): the operator CLI bundled into one file,
 * `dist/bundle/cli.js`, compiled with its code cache (src/bundle-loader.ts), instead of dist/ file by file
 * (issue 22: a command that only reads within 1.5 s). The CLI itself: src/edge/cli/process.ts. Whether the
 * cache was used changes only the time, and a command's output stays its own: not reported. The cache fits
 * the node flags of package.json's `cli` script (the same as `start`'s).
 *
 * `PLS_WRITE_CODE_CACHE=1` loads the bundle (evaluates its modules, runs no command), writes the cache and
 * exits: a step of the build.
 *
 * Imports nothing but Node's own modules and the loader: everything else is in the bundle.
 */
import { loadBundle, writeCodeCache } from './bundle-loader';

if (process.env.PLS_WRITE_CODE_CACHE === '1') {
  writeCodeCache('cli');
  process.exit(0);
}
loadBundle('cli').exports.runCliProcess();
