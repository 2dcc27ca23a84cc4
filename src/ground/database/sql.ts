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
 * The entity's columns for a SELECT written as SQL, by their SQL names (`"a"."col"` with an alias, and
 * `AS "p_col"` with a prefix, for several entities in one row: hydrate()'s `prefix`). Listed rather than
 * `*`: a column a migration adds later does not change what a prepared statement returns.
 */
export function columnsOf(em: EntityManager, entity: EntityTarget<ObjectLiteral>, alias?: string, prefix?: string): string {
  const { driver } = em.connection;
  return em.connection
    .getMetadata(entity)
    .columns.map((c) => `${alias ? `${driver.escape(alias)}.` : ''}${driver.escape(c.databaseName)}${prefix ? ` AS ${driver.escape(prefix + c.databaseName)}` : ''}`)
    .join(', ');
}

/**
 * An entity from a row a statement written as SQL returned (its columns by their SQL names, e.g. from
 * `RETURNING *`), converted as TypeORM converts its own reads (column types, transformers such as
 * columns.ts's times); columns the row lacks stay unset. `prefix`: the row's names for this entity's columns
 * begin with it (columnsOf()'s).
 */
export function hydrate<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, row: Record<string, unknown>, prefix = ''): E {
  const metadata = em.connection.getMetadata(entity);
  const out = metadata.create() as E;
  for (const column of metadata.columns) {
    const name = prefix + column.databaseName;
    if (name in row) column.setEntityValue(out, em.connection.driver.prepareHydratedValue(row[name], column));
  }
  return out;
}

/** The persisted form of an entity's property (its column's transformer, then the driver's conversion), and the column. */
function persisted(em: EntityManager, entity: EntityTarget<ObjectLiteral>, property: string, value: unknown): { column: string; value: unknown } {
  const column = em.connection.getMetadata(entity).findColumnWithPropertyName(property);
  if (!column) throw new Error(`${String(property)} is not a column of ${em.connection.getMetadata(entity).name}`);
  return { column: em.connection.driver.escape(column.databaseName), value: em.connection.driver.preparePersistentValue(value, column) };
}

/**
 * Inserts rows as em.insert() does (each property through its column's transformer and the driver's
 * conversion; properties left undefined take the column's default), in one statement, without the query
 * builder's per-statement building or its read-back of generated columns: for the hot paths' inserts
 * (issue 22). Every row names the same properties.
 */
export async function insertRows<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, rows: Array<Partial<E>>): Promise<void> {
  if (rows.length === 0) return;
  const properties = Object.keys(rows[0]).filter((p) => rows[0][p] !== undefined);
  const params: ObjectLiteral = {};
  const columns: string[] = [];
  const tuples = rows.map((row, r) => {
    const values = properties.map((p, c) => {
      const { column, value } = persisted(em, entity, p, row[p]);
      if (r === 0) columns.push(column);
      params[`v${r}_${c}`] = value;
      return `:v${r}_${c}`;
    });
    return `(${values.join(', ')})`;
  });
  await runSql(em, `INSERT INTO ${tableOf(em, entity)} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

/**
 * `UPDATE … SET` the given properties (converted as insertRows() converts them) `WHERE where` (SQL with
 * `:name` parameters from `params`, columns by their SQL names): em.update() without the query builder,
 * for the hot paths (issue 22). Returns the number of rows changed.
 */
export async function updateRows<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, set: Partial<E>, where: string, params: ObjectLiteral = {}): Promise<number> {
  const all: ObjectLiteral = { ...params };
  const assignments = Object.keys(set).map((p, i) => {
    const { column, value } = persisted(em, entity, p, set[p]);
    all[`set_${i}`] = value;
    return `${column} = :set_${i}`;
  });
  return (await runSql(em, `UPDATE ${tableOf(em, entity)} SET ${assignments.join(', ')} WHERE ${where}`, all)).affected;
}
