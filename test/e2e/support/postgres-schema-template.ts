import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, escapeLiteral } from 'pg';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { buildDataSourceOptions } from '../../../src/ground/database/data-source-options';

/**
 * A fresh PostgreSQL schema with every migration already applied, in one round trip instead of the
 * ~160 statements and catalog queries TypeORM's migration run sends (~250 ms on a quiet server, 0.6–1.9 s
 * while the suite runs; an app boot per test file, more in some). The SQL is what the migrations
 * themselves executed on an empty schema, recorded once (the writes, in order, parameters inlined) and
 * replayed into each new schema; the app then starts on it as on an upgraded database (its migration
 * step finds nothing pending). Migration specs and start-up/race suites use empty schemas and run the
 * real migrations; `postgres-schema-template.e2e-spec.ts` checks the replayed schema equals a migrated one.
 *
 * The recording is kept in the temp directory under a digest of the migration sources (and TypeORM's
 * version and this file), so a changed migration is recorded again; two jest workers may record it at once (the file is replaced atomically).
 */
export async function createMigratedSchema(url: string, schema: string): Promise<void> {
  const script = await migrationScript(url);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // One simple-protocol query: one implicit transaction, all or nothing.
    await client.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}";\n${script.split(PLACEHOLDER).join(schema)}`);
  } finally {
    await client.end();
  }
}

/** Stands for the schema's name in the recorded SQL. */
const PLACEHOLDER = '__pls_template_schema__';
const MIGRATIONS_DIR = join(__dirname, '../../../src/ground/database/migrations');

let cached: { digest: string; script: string } | undefined;

/** The recorded SQL for the current migration sources (recorded now if no file holds it). */
async function migrationScript(url: string): Promise<string> {
  const digest = migrationsDigest();
  if (cached?.digest === digest) return cached.script;
  const file = join(tmpdir(), `pls-e2e-schema-${digest}.sql`);
  let script: string;
  try {
    script = readFileSync(file, 'utf8');
  } catch {
    script = await record(url);
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, script);
    renameSync(partial, file);
  }
  cached = { digest, script };
  return script;
}

/** SHA-256 over the migration files (names and contents), the TypeORM version that turns them into SQL, and this file. */
function migrationsDigest(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(MIGRATIONS_DIR).sort()) hash.update(`${name}\n`).update(readFileSync(join(MIGRATIONS_DIR, name)));
  hash.update(readFileSync(join(dirname(require.resolve('typeorm')), 'package.json')));
  hash.update(readFileSync(__filename)); // how the recording is made
  return hash.digest('hex').slice(0, 16);
}

/** Statements that write nothing: reads, and the transaction and lock control the replay does not need. */
const NOT_RECORDED = /^\s*(SELECT|SHOW|START TRANSACTION|BEGIN|COMMIT|ROLLBACK)\b/i;

/** Runs the migrations on a new empty schema, recording every statement that writes; drops the schema. */
async function record(url: string): Promise<string> {
  const schema = `e2e_record_${randomBytes(6).toString('hex')}`;
  const statements: string[] = [];
  const recorder: TypeOrmLogger = {
    logQuery: (query, parameters) => {
      if (NOT_RECORDED.test(query)) return;
      // One pass, so that a value's own text is never taken for a placeholder.
      const inlined = query.replace(/\$(\d+)/g, (_, n: string) => literal(parameters?.[Number(n) - 1]));
      statements.push(`${inlined.split(schema).join(PLACEHOLDER)};`);
    },
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    const ds = new DataSource({ ...buildDataSourceOptions({ kind: 'postgres', url, schema }, { purpose: 'migrations' }), logger: recorder });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'all' });
    } finally {
      await ds.destroy();
    }
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
  return statements.join('\n');
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return escapeLiteral(String(value));
}
