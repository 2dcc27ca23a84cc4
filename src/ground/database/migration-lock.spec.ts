import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { buildDataSourceOptions, MIGRATIONS } from './data-source-options';
import { MIGRATION_LOCK_CLASS, openMigratedDataSource, runMigrationsLocked } from './migration-lock';
import { describeUnless, postgresSkip } from '../../../test/support/skips';

/** Issue 8 §3: the migration step waits for the lock another instance holds, then finds nothing pending. */
const quiet = { log: () => undefined } as never;
const names = MIGRATIONS.map((m) => m.name).sort();
const settledWithin = (p: Promise<unknown>, ms: number) => Promise.race([p.then(() => true, () => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

describe('runMigrationsLocked on SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pls-migration-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('waits while another connection holds the write lock, then runs every migration once; a second run finds nothing pending', async () => {
    const db: DatabaseConfig = { kind: 'sqlite', path: join(dir, 'app.db') };
    const ds = await new DataSource(buildDataSourceOptions(db)).initialize();
    const other = new Database(db.path);
    try {
      other.exec('BEGIN IMMEDIATE'); // another instance in its migration step
      const run = runMigrationsLocked(ds, quiet);
      expect(await settledWithin(run, 700)).toBe(false); // better-sqlite3 blocks up to busy_timeout (5 s) per attempt
      other.exec('COMMIT');
      expect((await run).map((m) => m.name).sort()).toEqual(names);
      expect(await runMigrationsLocked(ds, quiet)).toEqual([]);
      expect((await ds.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name).sort()).toEqual(names);
    } finally {
      other.close();
      await ds.destroy();
    }
  });
});

const url = process.env.TEST_DATABASE_URL;
describeUnless(postgresSkip(), 'runMigrationsLocked on PostgreSQL', () => {
  const schema = `lock_spec_${randomBytes(6).toString('hex')}`;
  const admin = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };
  beforeAll(() => admin((c) => c.query(`CREATE SCHEMA "${schema}"`)));
  afterAll(() => admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));

  it('waits while another session holds the schema\'s advisory lock, then runs every migration once and releases the lock', async () => {
    const db: DatabaseConfig = { kind: 'postgres', url: url!, schema };
    const holder = new Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
      const lines: string[] = [];
      const opening = openMigratedDataSource(db, undefined, { log: (line: string) => void lines.push(line) } as never);
      expect(await settledWithin(opening, 700)).toBe(false);
      await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
      const ds = await opening;
      try {
        expect((await ds.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name).sort()).toEqual(names);
        // what an operator reads: the wait, then what ran (to the logger given, not printed by the test)
        expect(lines).toEqual(['another instance is running the migrations: waiting for it', `ran ${names.length} migration(s): ${MIGRATIONS.map((m) => m.name).join(', ')}`]);
        expect(await runMigrationsLocked(ds, quiet)).toEqual([]);
      } finally {
        await ds.destroy();
      }
      // Released: another session takes it at once.
      expect((await holder.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [MIGRATION_LOCK_CLASS, schema])).rows[0].ok).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
