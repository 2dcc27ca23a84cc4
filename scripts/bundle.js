// The second step of `npm run build` (after `nest build`): bundles the service, and the operator CLI, each into
// one file, and caches their compiled code, for a fast start (src/bundle-loader.ts says why; issue 22).
//   dist/bundle/service.js        dist/bootstrap.js (`bootstrap`, for npm start: src/start.ts) and what it
//                                 imports, node_modules included (esbuild)
//   dist/bundle/service.js.cache  V8's code cache of it, written by `PLS_WRITE_CODE_CACHE=1 node dist/start.js`
//   dist/bundle/cli.js, .cache    the same for dist/edge/cli/process.js (`runCliProcess`, for npm run cli:
//                                 src/cli-start.ts), its cache written by dist/cli-start.js
//   dist/bundle/assets, templates what the bundled code reads from its own directory (`__dirname`)
// Exits 1, naming the cause, when a step fails.
const { spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const acorn = require('acorn');
const { decode, encode } = require('@jridgewell/sourcemap-codec');
const esbuild = require('esbuild');

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const OUT_DIR = join(DIST, 'bundle');

/**
 * Left to Node's own `require` at run time: native addons (bcrypt, better-sqlite3, @node-rs/argon2),
 * pino-pretty (a development dependency, loaded only when present), swagger-ui-dist (Swagger UI's static files,
 * served from its directory), and the optional packages of TypeORM, Nest and nest-commander that this service
 * does not use (their `require` sits in a try/catch, or behind a setting). pino itself is bundled: its
 * transports, which start worker threads from their own files, are never used here (pino-pretty is a stream
 * in the main thread, src/ground/common/logging.ts); loading it file by file cost ~20 ms of every start.
 */
const EXTERNAL = [
  'bcrypt', 'better-sqlite3', '@node-rs/argon2', 'pino-pretty', 'swagger-ui-dist',
  // Nest's optional packages
  '@nestjs/microservices', '@nestjs/websockets', '@nestjs/graphql', '@nestjs/mongoose', '@nestjs/sequelize',
  '@nestjs/mikro-orm', '@mikro-orm/*', '@fastify/*', 'class-transformer/storage', '@apollo/*', '@grpc/*',
  // TypeORM's other drivers, and pg's optional native binding
  'mysql', 'mysql2', 'oracledb', 'mssql', 'sqlite3', 'sql.js', '@sap/*', 'react-native-sqlite-storage', 'mongodb',
  'redis', 'typeorm-aurora-data-api-driver', 'hdb-pool', '@google-cloud/spanner', 'pg-native', 'pg-query-stream',
  'ioredis-mock', '@mapbox/*',
  // nest-commander's optional parts, required only when used: Fig completion specs (which load prettier) and
  // cosmiconfig's loader of TypeScript configuration files (the CLI reads none)
  '@fig/complete-commander', 'typescript',
];

/**
 * @nestjs/terminus checks that `@nestjs/typeorm` and `typeorm` are installed with `require(`${name}`)`, a
 * name esbuild cannot follow: at run time Node would load a second copy of both (~700 files) from
 * node_modules. The check is pointed at the bundled copies instead. Fails the build if terminus changed.
 */
const terminusPackageCheck = {
  name: 'terminus-package-check',
  setup(build) {
    build.onLoad({ filter: /[\\/]@nestjs[\\/]terminus[\\/]dist[\\/]utils[\\/]checkPackage\.util\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const dynamic = 'return require(`${module}`);';
      if (!source.includes(dynamic)) {
        return { errors: [{ text: `${args.path} no longer contains ${dynamic}: update scripts/bundle.js` }] };
      }
      const bundled = "({ '@nestjs/typeorm': () => require('@nestjs/typeorm'), typeorm: () => require('typeorm') }[module] || (() => require(module)))()";
      return { contents: source.replace(dynamic, `return ${bundled};`), loader: 'js' };
    });
  },
};

/**
 * The node options of package.json's start script, so the code caches are made under the flags they are used
 * with (V8 rejects a cache made under other flags). The cli script runs with the same ones: the build fails
 * when they differ.
 */
function startNodeOptions() {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const flags = (script) => script.trim().split(/\s+/).filter((w) => w.startsWith('--'));
  const start = flags(scripts.start);
  if (flags(scripts.cli).join(' ') !== start.join(' ')) {
    throw new Error(`package.json: the cli script's node options (${flags(scripts.cli).join(' ')}) must be the start script's (${start.join(' ')}), which the code caches are made under`);
  }
  return start;
}

/** The bundles: the file name in dist/bundle/, the per-file build's entry, and the script that writes its code cache. */
const BUNDLES = [
  { name: 'service', entry: 'bootstrap.js', cacheWriter: 'start.js' },
  { name: 'cli', entry: join('edge', 'cli', 'process.js'), cacheWriter: 'cli-start.js' },
];

async function main() {
  for (const { entry } of BUNDLES) {
    if (!existsSync(join(DIST, entry))) throw new Error(`${join(DIST, entry)} is missing: run \`nest build\` first (npm run build does both)`);
  }
  rmSync(OUT_DIR, { recursive: true, force: true });
  for (const { name, entry } of BUNDLES) await bundle(name, join(DIST, entry));
  cpSync(join(DIST, 'edge', 'pages', 'assets'), join(OUT_DIR, 'assets'), { recursive: true });
  cpSync(join(DIST, 'core', 'views', 'templates'), join(OUT_DIR, 'templates'), { recursive: true });

  // In an empty directory: loading a bundle reads a .env from its working directory (dotenv).
  const cwd = mkdtempSync(join(tmpdir(), 'pls-code-cache-'));
  try {
    for (const { cacheWriter } of BUNDLES) {
      const made = spawnSync(process.execPath, [...startNodeOptions(), join(DIST, cacheWriter)], {
        cwd, env: { PATH: process.env.PATH ?? '', PLS_WRITE_CODE_CACHE: '1' }, encoding: 'utf8', timeout: 60_000,
      });
      if (made.status !== 0) throw new Error(`writing the code cache (dist/${cacheWriter}) failed (exit ${made.status}): ${made.stderr || made.stdout}`);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const size = (f) => `${(statSync(join(OUT_DIR, f)).size / 1024 / 1024).toFixed(1)} MB`;
  for (const { name } of BUNDLES) process.stdout.write(`bundled dist/bundle/${name}.js (${size(`${name}.js`)}, code cache ${size(`${name}.js.cache`)})\n`);
}

/** Bundles `entry` and what it imports into dist/bundle/<name>.js (ASCII, with its source map). */
async function bundle(name, entry) {
  await esbuild.build({
    entryPoints: [entry],
    outfile: join(OUT_DIR, `${name}.js`),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: EXTERNAL,
    // Names stay: Nest and TypeORM read class names (providers in messages, migration names).
    keepNames: true,
    minifyWhitespace: true,
    minifySyntax: true,
    // Not minifyIdentifiers: V8 names a stack frame's class and function by their compiled names, which
    // keepNames does not reach (`at Kqe.query` in a 500's log line instead of `BetterSqlite3QueryRunner.query`).
    legalComments: 'linked',
    // <name>.js.map: with NODE_OPTIONS=--enable-source-maps, stack traces name the src/ files and lines (through tsc's maps).
    sourcemap: 'linked',
    logLevel: 'error',
    plugins: [terminusPackageCheck],
  });
  asciiOnly(join(OUT_DIR, `${name}.js`));
}

/**
 * Rewrites the bundle as ASCII, so src/start.ts can hand V8 a one-byte string: latin1 decoding takes half
 * the memory and less than half the time of UTF-8 decoding a bundle with one non-ASCII character, which makes
 * V8 store all of it two bytes a character. esbuild already escapes strings, templates and identifiers (its
 * default `charset: 'ascii'`) but leaves regular expression literals as written (validator's locale
 * alphabets). In a regular expression literal (found by parsing the bundle with acorn), each non-ASCII UTF-16
 * code unit becomes `\uXXXX`: the same code unit with or without the `u` flag (under `u` a surrogate pair of
 * escapes is one code point, as the pair of characters was); an identity escape of one (`\Ç`) loses its
 * backslash, which it did not need. The source map's columns after each escape move with it. Fails when a
 * non-ASCII character is left anywhere else.
 */
function asciiOnly(file) {
  const source = readFileSync(file, 'utf8');
  if (!/[^\x00-\x7f]/.test(source)) return;
  const literals = [];
  acorn.parse(source, {
    ecmaVersion: 'latest', sourceType: 'script', allowReturnOutsideFunction: true, allowHashBang: true,
    onToken: (token) => { if (token.type.label === 'regexp') literals.push(token); },
  });
  const shifts = []; // [offset in source, columns added there]
  let out = '';
  let from = 0;
  for (const { start, end } of literals) {
    const text = source.slice(start, end);
    if (!/[^\x00-\x7f]/.test(text)) continue;
    out += source.slice(from, start) + text.replace(/(\\*)([^\x00-\x7f])/g, (match, slashes, unit, at) => {
      const escaped = (slashes.length % 2 === 1 ? slashes.slice(1) : slashes) + `\\u${unit.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      shifts.push([start + at + match.length, escaped.length - match.length]);
      return escaped;
    });
    from = end;
  }
  out += source.slice(from);
  const left = /[^\x00-\x7f]/.exec(out);
  if (left) throw new Error(`a non-ASCII character outside a regular expression literal at offset ${left.index}: ${JSON.stringify(out.slice(Math.max(0, left.index - 60), left.index + 20))}`);
  writeFileSync(file, out);
  shiftSourceMap(`${file}.map`, source, shifts);
}

/**
 * Moves the generated columns of `mapFile`'s segments after each [offset, added] of `shifts` (offsets in
 * `source`, ascending): a segment moves by the sum of the shifts before it on its line, all of them
 * compared in `source`'s columns.
 */
function shiftSourceMap(mapFile, source, shifts) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const lines = decode(map.mappings);
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const byLine = new Map(); // line → [[column in source, added], …], ascending
  let line = 0;
  for (const [offset, added] of shifts) {
    while (line + 1 < lineStarts.length && lineStarts[line + 1] <= offset) line += 1;
    if (!byLine.has(line)) byLine.set(line, []);
    byLine.get(line).push([offset - lineStarts[line], added]);
  }
  for (const [at, moves] of byLine) {
    let next = 0;
    let total = 0;
    for (const segment of lines[at] ?? []) {
      const column = segment[0];
      while (next < moves.length && moves[next][0] <= column) total += moves[next++][1];
      segment[0] = column + total;
    }
  }
  map.mappings = encode(lines);
  writeFileSync(mapFile, JSON.stringify(map));
}

/** Whether `pkg` (a package name, e.g. `@node-rs/argon2`) is one of EXTERNAL (whose `@scope/*` entries name a whole scope). */
function isExternal(pkg) {
  return EXTERNAL.some((e) => (e.endsWith('/*') ? pkg.startsWith(e.slice(0, -1)) : pkg === e));
}

module.exports = { EXTERNAL, isExternal, asciiOnly };

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`scripts/bundle.js: ${error.message}\n`);
    process.exit(1);
  });
}
