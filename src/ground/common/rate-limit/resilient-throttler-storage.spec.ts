import { FixedWindowMemoryStore, MEMORY_STORE_SWEEP_INTERVAL_MS, ResilientThrottlerStorage } from './resilient-throttler-storage';

describe('FixedWindowMemoryStore', () => {
  let now: number;
  let sut: FixedWindowMemoryStore;
  beforeEach(() => {
    now = 1_000_000;
    sut = new FixedWindowMemoryStore(() => now, 5);
  });

  it('counts hits in a fixed window and blocks past the limit for blockDuration, with the seconds left', () => {
    const hits = [1, 2, 3].map(() => sut.increment('ip', 60_000, 3, 30_000));
    expect(hits.map((r) => [r.totalHits, r.isBlocked])).toEqual([[1, false], [2, false], [3, false]]);
    expect(hits[0].timeToExpire).toBe(60);
    const blocked = sut.increment('ip', 60_000, 3, 30_000);
    expect(blocked).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 30 });
    now += 10_500;
    expect(sut.increment('ip', 60_000, 3, 30_000)).toMatchObject({ isBlocked: true, timeToBlockExpire: 20 });
  });

  it('starts over when the block ends, and when the window ends', () => {
    for (let i = 0; i < 4; i++) sut.increment('ip', 60_000, 3, 30_000);
    now += 30_000;
    expect(sut.increment('ip', 60_000, 3, 30_000)).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
    sut.increment('other', 1_000, 3, 1_000);
    now += 1_000;
    expect(sut.increment('other', 1_000, 3, 1_000)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps keys apart', () => {
    for (let i = 0; i < 4; i++) sut.increment('a', 60_000, 3, 60_000);
    expect(sut.increment('b', 60_000, 3, 60_000)).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('prunes expired windows in place and holds at most maxKeys records', () => {
    for (let i = 0; i < 5; i++) sut.increment(`k${i}`, 1_000, 3, 1_000);
    expect(sut.size).toBe(5);
    sut.increment('k5', 60_000, 3, 60_000); // full: the oldest is dropped
    expect(sut.size).toBe(5);
    now += MEMORY_STORE_SWEEP_INTERVAL_MS;
    sut.increment('k6', 60_000, 3, 60_000);
    expect(sut.size).toBe(2); // k5 and k6 are live; the 1-second windows are gone
  });

  it('handles 100,000 hits on one key in well under a second (no per-hit list is kept or copied)', () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) sut.increment('hot', 60_000, 1_000_000, 60_000);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(sut.increment('hot', 60_000, 1_000_000, 60_000).totalHits).toBe(100_001);
    expect(ms).toBeLessThan(500);
  });
});

describe('ResilientThrottlerStorage without REDIS_URL', () => {
  it('counts in memory, says so, and logs nothing', async () => {
    const logger = { log: jest.fn(), warn: jest.fn() };
    const sut = new ResilientThrottlerStorage({ redisUrl: null, keyPrefix: 'x:', commandTimeoutMs: 100, logger });
    await sut.increment('ip', 60_000, 1, 60_000, 'default');
    expect(await sut.increment('ip', 60_000, 1, 60_000, 'default')).toMatchObject({ totalHits: 2, isBlocked: true });
    expect(sut.state()).toEqual({ store: 'memory', redis: 'not-configured' });
    expect(logger.warn).not.toHaveBeenCalled();
    await sut.onApplicationShutdown();
  });
});

describe('ResilientThrottlerStorage with Redis unreachable (a closed port)', () => {
  it('answers every increment from memory at once, logs one warning, and never rejects', async () => {
    const logger = { log: jest.fn(), warn: jest.fn() };
    // A command bound longer than the whole check below: an increment that waited for Redis even once would exceed it.
    const sut = new ResilientThrottlerStorage({ redisUrl: 'redis://127.0.0.1:1', keyPrefix: 'x:', commandTimeoutMs: 2_000, logger });
    await sut.onApplicationBootstrap();
    try {
      const started = Date.now();
      const records = [];
      for (let i = 0; i < 5; i++) records.push(await sut.increment('ip', 60_000, 3, 60_000, 'default'));
      await new Promise((r) => setTimeout(r, 500)); // several reconnect attempts fail meanwhile
      records.push(await sut.increment('ip', 60_000, 3, 60_000, 'default'));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(records.map((r) => r.isBlocked)).toEqual([false, false, false, true, true, true]);
      expect(sut.state()).toEqual({ store: 'memory', redis: 'down' });
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0][0]).toMatch(/Redis is unreachable.*memory/);
      expect(logger.warn.mock.calls[0][0]).not.toContain('127.0.0.1:1/');
    } finally {
      await sut.onApplicationShutdown();
    }
  });
});
