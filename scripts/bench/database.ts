/**
 * The bench's databases: a fresh SQLite file in the bench's temp dir, or a database of its own
 * (`bench_<pid>…`) created on the PostgreSQL server of --pg-url and dropped at the end. Also the bulk
 * seeding of users (--users): plain INSERT … SELECT over a generated series, every user sharing one
 * precomputed hash, with the service stopped.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';

export interface BenchDatabase {
  kind: 'sqlite' | 'postgres';
  /** DATABASE_URL for the service. */
  url: string;
  /** A short description for the report. */
  label: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Adds users `from`..`to` (inclusive; ids 00000000-0000-4000-8000-<i in hex>, emails
   * <prefix><i>@<domain>, default seed<i>@scale.example) with the same credential, in `accountId`.
   */
  seedUsers(from: number, to: number, credential: { hash: string; algorithm: string }, o?: SeedOptions): Promise<void>;
  close(): Promise<void>;
  /** Removes it (PostgreSQL: DROP DATABASE); the SQLite file goes with the temp dir. */
  drop(): Promise<void>;
}

export interface SeedOptions {
  accountId?: string | null;
  prefix?: string;
  domain?: string;
}

/** The seeded email of `i` under SeedOptions. */
export function seedEmail(i: number, o: SeedOptions = {}): string {
  return `${o.prefix ?? 'seed'}${i}@${o.domain ?? 'scale.example'}`;
}

const seedId = (i: number | string) => `'00000000-0000-4000-8000-' || ${i}`;

function emailParts(o: SeedOptions): [string, string] {
  return [o.prefix ?? 'seed', `@${o.domain ?? 'scale.example'}`];
}

export function sqliteDatabase(dir: string, name: string): BenchDatabase {
  const file = join(dir, `${name}.db`);
  let db: Database.Database | null = null;
  const open = () => {
    if (!db) {
      db = new Database(file);
      db.pragma('busy_timeout = 5000');
    }
    return db;
  };
  return {
    kind: 'sqlite',
    url: `sqlite:${file}`,
    label: 'SQLite (better-sqlite3, WAL)',
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      const stmt = open().prepare(sql.replace(/\$\d+/g, '?'));
      return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
    },
    async seedUsers(from, to, credential, o = {}) {
      const conn = open();
      const now = Date.now();
      const series = 'WITH RECURSIVE s(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM s WHERE i < ?)';
      conn.transaction(() => {
        conn.prepare(
          `${series} INSERT INTO users (id, account_id, email, email_normalized, first_name, last_name, is_email_verified, is_active, provider, credentials_changed_at, created_at, updated_at, role, is_admin)
           SELECT ${seedId("printf('%012x', i)")}, ?, ? || i || ?, ? || i || ?, NULL, NULL, 1, 1, 'email', NULL, ?, ?, 'member', 0 FROM s`,
        ).run(from, to, o.accountId ?? null, ...emailParts(o), ...emailParts(o), now, now);
        conn.prepare(
          `${series} INSERT INTO credentials (user_id, hash, algorithm, set_at, expires_at)
           SELECT ${seedId("printf('%012x', i)")}, ?, ?, ?, NULL FROM s`,
        ).run(from, to, credential.hash, credential.algorithm, now);
      })();
      conn.pragma('wal_checkpoint(TRUNCATE)');
    },
    async close() {
      db?.close();
      db = null;
    },
    async drop() {
      db?.close();
      db = null;
    },
  };
}

/** `adminUrl` names a database to connect to for CREATE/DROP DATABASE (the shared `test` one). */
export async function postgresDatabase(adminUrl: string, name: string): Promise<BenchDatabase> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let client: Client | null = null;
  const open = async () => {
    if (!client) {
      client = new Client({ connectionString: url.toString() });
      await client.connect();
    }
    return client;
  };
  const close = async () => {
    const c = client;
    client = null;
    await c?.end().catch(() => undefined);
  };
  return {
    kind: 'postgres',
    url: url.toString(),
    label: `PostgreSQL (${url.host}, database ${name})`,
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      return (await (await open()).query(sql, params)).rows as T[];
    },
    async seedUsers(from, to, credential, o = {}) {
      const c = await open();
      const now = Date.now();
      const series = 'generate_series($1::bigint, $2::bigint) AS s(i)';
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO users (id, account_id, email, email_normalized, first_name, last_name, is_email_verified, is_active, provider, credentials_changed_at, created_at, updated_at, role, is_admin)
         SELECT ${seedId("lpad(to_hex(i), 12, '0')")}, $4::varchar, $5 || i || $6, $5 || i || $6, NULL, NULL, true, true, 'email', NULL, $3, $3, 'member', false FROM ${series}`,
        [from, to, now, o.accountId ?? null, ...emailParts(o)],
      );
      await c.query(
        `INSERT INTO credentials (user_id, hash, algorithm, set_at, expires_at) SELECT ${seedId("lpad(to_hex(i), 12, '0')")}, $3, $4, $5, NULL FROM ${series}`,
        [from, to, credential.hash, credential.algorithm, now],
      );
      await c.query('COMMIT');
      // What autovacuum would do shortly after a load this size: the planner sees the real table sizes.
      await c.query('ANALYZE users');
      await c.query('ANALYZE credentials');
    },
    close,
    async drop() {
      await close();
      const a = new Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
