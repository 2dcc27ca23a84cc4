import type { Driver } from 'typeorm';

type Escape = Driver['escapeQueryWithParameters'];

/**
 * Makes TypeORM's SQLite driver bind integer parameters instead of writing them into the SQL text.
 *
 * TypeORM inlines every number of a query builder's parameters as a literal (`… <= 1796084016059`),
 * and our times are integers (ms since the epoch: columns.ts). So nearly every statement had a text
 * of its own: better-sqlite3 parsed and planned it again (TypeORM's statement cache, keyed by the
 * text, never hit and evicted the statements that could). Bound as BigInt — SQLite's INTEGER, so a
 * value lands in any column exactly as the literal did — the texts repeat and the cache serves them.
 * Numbers that are not safe integers stay literals, as before. Applies to this driver instance only.
 */
export function bindIntegerParameters(driver: Driver): void {
  const escape: Escape = driver.escapeQueryWithParameters.bind(driver);
  driver.escapeQueryWithParameters = (sql, parameters, nativeParameters) => {
    const bound: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parameters ?? {})) {
      bound[key] = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
    }
    return escape(sql, bound as typeof parameters, nativeParameters);
  };
}
