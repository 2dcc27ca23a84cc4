/**
 * What `npm start` runs: the service bundled into one file, `dist/bundle/service.js` (made by `npm run build`,
 * scripts/bundle.js), compiled with V8's code cache `dist/bundle/service.js.cache`, then started with
 * `bootstrap()` (src/bootstrap.ts).
 *
 * Why: loading dist/ and node_modules file by file (~1,500 modules) was ~0.85 s of a 1.1 s start: resolving,
 * reading and compiling each file. From one file whose compiled code is cached, the service is healthy in
 * ~0.5 s (issue 22, BENCHMARKS.md). Node 22's `module.enableCompileCache()` caches compiled code natively;
 * Node 20, which this service supports, has no equivalent, hence these few lines.
 *
 * The cache only saves time. It starts with the CRC-32 of the bundle it was made from (V8 itself checks
 * only the source's length); when it is missing, unreadable, made from another bundle, or rejected by V8
 * (another Node.js version or V8 flags), the bundle is compiled from its source, as Node would, and the
 * start-up log says so. With `--enable-source-maps` the bundle is loaded by Node's own loader instead,
 * which is what applies its source map to stack traces (no cache then). `PLS_WRITE_CODE_CACHE=1` loads the
 * bundle (evaluates its modules, does not start the service), writes the cache and exits: the last step
 * of the build.
 *
 * Imports nothing but Node's own modules: everything else is in the bundle.
 */
import { isAscii } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { constants, Script } from 'node:vm';
import { crc32 } from 'node:zlib';
import type { CodeCacheUse } from './bootstrap';

const BUNDLE_DIR = join(__dirname, 'bundle');
const BUNDLE = join(BUNDLE_DIR, 'service.js');
const CODE_CACHE = `${BUNDLE}.cache`;
/** The cache file: the bundle's CRC-32 (4 bytes, big-endian), then V8's data. */
const HEADER_BYTES = 4;

interface Bundle {
  bootstrap(start?: { codeCache: CodeCacheUse }): Promise<void>;
}

/** Evaluates the bundle as a CommonJS module of its own directory; `cachedData` is V8's code cache for it. */
function evaluate(source: string, cachedData: Buffer | undefined): { exports: Bundle; script: Script } {
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

/**
 * The bundle's text. The build writes it in ASCII (scripts/bundle.js), which latin1 decodes into the string
 * V8 keeps in one byte a character (twice as fast as UTF-8 decoding, half the memory); any other bundle is
 * UTF-8.
 */
function text(bundle: Buffer): string {
  return isAscii(bundle) ? bundle.toString('latin1') : bundle.toString('utf8');
}

/** The cache's V8 data when it was made from exactly this bundle; otherwise why not. */
function readCache(bundleCrc: number): Buffer | Exclude<CodeCacheUse, 'used' | 'rejected'> {
  let file: Buffer;
  try {
    file = readFileSync(CODE_CACHE);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  if (file.length <= HEADER_BYTES || file.readUInt32BE(0) !== bundleCrc) return 'stale';
  return file.subarray(HEADER_BYTES);
}

function main(): void {
  let bundle: Buffer;
  try {
    bundle = readFileSync(BUNDLE);
  } catch (error) {
    process.stderr.write(`cannot read ${BUNDLE} (${(error as NodeJS.ErrnoException).code ?? String(error)}): run \`npm run build\` (nest build, then scripts/bundle.js)\n`);
    process.exit(1);
  }
  if (process.env.PLS_WRITE_CODE_CACHE === '1') {
    const { script } = evaluate(text(bundle), undefined);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32BE(crc32(bundle));
    writeFileSync(CODE_CACHE, Buffer.concat([header, script.createCachedData()]));
    process.exit(0);
  }
  if (process.sourceMapsEnabled) {
    // Node maps stack traces only for code its loader loaded.
    void (createRequire(__filename)(BUNDLE) as Bundle).bootstrap({ codeCache: 'off (source maps)' });
    return;
  }
  const cache = readCache(crc32(bundle));
  const { exports, script } = evaluate(text(bundle), Buffer.isBuffer(cache) ? cache : undefined);
  const codeCache: CodeCacheUse = Buffer.isBuffer(cache) ? (script.cachedDataRejected ? 'rejected' : 'used') : cache;
  void exports.bootstrap({ codeCache });
}

main();
