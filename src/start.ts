/**
 * What `npm start` runs: the service bundled into one file, `dist/bundle/service.js` (made by `npm run build`,
 * scripts/bundle.js), compiled with V8's code cache `dist/bundle/service.js.cache`, then started with
 * `bootstrap()` (src/bootstrap.ts).
 *
 * Why: loading dist/ and node_modules file by file (~1,500 modules) was ~0.85 s of a 1.1 s start: resolving,
 * reading and compiling each file. From one file whose compiled code is cached, the service is healthy in
 * ~0.55 s (issue 22, BENCHMARKS.md). Node 22's `module.enableCompileCache()` caches compiled code natively;
 * Node 20, which this service supports, has no equivalent, hence these few lines.
 *
 * The cache only saves time: when it is missing, or V8 rejects it (another Node version or V8 flags), the
 * bundle is compiled from its source, as Node would. `PLS_WRITE_CODE_CACHE=1` loads the bundle (evaluates
 * its modules, does not start the service), writes the cache and exits: the last step of the build.
 *
 * Imports nothing but Node's own modules: everything else is in the bundle.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { constants, Script } from 'node:vm';

const BUNDLE_DIR = join(__dirname, 'bundle');
const BUNDLE = join(BUNDLE_DIR, 'service.js');
const CODE_CACHE = `${BUNDLE}.cache`;

interface Bundle {
  bootstrap(): Promise<void>;
}

/** Evaluates the bundle as a CommonJS module of its own directory; `cachedData` is V8's code cache for it. */
function loadBundle(cachedData: Buffer | undefined): { exports: Bundle; script: Script } {
  const source = readFileSync(BUNDLE, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE,
    cachedData,
    // The bundle's own `import()` calls (ESM-only packages) load as in any module of the main context.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as Bundle, filename: BUNDLE, id: BUNDLE, loaded: false };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, BUNDLE_DIR);
  module.loaded = true;
  return { exports: module.exports, script };
}

function main(): void {
  if (!existsSync(BUNDLE)) {
    process.stderr.write(`${BUNDLE} is missing: run \`npm run build\` (nest build, then scripts/bundle.js)\n`);
    process.exit(1);
  }
  if (process.env.PLS_WRITE_CODE_CACHE === '1') {
    const { script } = loadBundle(undefined);
    writeFileSync(CODE_CACHE, script.createCachedData());
    process.exit(0);
  }
  const { exports } = loadBundle(existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined);
  void exports.bootstrap();
}

main();
