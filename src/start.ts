/**
 * What `npm start` runs: the service bundled into one file, `dist/bundle/service.js` (made by `npm run build`,
 * scripts/bundle.js), compiled with V8's code cache (src/bundle-loader.ts says how and why), then started
 * with `bootstrap()` (src/bootstrap.ts), which logs whether the cache was used.
 *
 * `PLS_WRITE_CODE_CACHE=1` loads the bundle (evaluates its modules, does not start the service), writes the
 * cache and exits: a step of the build.
 *
 * Imports nothing but Node's own modules and the loader: everything else is in the bundle.
 */
import { loadBundle, writeCodeCache } from './bundle-loader';

if (process.env.PLS_WRITE_CODE_CACHE === '1') {
  writeCodeCache('service');
  process.exit(0);
}
const service = loadBundle('service');
void service.exports.bootstrap({ codeCache: service.codeCache });
