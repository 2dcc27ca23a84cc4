import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../../src/ground/database/data-source-options';
import { describeUnless, postgresSkip } from '../../support/skips';
import { createMigratedSchema } from './postgres-schema-template';

export type DatabaseKind = 'sqlite' | 'postgres';

/** The databases every e2e suite is registered for. */
export const DATABASE_KINDS: readonly DatabaseKind[] = ['sqlite', 'postgres'];

/** Why the suites on `kind` cannot run here (PostgreSQL: TEST_DATABASE_URL unset), or null when they can. */
export function databaseSkip(kind: DatabaseKind): string | null {
  return kind === 'postgres' ? postgresSkip() : null;
}

/**
 * Runs the same suite once per database, titled `<title> [sqlite]` / `<title> [postgres]`. The
 * PostgreSQL variant is always registered; without TEST_DATABASE_URL it is skipped, its reason in its
 * title, so the closing line counts its tests (test/summary-reporter.js).
 */
export function describeEachDatabase(title: string, suite: (kind: DatabaseKind) => void): void {
  for (const kind of DATABASE_KINDS) describeOnDatabase(kind, title, () => suite(kind));
}

/** The suite on one database, titled and skipped as describeEachDatabase does (for a file per database). */
export function describeOnDatabase(kind: DatabaseKind, title: string, suite: () => void): void {
  describeUnless(databaseSkip(kind), `${title} [${kind}]`, suite);
}

/** A fresh, empty database: a new SQLite file, or a new schema in the test PostgreSQL database. */
export interface TestDatabase {
  kind: DatabaseKind;
  /** For DATABASE_URL. */
  url: string;
  /** PostgreSQL schema (search_path) when kind is postgres. */
  schema?: string;
  drop(): Promise<void>;
}

/**
 * `migrated`: on PostgreSQL, the schema is created with every migration already applied
 * (postgres-schema-template.ts: the migrations' recorded SQL, replayed in one round trip), so the app's
 * start finds nothing to migrate. Without it the schema is empty and the app's start runs the migrations.
 * SQLite files are always created empty (their migrations take ~40 ms).
 */
export async function createTestDatabase(kind: DatabaseKind, opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pls-e2e-'));
    return { kind, url: `sqlite:${join(dir, 'app.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  if (opts.migrated) {
    await createMigratedSchema(url, schema);
  } else {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.end();
  }
  return {
    kind,
    url,
    schema,
    drop: async () => {
      const c = new Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

/**
 * A fresh database of `kind` with every migration run, for migration specs (no application): the data
 * source is opened in beforeAll and closed (the database dropped) in afterAll. Read `ds` / `db` in tests.
 */
export function useMigratedDatabase(kind: DatabaseKind): { readonly ds: DataSource; readonly db: TestDatabase } {
  let db: TestDatabase | undefined;
  let ds: DataSource | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    const sqlitePath = db.url.slice('sqlite:'.length);
    ds = new DataSource(buildDataSourceOptions(kind === 'sqlite' ? { kind, path: sqlitePath } : { kind, url: db.url, schema: db.schema }));
    await ds.initialize();
    await ds.runMigrations();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });
  return {
    get ds() {
      return ds!;
    },
    get db() {
      return db!;
    },
  };
}
