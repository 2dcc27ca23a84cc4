// The second step of `npm run build` (after `nest build`): bundles the service into one file and caches
// its compiled code, for a fast start (src/start.ts says why; issue 22).
//   dist/bundle/service.js        dist/bootstrap.js and what it imports, node_modules included (esbuild)
//   dist/bundle/service.js.cache  V8's code cache of it, written by `PLS_WRITE_CODE_CACHE=1 node dist/start.js`
//   dist/bundle/assets, templates what the bundled code reads from its own directory (`__dirname`)
// Exits 1, naming the cause, when a step fails.
const { spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const esbuild = require('esbuild');

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const OUT_DIR = join(DIST, 'bundle');

/**
 * Left to Node's own `require` at run time: native addons (bcrypt, better-sqlite3, @node-rs/argon2), pino
 * (its transports start worker threads from their own files), swagger-ui-dist (Swagger UI's static files,
 * served from its directory), and the optional packages of TypeORM and Nest that this service does not use
 * (their `require` sits in a try/catch, or behind a driver setting).
 */
const EXTERNAL = [
  'bcrypt', 'better-sqlite3', '@node-rs/argon2', 'pino', 'pino-pretty', 'swagger-ui-dist',
  // Nest's optional packages
  '@nestjs/microservices', '@nestjs/websockets', '@nestjs/graphql', '@nestjs/mongoose', '@nestjs/sequelize',
  '@nestjs/mikro-orm', '@mikro-orm/*', '@fastify/*', 'class-transformer/storage', '@apollo/*', '@grpc/*',
  // TypeORM's other drivers, and pg's optional native binding
  'mysql', 'mysql2', 'oracledb', 'mssql', 'sqlite3', 'sql.js', '@sap/*', 'react-native-sqlite-storage', 'mongodb',
  'redis', 'typeorm-aurora-data-api-driver', 'hdb-pool', '@google-cloud/spanner', 'pg-native', 'pg-query-stream',
  'ioredis-mock', '@mapbox/*',
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

/** The node options of package.json's start script, so the code cache is made under the flags it is used with. */
function startNodeOptions() {
  const words = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start.trim().split(/\s+/);
  return words.filter((w) => w.startsWith('--'));
}

async function main() {
  const entry = join(DIST, 'bootstrap.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`nest build\` first (npm run build does both)`);
  rmSync(OUT_DIR, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [entry],
    outfile: join(OUT_DIR, 'service.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: EXTERNAL,
    // Names stay: Nest and TypeORM read class names (providers in messages, migration names).
    keepNames: true,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'linked',
    // service.js.map: with NODE_OPTIONS=--enable-source-maps, stack traces name the src/ files and lines (through tsc's maps).
    sourcemap: 'linked',
    logLevel: 'error',
    plugins: [terminusPackageCheck],
  });
  cpSync(join(DIST, 'edge', 'pages', 'assets'), join(OUT_DIR, 'assets'), { recursive: true });
  cpSync(join(DIST, 'core', 'views', 'templates'), join(OUT_DIR, 'templates'), { recursive: true });

  // In an empty directory: loading the bundle reads a .env from its working directory (dotenv).
  const cwd = mkdtempSync(join(tmpdir(), 'pls-code-cache-'));
  try {
    const made = spawnSync(process.execPath, [...startNodeOptions(), join(DIST, 'start.js')], {
      cwd, env: { PATH: process.env.PATH ?? '', PLS_WRITE_CODE_CACHE: '1' }, encoding: 'utf8', timeout: 60_000,
    });
    if (made.status !== 0) throw new Error(`writing the code cache failed (exit ${made.status}): ${made.stderr || made.stdout}`);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const size = (f) => `${(statSync(join(OUT_DIR, f)).size / 1024 / 1024).toFixed(1)} MB`;
  process.stdout.write(`bundled dist/bundle/service.js (${size('service.js')}, code cache ${size('service.js.cache')})\n`);
}

/** Whether `pkg` (a package name, e.g. `@node-rs/argon2`) is one of EXTERNAL (whose `@scope/*` entries name a whole scope). */
function isExternal(pkg) {
  return EXTERNAL.some((e) => (e.endsWith('/*') ? pkg.startsWith(e.slice(0, -1)) : pkg === e));
}

module.exports = { EXTERNAL, isExternal };

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`scripts/bundle.js: ${error.message}\n`);
    process.exit(1);
  });
}
