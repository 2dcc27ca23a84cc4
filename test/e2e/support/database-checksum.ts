import { createHash } from 'node:crypto';
import type { TestApp } from './test-app';

/**
 * One SHA-256 per table of the app's schema over its rows (each row as JSON, sorted), by table name: what
 * databaseChecksum() combines, kept apart so that a test can name the tables a request changed.
 */
export async function tableChecksums(t: TestApp): Promise<Record<string, string>> {
  const tables: Array<{ name: string }> =
    t.database.kind === 'sqlite'
      ? await t.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      : await t.dataSource.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name');
  const sums: Record<string, string> = {};
  for (const { name } of tables) {
    const rows: unknown[] = await t.dataSource.query(`SELECT * FROM "${name}"`);
    const hash = createHash('sha256');
    for (const row of rows.map((r) => JSON.stringify(r)).sort()) hash.update(`${row}\n`);
    sums[name] = `${rows.length}:${hash.digest('hex')}`;
  }
  return sums;
}

/** The tables whose rows differ between two tableChecksums() readings, with their row counts before → after. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((name) => before[name] !== after[name])
    .map((name) => `${name} (rows ${before[name]?.split(':')[0] ?? 'none'} → ${after[name]?.split(':')[0] ?? 'none'})`);
}

/** A digest of every row of every table of the app's schema: equal before and after means nothing was written. */
export async function databaseChecksum(t: TestApp): Promise<string> {
  const sums = await tableChecksums(t);
  const hash = createHash('sha256');
  for (const name of Object.keys(sums).sort()) hash.update(`${name}\n${sums[name]}\n`);
  return hash.digest('hex');
}
