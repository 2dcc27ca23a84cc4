import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * The few hot statements written as SQL instead of through the query builder (one statement where the
 * builder needs several, or none of its per-statement building and row mapping): one text for SQLite
 * and PostgreSQL, with `:name` parameters (`:...name` for a list) that the driver turns into its own
 * placeholders, as the query builder does (so SQLite's integers are bound: sqlite-bound-integers.ts).
 * Times are numbers (ms since the epoch, columns.ts); tables are named with tableOf().
 */
export interface SqlResult<T> {
  /** The rows the statement returned (a SELECT's, or an INSERT/UPDATE/DELETE's RETURNING). */
  rows: T[];
  /** Rows an INSERT, UPDATE or DELETE changed; with RETURNING, the rows it returned (SQLite counts no others). */
  affected: number;
}

/**
 * Runs one statement in `em`'s transaction, or in autocommit on a pooled connection when `em` has none
 * (PostgreSQL; on SQLite, pass a unit of work's manager, UnitOfWork.runAutocommit).
 */
export async function runSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: ObjectLiteral = {}): Promise<SqlResult<T>> {
  const [text, bound] = em.connection.driver.escapeQueryWithParameters(sql, params, {});
  const runner = em.queryRunner ?? em.connection.createQueryRunner();
  try {
    // PostgreSQL answers an UPDATE with [rows, count], SQLite with the rows: the structured result has `records` for both.
    const result = await runner.query(text, bound, true);
    const rows = (result.records ?? []) as T[];
    return { rows, affected: result.affected ?? rows.length };
  } finally {
    if (runner !== em.queryRunner) await runner.release();
  }
}

/** The quoted, schema-qualified name of an entity's table, for the statements written as SQL. */
export function tableOf(em: EntityManager, entity: EntityTarget<ObjectLiteral>): string {
  const { driver } = em.connection;
  return em.connection.getMetadata(entity).tablePath.split('.').map((part) => driver.escape(part)).join('.');
}

/**
 * An entity from a row a statement written as SQL returned (its columns by their SQL names, e.g. from
 * `RETURNING *`), converted as TypeORM converts its own reads (column types, transformers such as
 * columns.ts's times); columns the row lacks stay unset.
 */
export function hydrate<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, row: Record<string, unknown>): E {
  const metadata = em.connection.getMetadata(entity);
  const out = metadata.create() as E;
  for (const column of metadata.columns) {
    if (column.databaseName in row) column.setEntityValue(out, em.connection.driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return out;
}
