import type { EntityManager } from 'typeorm';
import { runSql } from './sql';

/** Adds a bound parameter to the statement being built and answers its placeholder (a `:name`, runSql()). */
export type SqlParam = (value: unknown) => string;

/**
 * A durable queue's claim: which rows may be taken, how the most urgent are picked, and the lease.
 * The queue table has the columns `id` and `locked_until` (epoch ms, null when nobody holds the row).
 */
export interface DueRowsClaim {
  /** The queue table (a fixed identifier, never input). */
  table: string;
  /** `locked_until` of the rows taken (epoch ms): the claim's lease. */
  lockedUntil: number;
  /**
   * The condition under which a row may be taken (due, not held by a live claim, …), its columns prefixed
   * with `col` (`''` on the table itself, `d.` when the pick names the table `d`).
   */
  claimable: (p: SqlParam, col: string) => string;
  /**
   * The SELECT of the ids to take, most urgent first, with its LIMIT and no lock clause; `claimable(col)`
   * gives the condition. It may join other tables (name the queue's alias in `lockAlias`).
   */
  pick: (p: SqlParam, claimable: (col: string) => string) => string;
  /** PostgreSQL: the alias of the queue table in a pick that joins (FOR UPDATE OF <alias>), so only queue rows are locked. */
  lockAlias?: string;
}

/**
 * Claims up to the pick's LIMIT of rows with one statement: an UPDATE that sets the lease on the rows the
 * pick chose and returns their ids. The claimable condition is checked again on the rows it updates, so
 * a row another instance claimed in between is never taken twice. On PostgreSQL the pick is a
 * materialized CTE with `FOR UPDATE SKIP LOCKED`: concurrent claims take different rows instead of
 * waiting for each other (as a plain IN (…) subquery the planner may run it again per row, each run
 * skipping the rows the previous one locked, and the LIMIT would not hold). On SQLite the statement runs
 * under the database's single write lock. Used by the mail outbox (src/core/mail/outbox.worker.ts) and the
 * webhook deliveries (src/features/webhooks/webhook-delivery.worker.ts).
 */
export async function claimDueRows(em: EntityManager, claim: DueRowsClaim): Promise<string[]> {
  return (await claimDueRowsReturning<{ id: string }>(em, claim, 'id')).map((r) => r.id);
}

/** claimDueRows(), returning `columns` (SQL, e.g. `*`) of the claimed rows as they are after the claim, not just their ids. */
export async function claimDueRowsReturning<T>(em: EntityManager, claim: DueRowsClaim, columns: string): Promise<T[]> {
  const postgres = em.connection.options.type === 'postgres';
  const params: Record<string, unknown> = {};
  const p: SqlParam = (value) => {
    const name = `p${Object.keys(params).length}`;
    params[name] = value;
    return `:${name}`;
  };
  const claimable = (col: string) => claim.claimable(p, col);
  const sql = postgres
    ? `WITH picked AS MATERIALIZED (${claim.pick(p, claimable)} FOR UPDATE${claim.lockAlias ? ` OF ${claim.lockAlias}` : ''} SKIP LOCKED) ` +
      `UPDATE ${claim.table} SET locked_until = ${p(claim.lockedUntil)} WHERE id IN (SELECT id FROM picked) AND ${claimable('')} RETURNING ${columns}`
    : `UPDATE ${claim.table} SET locked_until = ${p(claim.lockedUntil)} WHERE id IN (${claim.pick(p, claimable)}) AND ${claimable('')} RETURNING ${columns}`;
  return (await runSql<T>(em, sql, params)).rows;
}
