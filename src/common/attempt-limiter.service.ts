import { Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { UnitOfWork } from '../database/unit-of-work';
import { AppMetrics, budgetOfLimitKey } from '../metrics/app-metrics';
import { AttemptCounter } from './attempt-counter.entity';
import { Clock } from './clock';
import { ExpiredRowsSweeper } from './expired-rows';
import { RateLimitedError } from './errors/domain-errors';

/** One counter: at most `max` hits on `key` per fixed window of `windowMs`. */
export interface Limit {
  /** Row key in attempt_counters. */
  key: string;
  max: number;
  windowMs: number;
}

/** The longest window any limit uses; counters whose window ended that long ago are deleted. */
export const LONGEST_WINDOW_MS = 15 * 60_000;

/** Counts already taken in advance; `refund()` gives them back when the attempt turned out not to be a failure. */
export interface Reservation {
  /**
   * Gives the counts back, once. With `em`, inside the caller's transaction (one transaction less on
   * a hot path); if that transaction does not commit, the caller may call refund() again without it.
   */
  refund(em?: EntityManager): Promise<void>;
}

/** What tryReserve() answers: the counts taken, or the first exhausted limit (nothing counted). */
export type ReserveResult =
  | { granted: true; reservation: Reservation }
  | { granted: false; limit: Limit; retryAfterSeconds: number; windowEndsAtMs: number };

const CLEANUP_INTERVAL_MS = LONGEST_WINDOW_MS;

/**
 * Fixed-window counters over the `attempt_counters` table (SECURITY.md H5): one row per key, counted
 * with a single conditional UPDATE, so concurrent requests on any number of instances never lose a
 * count (on PostgreSQL the UPDATE holds the row until commit; on SQLite transactions are serial).
 */
@Injectable()
export class AttemptLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: ExpiredRowsSweeper<AttemptCounter>;

  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock, @Optional() private readonly metrics?: AppMetrics) {
    this.sweeper = new ExpiredRowsSweeper(
      uow, AttemptCounter, '"window_started_at"', () => this.clock.nowMs() - LONGEST_WINDOW_MS, CLEANUP_INTERVAL_MS, 'expired attempt counters', 'AttemptLimiter',
    );
  }

  /**
   * Counts one hit on `limit` in the caller's transaction and says whether it is still within the
   * limit (count ≤ max). Hits over the limit are counted too; callers that refuse them usually roll
   * the transaction back.
   */
  async hit(em: EntityManager, limit: Limit): Promise<{ allowed: boolean; retryAfterSeconds: number; windowEndsAtMs: number }> {
    const now = this.clock.nowMs();
    // One statement: a new key starts at 1; on an existing row both CASEs read it as it was, so an
    // expired window restarts at 1 and a live one counts up. The row stays locked until commit.
    const t = tableOf(em, AttemptCounter);
    const [sql, parameters] = em.connection.driver.escapeQueryWithParameters(
      `INSERT INTO ${t} ("key", "count", "window_started_at") VALUES (:key, 1, :now)
       ON CONFLICT ("key") DO UPDATE SET
         "count" = CASE WHEN ${t}."window_started_at" <= :cutoff THEN 1 ELSE ${t}."count" + 1 END,
         "window_started_at" = CASE WHEN ${t}."window_started_at" <= :cutoff THEN :now ELSE ${t}."window_started_at" END
       RETURNING "count", "window_started_at"`,
      { key: limit.key, now, cutoff: now - limit.windowMs },
      {},
    );
    const [row] = (await em.query(sql, parameters)) as Array<{ count: number | string; window_started_at: number | string }>;
    const windowEndsAtMs = Number(row.window_started_at) + limit.windowMs;
    const retryAfterSeconds = Math.max(1, Math.ceil((windowEndsAtMs - now) / 1000));
    return { allowed: Number(row.count) <= limit.max, retryAfterSeconds, windowEndsAtMs };
  }

  /** Like hit(), but throws RateLimitedError (429) over the limit, which rolls the caller's transaction back. */
  async hitOrThrow(em: EntityManager, limit: Limit): Promise<void> {
    const { allowed, retryAfterSeconds } = await this.hit(em, limit);
    if (!allowed) {
      this.metrics?.limitHit(budgetOfLimitKey(limit.key));
      throw new RateLimitedError(retryAfterSeconds);
    }
  }

  /**
   * Takes one count on every limit before the attempt is made, in one transaction: if any limit is
   * exhausted nothing is counted and RateLimitedError is thrown. Counting first means concurrent
   * attempts cannot overshoot a limit (a burst of N requests gets at most `max` through).
   */
  async reserve(limits: Limit[]): Promise<Reservation> {
    const result = await this.tryReserve(limits);
    if (!result.granted) throw new RateLimitedError(result.retryAfterSeconds);
    return result.reservation;
  }

  /**
   * Like reserve(), but says which limit was exhausted instead of throwing, so a caller can fall back
   * to a narrower path (e.g. a code accepted only from the network that requested it). Refused: nothing
   * was counted; `retryAfterSeconds` is the time left in the exhausted limit's window. With
   * `countRefusal: false` a refusal is not counted in rate_limit_hits_total: for a first try over
   * several budgets whose caller then decides budget by budget (and counts there).
   */
  async tryReserve(limits: Limit[], opts: { countRefusal?: boolean } = {}): Promise<ReserveResult> {
    type Refusal = { limit: Limit; retryAfterSeconds: number; windowEndsAtMs: number };
    let refused: Refusal | null = null;
    try {
      await this.uow.run(async (em) => {
        // Rows are counted (and locked, on PostgreSQL) in key order, as refund() and clear() lock them,
        // so concurrent reservations and refunds over shared keys (a client's, the global one) never
        // deadlock; the refusal named is the first exhausted limit in the caller's order.
        const results = new Map<Limit, Awaited<ReturnType<AttemptLimiter['hit']>>>();
        const byKey = new Map(limits.map((l) => [l.key, l]));
        for (const key of sortedKeys(limits.map((l) => l.key))) results.set(byKey.get(key)!, await this.hit(em, byKey.get(key)!));
        for (const limit of limits) {
          const { allowed, retryAfterSeconds, windowEndsAtMs } = results.get(limit)!;
          if (!allowed) {
            refused = { limit, retryAfterSeconds, windowEndsAtMs };
            throw new RateLimitedError(retryAfterSeconds); // rolls back every count of this reservation
          }
        }
      });
    } catch (error) {
      if (!refused) throw error;
    }
    if (refused) {
      // Every refusal of every budget passes here (the *.limited audit events are one per window),
      // but for a first try whose caller decides again budget by budget (countRefusal: false).
      if (opts.countRefusal !== false) this.metrics?.limitHit(budgetOfLimitKey((refused as Refusal).limit.key));
      return { granted: false, ...(refused as Refusal) };
    }
    let refunded = false;
    return {
      granted: true,
      reservation: {
        refund: async (em?: EntityManager) => {
          if (refunded) return;
          const giveBack = async (tx: EntityManager) => {
            await tx
              .createQueryBuilder()
              .update(AttemptCounter)
              .set({ count: () => 'CASE WHEN "count" > 0 THEN "count" - 1 ELSE 0 END' })
              .where(inLockOrder(tx), { keys: sortedKeys(limits.map((l) => l.key)) })
              .execute();
          };
          if (em) {
            // In the caller's transaction: counted as given back only if that commits, so not marked here.
            await giveBack(em);
            return;
          }
          refunded = true;
          await this.uow.run(giveBack);
        },
      },
    };
  }

  /** Forgets the counts of these keys (e.g. a target's failures after it proved itself: SECURITY.md D5). */
  async clear(keys: string[], em?: EntityManager): Promise<void> {
    if (keys.length === 0) return;
    const forget = async (tx: EntityManager) => {
      await tx.createQueryBuilder().delete().from(AttemptCounter).where(inLockOrder(tx), { keys: sortedKeys(keys) }).execute();
    };
    await (em ? forget(em) : this.uow.run(forget));
  }

  onModuleInit(): void {
    this.sweeper.start();
  }

  onModuleDestroy(): void {
    this.sweeper.stop();
  }

  /** Deletes counters whose window has ended (unknown addresses and clients would otherwise pile up). */
  removeExpired(): Promise<void> {
    return this.sweeper.sweep();
  }
}

/** The quoted, schema-qualified name of an entity's table, for the few statements written as SQL. */
function tableOf(em: EntityManager, entity: EntityTarget<ObjectLiteral>): string {
  const { driver } = em.connection;
  return em.connection.getMetadata(entity).tablePath.split('.').map((part) => driver.escape(part)).join('.');
}

/** Distinct keys in the one order every transaction here locks counter rows in. */
function sortedKeys(keys: string[]): string[] {
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `"key" IN (:...keys)`, taking the rows' locks in key order on PostgreSQL — the order every reservation
 * locks them in — so refunds and clears never deadlock with reservations over shared keys (a client's,
 * the global one); a plain `IN (…)` locks rows in whatever order the scan finds them. SQLite runs its
 * transactions one at a time: there are no row locks to order.
 */
function inLockOrder(em: EntityManager): string {
  if (em.connection.options.type === 'better-sqlite3') return '"key" IN (:...keys)';
  return `"key" IN (SELECT "key" FROM ${tableOf(em, AttemptCounter)} WHERE "key" IN (:...keys) ORDER BY "key" FOR UPDATE)`;
}
