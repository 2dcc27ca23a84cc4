import { Client } from 'pg';
import { createTestDatabase, describeOnDatabase, TestDatabase, useMigratedDatabase } from './support/databases';

/**
 * The e2e apps on PostgreSQL start on schemas made by replaying the migrations' recorded SQL
 * (support/postgres-schema-template.ts). Such a schema must be the one the migrations build: same
 * tables, columns, defaults, indexes, constraints, sequences and recorded migrations.
 */
describeOnDatabase('postgres', 'test schemas made from the recorded migrations equal migrated ones', () => {
  const migrated = useMigratedDatabase('postgres');
  let replayed: TestDatabase;
  beforeAll(async () => {
    replayed = await createTestDatabase('postgres', { migrated: true });
  });
  afterAll(() => replayed?.drop());

  it('has the same tables, columns, indexes, constraints, sequences and migration rows as a schema the migrations built', async () => {
    const a = await describeSchema(migrated.db.url, migrated.db.schema!);
    const b = await describeSchema(replayed.url, replayed.schema!);
    expect(a.tables.length).toBeGreaterThanOrEqual(17);
    expect(a.migrations.length).toBeGreaterThanOrEqual(17);
    expect(b).toEqual(a);
  });
});

/** Everything about a schema that its migrations decide, with the schema's name taken out. */
async function describeSchema(url: string, schema: string) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const rows = async (sql: string) => (await c.query(sql, [schema])).rows.map((r) => JSON.parse(JSON.stringify(r).split(schema).join('<schema>')));
    return {
      tables: await rows(`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`),
      columns: await rows(`SELECT table_name, column_name, ordinal_position, data_type, character_maximum_length, numeric_precision, is_nullable, column_default
                           FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 3`),
      indexes: await rows(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2`),
      constraints: await rows(`SELECT cl.relname, co.conname, co.contype, pg_get_constraintdef(co.oid) AS def
                               FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
                               WHERE n.nspname = $1 ORDER BY 1, 2`),
      sequences: await rows(`SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences WHERE sequence_schema = $1 ORDER BY 1`),
      migrations: (await c.query(`SELECT "timestamp", name FROM "${schema}".migrations ORDER BY id`)).rows,
    };
  } finally {
    await c.end();
  }
}
