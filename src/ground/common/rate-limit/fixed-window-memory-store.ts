import type { ThrottlerStorage } from '@nestjs/throttler';

/** What `ThrottlerStorage.increment` resolves to (the record type is not exported by @nestjs/throttler). */
export type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Keys the memory store holds at most; beyond, the oldest window is dropped (a flood of addresses cannot exhaust memory). */
export const MEMORY_STORE_MAX_KEYS = 100_000;
/** Expired windows are pruned at most this often (ms), in place. */
export const MEMORY_STORE_SWEEP_INTERVAL_MS = 10_000;

interface Window {
  hits: number;
  /** Epoch ms at which the hit counter starts over. */
  resetAt: number;
  /** Epoch ms until which the key is blocked; 0 = not blocked. */
  blockedUntil: number;
}

/**
 * Fixed-window counters of this instance, the same semantics as the Redis script: one small record
 * per key and throttler, updated in place (no per-hit list is kept or copied), expired records pruned
 * in place at most every {@link MEMORY_STORE_SWEEP_INTERVAL_MS}, at most {@link MEMORY_STORE_MAX_KEYS}
 * records. Times in milliseconds from `now` (wall clock by default, like Redis TTLs).
 */
export class FixedWindowMemoryStore {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = MEMORY_STORE_MAX_KEYS,
  ) {}

  /** Counts one hit for `key` (ttl, blockDuration in ms); never throws. */
  increment(key: string, ttl: number, limit: number, blockDuration: number): ThrottlerRecord {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w) {
      if (this.windows.size >= this.maxKeys) this.evictOldest(now);
      w = { hits: 0, resetAt: now + ttl, blockedUntil: 0 };
      this.windows.set(key, w);
    }
    if (w.blockedUntil !== 0 && w.blockedUntil <= now) {
      // the block is over: start a fresh window with this hit (as the Redis script does)
      w.blockedUntil = 0;
      w.hits = 0;
      w.resetAt = now + ttl;
    } else if (w.resetAt <= now) {
      w.hits = 0;
      w.resetAt = now + ttl;
    }
    w.hits += 1;
    if (w.blockedUntil === 0 && w.hits > limit) w.blockedUntil = now + blockDuration;
    const isBlocked = w.blockedUntil !== 0;
    return {
      totalHits: w.hits,
      timeToExpire: Math.ceil((w.resetAt - now) / 1000),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil((w.blockedUntil - now) / 1000) : 0,
    };
  }

  /** Number of records held (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  clear(): void {
    this.windows.clear();
  }

  private sweep(now: number, force = false): void {
    if (!force && now < this.nextSweepAt) return;
    this.nextSweepAt = now + MEMORY_STORE_SWEEP_INTERVAL_MS;
    for (const [key, w] of this.windows) {
      if (w.resetAt <= now && w.blockedUntil <= now) this.windows.delete(key);
    }
  }

  private evictOldest(now: number): void {
    this.sweep(now, true);
    if (this.windows.size < this.maxKeys) return;
    // Map iteration is insertion order: the first key is the oldest record.
    const oldest = this.windows.keys().next();
    if (!oldest.done) this.windows.delete(oldest.value);
  }
}
