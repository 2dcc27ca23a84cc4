/** The limits and reservations of the AttemptLimiter (attempt-limiter.service.ts): what a budget is, what a reservation answers. */
import type { EntityManager } from 'typeorm';

/** One counter: at most `max` hits on `key` per fixed window of `windowMs`. */
export interface Limit {
  /** Row key in attempt_counters. */
  key: string;
  max: number;
  windowMs: number;
}

/** The longest window any limit uses; counters whose window ended that long ago are deleted. */
export const LONGEST_WINDOW_MS = 15 * 60_000;

/**
 * How long a reservation holds its place under its budgets when its request never settles it (the
 * process was killed mid-request): then it stops counting, and nothing was counted as a failure.
 * Longer than any attempt takes (a lookup, or one password check behind the hashing queue), so the
 * places of attempts in flight stay held; a settle after the lease still counts a failure.
 */
export const RESERVATION_LEASE_MS = 30_000;

/**
 * How long tryReserve() waits, at most, while a budget's remaining places are all held by attempts in
 * flight (they settle in milliseconds, or a second or two behind the hashing queue) before it answers
 * that the budget is held. A budget spent by counted failures is refused at once.
 */
export const RESERVATION_WAIT_MS = 10_000;

/** A place taken under one or more budgets for one attempt; the request settles it once, with refund() or fail(). */
export interface Reservation {
  /**
   * The attempt was not a failure: the place is released, nothing is counted. With `em`, inside the
   * caller's transaction (one transaction less on a hot path); if that transaction does not commit,
   * the caller may call refund() again without it.
   */
  refund(em?: EntityManager): Promise<void>;
  /** The attempt failed (a wrong code or password): one failure is counted on each budget and the place released, in one transaction. */
  fail(): Promise<void>;
}

/**
 * What tryReserve() answers: the place taken, or the first budget in the caller's order that has no
 * place (nothing taken). `held`: the budget is not spent, but attempts in flight hold its remaining
 * places (they stayed held for RESERVATION_WAIT_MS); `retryAfterSeconds` and `windowEndsAtMs` then
 * say when the first of them lapses at the latest. Otherwise the budget is spent by counted failures
 * and they say when its window ends.
 */
export type ReserveResult =
  | { granted: true; reservation: Reservation }
  | { granted: false; limit: Limit; retryAfterSeconds: number; windowEndsAtMs: number; held: boolean };

export type Refusal = Extract<ReserveResult, { granted: false }>;
