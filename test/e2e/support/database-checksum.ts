import { createHash } from 'node:crypto';
import type { TestApp } from './test-app';

/**
 * SHA-256 over every row of every table of the app's database (rows sorted, so physical order does
 * not matter), to prove a request changed nothing. Same on SQLite and PostgreSQL.
 */
export async function databaseChecksum(t: TestApp): Promise<string> {
  const tables: Array<{ name: string }> =
    t.database.kind === 'sqlite'
      ? await t.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      : await t.dataSource.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name');
  const hash = createHash('sha256');
  for (const { name } of tables) {
    const rows: unknown[] = await t.dataSource.query(`SELECT * FROM "${name}"`);
    hash.update(`${name}\n`);
    for (const row of rows.map((r) => JSON.stringify(r)).sort()) hash.update(`${row}\n`);
  }
  return hash.digest('hex');
}
