/**
 * The bench's peer (issue 22 item 4): a Better Auth server with email + password, passwords hashed by
 * the `bcrypt` package at PEER_COST, on the bench's own database (a SQLite file or a PostgreSQL
 * database), plain node:http on 127.0.0.1:PEER_PORT through better-auth/node's toNodeHandler.
 * Started by scripts/bench/peer/peer.ts as a child `node` process (Better Auth is ESM-only; the bench
 * runs under ts-node as CommonJS), never by hand.
 *
 *   node scripts/bench/peer/server.mjs --migrate   creates Better Auth's tables (getMigrations) and exits
 *   node scripts/bench/peer/server.mjs             serves /api/auth/* until SIGTERM
 *
 * Environment: PEER_PORT, PEER_DB_KIND (sqlite | postgres), PEER_DB (file path | connection string),
 * PEER_COST (bcrypt cost), PEER_KEY (what the bench sends in X-Bench-Key to its two /bench/ routes).
 * Telemetry and rate limiting are off; nothing here opens a connection other than to the database.
 *
 * The bench's routes, beside Better Auth's:
 *   POST /bench/seed   {emails, password}: users with that password (one bcrypt hash shared by all),
 *                      through Better Auth's internal adapter, as sign-up stores them → {created}
 *   GET  /bench/tokens the reset tokens handed to sendResetPassword since the last call → {tokens}
 */
import { createServer } from 'node:http';
import bcrypt from 'bcrypt';
import Database from 'better-sqlite3';
import pg from 'pg';
import { betterAuth } from 'better-auth';
import { toNodeHandler } from 'better-auth/node';
import { getMigrations } from 'better-auth/db/migration';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    process.stderr.write(`peer: ${name} is not set\n`);
    process.exit(2);
  }
  return v;
};
const kind = env('PEER_DB_KIND');
const port = Number(process.env.PEER_PORT ?? 0);
const cost = Number(env('PEER_COST'));
const key = process.env.PEER_KEY ?? '';
const baseURL = `http://127.0.0.1:${port}`;

/** The database as Better Auth takes it: a better-sqlite3 Database (WAL, as the service) or a pg Pool. */
function openDatabase() {
  if (kind === 'sqlite') {
    const db = new Database(env('PEER_DB'));
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    return { database: db, close: async () => db.close() };
  }
  if (kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: env('PEER_DB') });
    return { database: pool, close: () => pool.end() };
  }
  process.stderr.write(`peer: PEER_DB_KIND must be sqlite or postgres, not "${kind}"\n`);
  process.exit(2);
}

const { database, close } = openDatabase();
/** Reset tokens handed to sendResetPassword, kept for GET /bench/tokens. */
let tokens = [];

const options = {
  appName: 'bench-peer',
  baseURL,
  // Fixed: the bench's peer holds no real account; never printed.
  secret: 'bench-peer-secret-fixed-for-the-bench-only-4Fq9Zt2Lm7Xw',
  database,
  telemetry: { enabled: false },
  // The bench measures hashing, not 429s.
  rateLimit: { enabled: false },
  logger: { level: 'warn' },
  emailAndPassword: {
    enabled: true,
    // Tokens are requested ahead of the timed part: they must outlive a slow run (as the service's codes).
    resetPasswordTokenExpiresIn: 4 * 60 * 60,
    password: {
      hash: (password) => bcrypt.hash(password, cost),
      verify: ({ hash, password }) => bcrypt.compare(password, hash),
    },
    sendResetPassword: async ({ user, token }) => {
      tokens.push({ email: user.email, token });
    },
  },
};

async function migrate() {
  const t0 = performance.now();
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(options);
  await runMigrations();
  await close();
  process.stdout.write(`${JSON.stringify({ created: toBeCreated.map((t) => t.table), added: toBeAdded.map((t) => t.table), ms: performance.now() - t0 })}\n`);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function send(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** POST /bench/seed: the users a sign-up would store (user + credential account), one shared hash. */
async function seed(auth, { emails, password }) {
  const ctx = await auth.$context;
  const hash = await bcrypt.hash(password, cost);
  let created = 0;
  // A few at a time: the pg pool has 10 connections, SQLite one writer.
  const queue = [...emails];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let email = queue.shift(); email !== undefined; email = queue.shift()) {
      const user = await ctx.internalAdapter.createUser({ email, name: email.split('@')[0], emailVerified: true });
      await ctx.internalAdapter.linkAccount({ userId: user.id, providerId: 'credential', accountId: user.id, password: hash });
      created++;
    }
  }));
  return { created };
}

async function serve() {
  const auth = betterAuth(options);
  const handler = toNodeHandler(auth);
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/bench/')) return void handler(req, res);
    if (!key || req.headers['x-bench-key'] !== key) return send(res, 403, { error: 'bench routes need the bench key' });
    (async () => {
      if (req.method === 'POST' && req.url === '/bench/seed') return send(res, 200, await seed(auth, await readJson(req)));
      if (req.method === 'GET' && req.url === '/bench/tokens') {
        const taken = tokens;
        tokens = [];
        return send(res, 200, { tokens: taken });
      }
      send(res, 404, { error: 'no such bench route' });
    })().catch((err) => send(res, 500, { error: String(err?.message ?? err) }));
  });
  server.listen(port, '127.0.0.1');
  const stop = () => {
    server.close(() => void close().finally(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

(process.argv.includes('--migrate') ? migrate() : serve()).catch((err) => {
  process.stderr.write(`peer: ${err?.stack ?? err}\n`);
  process.exit(1);
});
