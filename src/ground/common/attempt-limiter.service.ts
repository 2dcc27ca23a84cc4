import { Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { UnitOfWork } from '../database/unit-of-work';
import { budgetOfLimitKey, OperationalMetrics } from './metrics';
import { AttemptCounter } from './attempt-counter.entity';
import { AttemptReservation } from './attempt-reservation.entity';
import { Clock } from './clock';
import { ExpiredRowsSweeper } from './expired-rows';
import { RateLimitedError } from './errors/domain-errors';
import { type Limit, LONGEST_WINDOW_MS, type Refusal, RESERVATION_LEASE_MS, RESERVATION_WAIT_MS, type Reservation, type ReserveResult } from './attempt-limits';
import { inLockOrder, liveHolds, secondsUntil, sortedKeys, takeHoldsIfRoom, upsertCounters } from './attempt-rows';
import { runSql, tableOf } from '../database/sql';

export { type Limit, LONGEST_WINDOW_MS, RESERVATION_LEASE_MS, RESERVATION_WAIT_MS, type Reservation, type ReserveResult } from './attempt-limits';

const CLEANUP_INTERVAL_MS = LONGEST_WINDOW_MS;
/** Lapsed holds are only ignored by the counting; the sweep that deletes them runs this often. */
const HOLD_CLEANUP_INTERVAL_MS = 60_000;
/** Waits between looks at a held budget (ms); a settle in this process wakes the waiters at once. */
const WAIT_STEPS_MS = [5, 10, 20, 40, 80, 160, 250];

/**
 * The service's failure budgets (SECURITY.md B7, C3, J6, H5), in the database so they survive restarts
 * and every instance shares them:
 * - `attempt_counters`: failures counted per key in fixed windows, each with one conditional UPDATE,
 *   so concurrent requests on any number of instances never lose a count;
 * - `attempt_reservations`: the attempts in flight. An attempt takes a place before its code or
 *   password is checked; a budget with `max` has room while counted failures plus live holds stay
 *   under `max`, so a burst of N concurrent attempts still gets at most the budget's remaining places
 *   checked. A request settles its place: fail() counts the failure, refund() just releases it. A
 *   place its request never settles stops counting after RESERVATION_LEASE_MS and is never counted as
 *   a failure. While only holds fill a budget, tryReserve() waits for them to settle (bounded by
 *   RESERVATION_WAIT_MS) instead of refusing, so a person's right codes sent in parallel are not
 *   taken for guesses.
 * On PostgreSQL a reservation locks the budget's counter rows (in key order, as fail() and clear()
 * do) while it counts the holds and adds its own, so concurrent reservations see each other; on
 * SQLite transactions are serial.
 */
@Injectable()
export class AttemptLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: ExpiredRowsSweeper<AttemptCounter>;
  private readonly holdSweeper: ExpiredRowsSweeper<AttemptReservation>;
  /** Requests of this process waiting for a held budget, by the keys they wait on; woken when a place of this process on one of them is released. */
  private readonly waiters = new Set<{ keys: string[]; wake: () => void }>();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: OperationalMetrics,
  ) {
    this.sweeper = new ExpiredRowsSweeper(
      uow, AttemptCounter, '"window_started_at"', () => this.clock.nowMs() - LONGEST_WINDOW_MS, CLEANUP_INTERVAL_MS, 'expired attempt counters', 'AttemptLimiter',
    );
    this.holdSweeper = new ExpiredRowsSweeper(
      uow, AttemptReservation, '"expires_at"', () => this.clock.nowMs(), HOLD_CLEANUP_INTERVAL_MS, 'lapsed attempt reservations', 'AttemptLimiter',
    );
  }

  /**
   * Counts one hit on `limit` in the caller's transaction and says whether it is still within the
   * limit (count ≤ max). Hits over the limit are counted too; callers that refuse them usually roll
   * the transaction back.
   */
  async hit(em: EntityManager, limit: Limit): Promise<{ allowed: boolean; retryAfterSeconds: number; windowEndsAtMs: number }> {
    const now = this.clock.nowMs();
    const { count, windowStartedAt } = (await upsertCounters(em, [limit], 1, now)).get(limit.key)!;
    const windowEndsAtMs = windowStartedAt + limit.windowMs;
    return { allowed: count <= limit.max, retryAfterSeconds: secondsUntil(windowEndsAtMs, now), windowEndsAtMs };
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
   * Takes a place under every limit before the attempt is made, in one transaction; throws
   * RateLimitedError when one has none (see tryReserve()).
   */
  async reserve(limits: Limit[]): Promise<Reservation> {
    const result = await this.tryReserve(limits);
    if (!result.granted) throw new RateLimitedError(result.retryAfterSeconds);
    return result.reservation;
  }

  /**
   * Takes a place under every limit for one attempt, in one transaction, or says which limit has none
   * (nothing taken), so a caller can fall back to a narrower path (e.g. a code accepted only from the
   * network that requested it). A limit whose counted failures reached `max` is refused at once; one
   * whose remaining places are held by attempts in flight is waited for, up to RESERVATION_WAIT_MS,
   * then refused with `held: true`. With `countRefusal: false` a refusal of a spent budget is not
   * counted in rate_limit_hits_total: for a first try over several budgets whose caller then decides
   * budget by budget (and counts there); a held one is, since callers do not try again.
   */
  async tryReserve(limits: Limit[], opts: { countRefusal?: boolean } = {}): Promise<ReserveResult> {
    const deadline = Date.now() + RESERVATION_WAIT_MS;
    for (let round = 0; ; round++) {
      const outcome = await this.uow.run((em) => this.reserveIn(em, limits));
      if ('id' in outcome) return { granted: true, reservation: this.reservation(outcome.id, limits) };
      if (outcome.held && Date.now() < deadline && (await this.waitForPlace(limits, deadline, round))) continue;
      // Every refusal of every budget passes here (the *.limited audit events are one per window),
      // but for a first try whose caller decides again budget by budget (countRefusal: false), which
      // it does only for a spent budget.
      if (opts.countRefusal !== false || outcome.held) this.metrics?.limitHit(budgetOfLimitKey(outcome.limit.key));
      return outcome;
    }
  }

  /**
   * One reservation attempt in `em`: each limit's counter row (locked on PostgreSQL, in key order; a
   * window that ended restarts empty), then either this attempt's holds, taken by one statement only
   * where every limit has room for them (takeHoldsIfRoom), or the refusal of the first limit in the
   * caller's order without a place (a spent budget before a held one). Three statements with BEGIN and
   * COMMIT when granted; the live holds are read only to explain a refusal.
   */
  private async reserveIn(em: EntityManager, limits: Limit[]): Promise<{ id: string } | Refusal> {
    const now = this.clock.nowMs();
    const keys = sortedKeys(limits.map((l) => l.key));
    const byKey = new Map(limits.map((l) => [l.key, l]));
    const counters = await upsertCounters(em, keys.map((key) => byKey.get(key)!), 0, now);
    const spent = limits.find((l) => counters.get(l.key)!.count >= l.max);
    if (spent) {
      const windowEndsAtMs = counters.get(spent.key)!.windowStartedAt + spent.windowMs;
      return { granted: false, limit: spent, retryAfterSeconds: secondsUntil(windowEndsAtMs, now), windowEndsAtMs, held: false };
    }
    const id = randomUUID();
    const rooms = keys.map((key) => ({ key, room: byKey.get(key)!.max - counters.get(key)!.count }));
    if (await takeHoldsIfRoom(em, rooms, id, now + RESERVATION_LEASE_MS, now)) return { id };
    // Refused: which limit is full of holds, and when its first hold ends. (Should the holds that filled it
    // have lapsed in between, the attempt is still answered as held: a second from now; the caller waits and tries again.)
    const holds = await liveHolds(em, keys, now);
    const full = limits.find((l) => counters.get(l.key)!.count + (holds.get(l.key)?.count ?? 0) >= l.max) ?? limits[0];
    const windowEndsAtMs = holds.get(full.key)?.firstEndsAtMs ?? now + 1_000;
    return { granted: false, limit: full, retryAfterSeconds: secondsUntil(windowEndsAtMs, now), windowEndsAtMs, held: true };
  }

  /**
   * Waits until a held limit may have a place again (a settle in this process, or a look at the
   * tables without locks finds room or a spent budget), or until `deadline`. False at the deadline.
   */
  private async waitForPlace(limits: Limit[], deadline: number, round: number): Promise<boolean> {
    for (let step = round; Date.now() < deadline; step++) {
      const pause = Math.min(WAIT_STEPS_MS[Math.min(step, WAIT_STEPS_MS.length - 1)], deadline - Date.now());
      const woken = await new Promise<boolean>((resolve) => {
        const waiter = {
          keys: limits.map((l) => l.key),
          wake: () => {
            clearTimeout(timer);
            this.waiters.delete(waiter);
            resolve(true);
          },
        };
        const timer = setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, pause);
        this.waiters.add(waiter);
      });
      if (woken || (await this.mayHavePlace(limits))) return true;
    }
    return false;
  }

  /** A look without locks: true when no limit is full of holds any more (a place, or a spent budget to report). */
  private async mayHavePlace(limits: Limit[]): Promise<boolean> {
    const now = this.clock.nowMs();
    const keys = sortedKeys(limits.map((l) => l.key));
    const manager = this.dataSource.manager;
    const rows = await manager.createQueryBuilder(AttemptCounter, 'c').where('c.key IN (:...keys)', { keys }).getMany();
    const counts = new Map(rows.map((r) => [r.key, r]));
    const holds = await liveHolds(manager, keys, now);
    return limits.every((l) => {
      const row = counts.get(l.key);
      const counted = row && row.windowStartedAt.getTime() > now - l.windowMs ? row.count : 0;
      return counted >= l.max || counted + (holds.get(l.key)?.count ?? 0) < l.max;
    });
  }

  /** The places of one reservation: settled once, by refund() or fail(). */
  private reservation(id: string, limits: Limit[]): Reservation {
    const keys = sortedKeys(limits.map((l) => l.key));
    const byKey = new Map(limits.map((l) => [l.key, l]));
    let settled = false;
    const release = (em: EntityManager) => runSql(em, `DELETE FROM ${tableOf(em, AttemptReservation)} WHERE "key" IN (:...keys) AND "id" = :id`, { keys, id });
    return {
      refund: async (em?: EntityManager) => {
        if (settled) return;
        if (em) {
          // In the caller's transaction: released only if that commits, so not marked here.
          await release(em);
          return;
        }
        settled = true;
        // One DELETE: atomic on its own.
        await this.uow.runAutocommit(release);
        this.wakeWaiters(keys);
      },
      fail: async () => {
        if (settled) return;
        settled = true;
        await this.uow.run(async (em) => {
          await upsertCounters(em, keys.map((key) => byKey.get(key)!), 1, this.clock.nowMs());
          await release(em);
        });
        this.wakeWaiters(keys);
      },
    };
  }

  /** Lets the reservations waiting on any of `keys` look again (a place of this process on them was released). */
  private wakeWaiters(keys: string[]): void {
    for (const waiter of [...this.waiters]) if (waiter.keys.some((k) => keys.includes(k))) waiter.wake();
  }

  /** Forgets the counts of these keys (e.g. a target's failures after it proved itself: SECURITY.md D5). */
  async clear(keys: string[], em?: EntityManager): Promise<void> {
    if (keys.length === 0) return;
    const forget = async (tx: EntityManager) => {
      await runSql(tx, `DELETE FROM ${tableOf(tx, AttemptCounter)} WHERE ${inLockOrder(tx)}`, { keys: sortedKeys(keys) });
    };
    await (em ? forget(em) : this.uow.run(forget));
  }

  onModuleInit(): void {
    this.sweeper.start();
    this.holdSweeper.start();
  }

  onModuleDestroy(): void {
    this.sweeper.stop();
    this.holdSweeper.stop();
  }

  /** Deletes counters whose window has ended (unknown addresses and clients would otherwise pile up) and holds whose lease ended. */
  async removeExpired(): Promise<void> {
    await this.sweeper.sweep();
    await this.holdSweeper.sweep();
  }
}
