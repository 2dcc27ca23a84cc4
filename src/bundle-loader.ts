/**
 * Loads a one-file bundle that `npm run build` makes (scripts/bundle.js), compiled with V8's code cache of it:
 * `dist/bundle/service.js` (+ `.cache`) for what `npm start` runs (src/start.ts), `dist/bundle/cli.js` for what
 * `npm run cli` runs (src/cli-start.ts). Two bundles, so the service does not load the CLI's packages.
 *
 * Why: loading dist/ and node_modules file by file (~1,500 modules) was ~0.85 s of a 1.1 s start: resolving,
 * reading and compiling each file. From one file whose compiled code is cached, the service is healthy in
 * ~0.5 s (issue 22, BENCHMARKS.md). Node 22's `module.enableCompileCache()` caches compiled code natively;
 * Node 20, which this service supports, has no equivalent, hence these few lines.
 *
 * The cache only saves time. It starts with the CRC-32 of the bundle it was made from (V8 itself checks
 * only the source's length); when it is missing, unreadable, made from another bundle, or rejected by V8
 * (another Node.js version or V8 flags), the bundle is compiled from its source, as Node would, and the
 * caller says so. With `--enable-source-maps` the bundle is loaded by Node's own loader instead, which is
 * what applies its source map to stack traces (no cache then).
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
/** The cache file: the bundle's CRC-32 (4 bytes, big-endian), then V8's data. */
const HEADER_BYTES = 4;

/** What each bundle exports: its entry's exports (scripts/bundle.js). */
export interface Bundles {
  service: { bootstrap(start?: { codeCache: CodeCacheUse }): Promise<void> };
  cli: { runCliProcess(): void };
}
export type BundleName = keyof Bundles;

/** The bundle's file. */
export function bundleFile(name: BundleName): string {
  return join(BUNDLE_DIR, `${name}.js`);
}

/** Evaluates a bundle as a CommonJS module of its own directory; `cachedData` is V8's code cache for it. */
function evaluate<N extends BundleName>(file: string, source: string, cachedData: Buffer | undefined): { exports: Bundles[N]; script: Script } {
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
    // The bundle's own `import()` calls (ESM-only packages) load as in any module of the main context.
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as Bundles[N], filename: file, id: file, loaded: false };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, BUNDLE_DIR);
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
function readCache(cacheFile: string, bundleCrc: number): Buffer | Exclude<CodeCacheUse, 'used' | 'rejected'> {
  let file: Buffer;
  try {
    file = readFileSync(cacheFile);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  if (file.length <= HEADER_BYTES || file.readUInt32BE(0) !== bundleCrc) return 'stale';
  return file.subarray(HEADER_BYTES);
}

/** The bundle's bytes, or exit 1 naming the build when it cannot be read. */
function readBundle(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    process.stderr.write(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): run \`npm run build\` (nest build, then scripts/bundle.js)\n`);
    process.exit(1);
  }
}

/** A bundle's exports, evaluated with its code cache when that fits (or by Node's loader under source maps), and how the cache was used. */
export function loadBundle<N extends BundleName>(name: N): { exports: Bundles[N]; codeCache: CodeCacheUse } {
  const file = bundleFile(name);
  if (process.sourceMapsEnabled) {
    // Node maps stack traces only for code its loader loaded.
    return { exports: createRequire(__filename)(file) as Bundles[N], codeCache: 'off (source maps)' };
  }
  const bundle = readBundle(file);
  const cache = readCache(`${file}.cache`, crc32(bundle));
  const { exports, script } = evaluate<N>(file, text(bundle), Buffer.isBuffer(cache) ? cache : undefined);
  return { exports, codeCache: Buffer.isBuffer(cache) ? (script.cachedDataRejected ? 'rejected' : 'used') : cache };
}

/**
 * Evaluates a bundle's modules (without starting anything) and writes its code cache: the last step of the
 * build, run under the node flags the bundle runs with (V8 rejects a cache made under other flags).
 */
export function writeCodeCache(name: BundleName): void {
  const file = bundleFile(name);
  const bundle = readBundle(file);
  const { script } = evaluate(file, text(bundle), undefined);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(crc32(bundle));
  writeFileSync(`${file}.cache`, Buffer.concat([header, script.createCachedData()]));
}
