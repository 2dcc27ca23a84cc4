import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../../src/ground/database/data-source-options';

export type DatabaseKind = 'sqlite' | 'postgres';

/** The databases the e2e suites run on: SQLite always; PostgreSQL when TEST_DATABASE_URL is set. */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** Runs the same suite once per database (describe.each with a readable title). */
export function describeEachDatabase(title: string, suite: (kind: DatabaseKind) => void): void {
  describe.each(databaseKinds())(`${title} [%s]`, (kind) => suite(kind));
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

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pls-e2e-'));
    return { kind, url: `sqlite:${join(dir, 'app.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.end();
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
