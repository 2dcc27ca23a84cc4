import type { EntityManager } from 'typeorm';
import { runSql, tableOf } from '../database/sql';
import { AttemptCounter } from './attempt-counter.entity';
import { AttemptReservation } from './attempt-reservation.entity';
import type { Limit } from './attempt-limits';

/* The statements of the AttemptLimiter (attempt-limiter.service.ts) on attempt_counters and attempt_reservations. */

/**
 * One statement for every counter of `limits` (distinct keys, locked in the order given: callers pass them
 * sorted, sortedKeys()): a new key starts at `add`; on an existing row both CASEs read it as it was, so an
 * ended window (its start at or before the limit's cutoff, `now` minus the limit's window) restarts at `add`
 * and a live one adds to it. The rows stay locked until commit (PostgreSQL). One round trip for a login's
 * four budgets instead of four.
 */
export async function upsertCounters(em: EntityManager, limits: Limit[], add: 0 | 1, now: number): Promise<Map<string, { count: number; windowStartedAt: number }>> {
  if (limits.length === 0) return new Map();
  const t = tableOf(em, AttemptCounter);
  const params: Record<string, unknown> = { add, now };
  limits.forEach((limit, i) => Object.assign(params, { [`key${i}`]: limit.key, [`cutoff${i}`]: now - limit.windowMs }));
  const rows = limits.map((_, i) => `(:key${i}, :add, :now)`).join(', ');
  // The cutoff of the row's own limit: EXCLUDED is the row this statement tried to insert.
  const cutoff = `CAST(CASE EXCLUDED."key" ${limits.map((_, i) => `WHEN :key${i} THEN :cutoff${i}`).join(' ')} END AS bigint)`;
  const [sql, parameters] = em.connection.driver.escapeQueryWithParameters(
    `INSERT INTO ${t} ("key", "count", "window_started_at") VALUES ${rows}
     ON CONFLICT ("key") DO UPDATE SET
       "count" = CASE WHEN ${t}."window_started_at" <= ${cutoff} THEN EXCLUDED."count" ELSE ${t}."count" + EXCLUDED."count" END,
       "window_started_at" = CASE WHEN ${t}."window_started_at" <= ${cutoff} THEN EXCLUDED."window_started_at" ELSE ${t}."window_started_at" END
     RETURNING "key", "count", "window_started_at"`,
    params,
    {},
  );
  const result = (await em.query(sql, parameters)) as Array<{ key: string; count: number | string; window_started_at: number | string }>;
  return new Map(result.map((row) => [row.key, { count: Number(row.count), windowStartedAt: Number(row.window_started_at) }]));
}

/**
 * Takes this attempt's holds (one row per key, `id`, lease until `expiresAt`) only if every key still has
 * room: fewer live holds than its `room` (the limit's max minus its counted failures, read by the
 * upsertCounters() before it in the same transaction, which holds the counters' locks). One statement;
 * true when the holds were taken. On PostgreSQL it starts after those locks were granted, so it sees every
 * hold a reservation on these keys committed before (each takes the same locks first).
 */
export async function takeHoldsIfRoom(em: EntityManager, rooms: Array<{ key: string; room: number }>, id: string, expiresAt: number, now: number): Promise<boolean> {
  const t = tableOf(em, AttemptReservation);
  const params: Record<string, unknown> = { id, expiresAt, now };
  rooms.forEach(({ key, room }, i) => Object.assign(params, { [`key${i}`]: key, [`room${i}`]: room }));
  const { rows } = await runSql(
    em,
    `WITH wanted ("key", "room") AS (VALUES ${rooms.map((_, i) => `(:key${i}, CAST(:room${i} AS bigint))`).join(', ')})
     INSERT INTO ${t} ("key", "id", "expires_at")
     SELECT w."key", :id, CAST(:expiresAt AS bigint) FROM wanted w
     WHERE NOT EXISTS (
       SELECT 1 FROM wanted f WHERE (SELECT COUNT(*) FROM ${t} h WHERE h."key" = f."key" AND h."expires_at" > :now) >= f."room"
     )
     RETURNING "key"`,
    params,
  );
  return rows.length > 0;
}

/**
 * Per key: the holds whose lease has not ended, and when the first of them ends. The rows are read
 * and counted here (one per attempt in flight, found by the primary key): a GROUP BY would sort them.
 */
export async function liveHolds(em: EntityManager, keys: string[], now: number): Promise<Map<string, { count: number; firstEndsAtMs: number }>> {
  const rows = await em
    .createQueryBuilder(AttemptReservation, 'h')
    .select(['h.key', 'h.expiresAt'])
    .where('h.key IN (:...keys) AND h.expiresAt > :now', { keys, now })
    .getMany();
  const holds = new Map<string, { count: number; firstEndsAtMs: number }>();
  for (const row of rows) {
    const endsAt = row.expiresAt.getTime();
    const seen = holds.get(row.key);
    holds.set(row.key, { count: (seen?.count ?? 0) + 1, firstEndsAtMs: Math.min(seen?.firstEndsAtMs ?? endsAt, endsAt) });
  }
  return holds;
}

/** Whole seconds from `now` until `endsAtMs`, at least 1 (a Retry-After). */
export function secondsUntil(endsAtMs: number, now: number): number {
  return Math.max(1, Math.ceil((endsAtMs - now) / 1000));
}

/** Distinct keys in the one order every transaction here locks counter rows in. */
export function sortedKeys(keys: string[]): string[] {
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `"key" IN (:...keys)`, taking the rows' locks in key order on PostgreSQL — the order every reservation
 * and every fail() locks them in — so clears never deadlock with them over shared keys (a client's, the
 * global one); a plain `IN (…)` locks rows in whatever order the scan finds them. SQLite runs its
 * transactions one at a time: there are no row locks to order.
 */
export function inLockOrder(em: EntityManager): string {
  if (em.connection.options.type === 'better-sqlite3') return '"key" IN (:...keys)';
  return `"key" IN (SELECT "key" FROM ${tableOf(em, AttemptCounter)} WHERE "key" IN (:...keys) ORDER BY "key" FOR UPDATE)`;
}
