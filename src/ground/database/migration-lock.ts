import { bindIntegerParameters } from './sqlite-bound-integers';
import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions, Migration, MigrationExecutor, QueryRunner } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

/**
 * First half of the PostgreSQL advisory-lock key of the migration step ("pls" in ASCII); the second half
 * is a hash of the schema, so services in different schemas of one database migrate independently.
 */
export const MIGRATION_LOCK_CLASS = 0x706c73;
/** SQLite: the wait for another instance's migrations is logged at the first attempt, then every this many (each waits up to busy_timeout, 5 s). */
const SQLITE_LOCK_RETRY_LOG_EVERY = 6;

/**
 * Runs the pending migrations while holding a lock that every instance of the service takes for the
 * same step, so instances started together migrate one after the other: the first runs them, the
 * others wait, then find nothing pending. Without it they run the same CREATE TABLEs at once and all
 * but one fail (PostgreSQL: duplicate key in pg_type_typname_nsp_index; SQLite: busy or "table exists").
 *
 * - PostgreSQL: a session-level advisory lock (`pg_advisory_lock(MIGRATION_LOCK_CLASS, hashtext(schema))`)
 *   taken on one dedicated connection, which also runs the migrations (all in one transaction) and the
 *   unlock. If the process dies, the session ends and the server releases the lock.
 * - SQLite: one `BEGIN IMMEDIATE` transaction (SQLite's write lock, exclusive among writers) around the
 *   whole step, retried while another process holds it; DDL is transactional in SQLite, so a failure
 *   leaves nothing half-done.
 *
 * Returns the migrations this call ran (empty when another instance had run them). Throws what a
 * migration throws, after rolling it back and releasing the lock.
 */
export async function runMigrationsLocked(dataSource: DataSource, logger = new Logger('Migrations')): Promise<Migration[]> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.connect();
    const ran =
      dataSource.options.type === 'postgres'
        ? await migratePostgres(dataSource, queryRunner, logger)
        : dataSource.options.type === 'better-sqlite3'
          ? await migrateSqlite(dataSource, queryRunner, logger)
          : unsupported(dataSource.options.type);
    if (ran.length > 0) logger.log(`ran ${ran.length} migration(s): ${ran.map((m) => m.name).join(', ')}`);
    return ran;
  } finally {
    await queryRunner.release();
  }
}

/**
 * The service's start-up database step: runs the migrations under the lock (runMigrationsLocked), then
 * opens the app's data source. On PostgreSQL the migrations run on a short-lived data source of their
 * own (`purpose: 'migrations'`: one connection, no statement timeout); on SQLite on the app's own one
 * (a `:memory:` database exists only on its connection).
 */
export async function openMigratedDataSource(db: DatabaseConfig, options: DataSourceOptions = buildDataSourceOptions(db), logger = new Logger('Migrations')): Promise<DataSource> {
  if (db.kind === 'postgres') {
    const migrating = await new DataSource(buildDataSourceOptions(db, { purpose: 'migrations' })).initialize();
    try {
      await runMigrationsLocked(migrating, logger);
    } finally {
      await migrating.destroy();
    }
  }
  const dataSource = new DataSource(options);
  if (db.kind === 'sqlite') bindIntegerParameters(dataSource.driver);
  await dataSource.initialize();
  if (db.kind === 'sqlite') {
    try {
      await runMigrationsLocked(dataSource, logger);
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
  }
  return dataSource;
}

/**
 * The TypeORM CLI's data source (ormconfig.ts): `migration:run` takes the same lock as the service's
 * start-up, so running it beside starting instances is safe.
 */
export class LockedMigrationsDataSource extends DataSource {
  override async runMigrations(): Promise<Migration[]> {
    return runMigrationsLocked(this);
  }
}

async function migratePostgres(dataSource: DataSource, queryRunner: QueryRunner, logger: Logger): Promise<Migration[]> {
  const schema = (dataSource.options as { schema?: string }).schema ?? null;
  const [{ key }] = await queryRunner.query('SELECT hashtext(coalesce($1::text, current_schema(), \'\')) AS key', [schema]);
  const [{ locked }] = await queryRunner.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [MIGRATION_LOCK_CLASS, key]);
  if (!locked) {
    logger.log('another instance is running the migrations: waiting for it');
    await queryRunner.query('SELECT pg_advisory_lock($1, $2)', [MIGRATION_LOCK_CLASS, key]);
  }
  try {
    const executor = new MigrationExecutor(dataSource, queryRunner);
    executor.transaction = 'all';
    return await executor.executePendingMigrations();
  } finally {
    // If the connection is gone, so is its session and with it the lock.
    await queryRunner.query('SELECT pg_advisory_unlock($1, $2)', [MIGRATION_LOCK_CLASS, key]).catch(() => undefined);
  }
}

async function migrateSqlite(dataSource: DataSource, queryRunner: QueryRunner, logger: Logger): Promise<Migration[]> {
  // foreign_keys can only be switched outside a transaction: off while tables are rebuilt, on again after.
  await queryRunner.beforeMigration();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await queryRunner.query('BEGIN IMMEDIATE'); // waits up to busy_timeout for another writer
        break;
      } catch (error) {
        if (!isSqliteBusy(error)) throw error;
        if (attempt === 1 || attempt % SQLITE_LOCK_RETRY_LOG_EVERY === 0) logger.log('another instance is running the migrations: waiting for it');
        // better-sqlite3 waits synchronously: give the event loop a turn between attempts.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    try {
      // The executor must not open a transaction of its own: the step already is one.
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'none';
      const ran = await executor.executePendingMigrations();
      await queryRunner.query('COMMIT');
      return ran;
    } catch (error) {
      await queryRunner.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await queryRunner.afterMigration();
  }
}

function isSqliteBusy(error: unknown): boolean {
  const code = (error as { driverError?: { code?: string }; code?: string })?.driverError?.code ?? (error as { code?: string })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function unsupported(type: string): never {
  throw new Error(`migrations: unsupported database type ${type}`);
}
