import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { FixedWindowMemoryStore, type ThrottlerRecord } from './fixed-window-memory-store';

/** This instance's memory store (the fallback) lives in fixed-window-memory-store.ts. */
export { FixedWindowMemoryStore, MEMORY_STORE_MAX_KEYS, MEMORY_STORE_SWEEP_INTERVAL_MS, type ThrottlerRecord } from './fixed-window-memory-store';

/** Where the counters of the throttler live right now, for /health and the logs. */
export interface RateLimitStoreState {
  /** `redis`: counted in Redis, shared by every instance; `memory`: counted in this instance only. */
  store: 'redis' | 'memory';
  /** `up`/`down` when REDIS_URL is set; `not-configured` otherwise. */
  redis: 'up' | 'down' | 'not-configured';
}

/** How long (ms) a fallen-back store waits between PING probes of a Redis that is connected but was not answering. */
export const REDIS_PROBE_INTERVAL_MS = 1_000;
/** Upper bound of one reconnect delay (ms): ioredis retries 100 ms, 200 ms, … then every 2 s, forever. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 2_000;
/**
 * The same fixed-window algorithm as @nest-lab/throttler-storage-redis, so keys stay compatible with
 * instances still running that storage: INCR the window's hit counter (created with a PEXPIRE of
 * `ttl`), and past `limit` hits set a block key for `blockDuration`. Times in milliseconds.
 */
const INCREMENT_SCRIPT = `
local totalHits = redis.call('INCR', KEYS[1])
local timeToExpire = redis.call('PTTL', KEYS[1])
if timeToExpire <= 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  timeToExpire = tonumber(ARGV[1])
end
local isBlocked = redis.call('GET', KEYS[2])
local timeToBlockExpire = 0
if isBlocked then
  timeToBlockExpire = redis.call('PTTL', KEYS[2])
elseif totalHits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[3])
  isBlocked = '1'
  timeToBlockExpire = tonumber(ARGV[3])
end
if isBlocked and timeToBlockExpire <= 0 then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
  totalHits = 1
  timeToExpire = tonumber(ARGV[1])
  isBlocked = false
end
return { totalHits, timeToExpire, isBlocked and 1 or 0, timeToBlockExpire }
`.trim();

type RedisWithThrottle = Redis & {
  plsThrottleIncrement(hitKey: string, blockKey: string, ttl: number, limit: number, blockDuration: number): Promise<unknown>;
};

export interface ResilientThrottlerStorageOptions {
  /** redis:// URL; null = this instance's memory only (no warning, nothing to fall back from). */
  redisUrl: string | null;
  /** Prefix of every key in Redis (REDIS_KEY_PREFIX). */
  keyPrefix: string;
  /** Bound (ms) of one Redis command; past it the request is counted in memory instead. */
  commandTimeoutMs: number;
  /** Delay between PING probes while fallen back on a connected Redis (ms). */
  probeIntervalMs?: number;
  /** Clock of the memory windows (epoch ms); wall clock by default, like Redis TTLs. */
  now?: () => number;
  logger?: Pick<Logger, 'log' | 'warn'>;
}

/**
 * Throttler storage (`ThrottlerStorage` of @nestjs/throttler) that counts in Redis when `REDIS_URL`
 * is set and falls back to this instance's memory when Redis fails or cannot be reached, so a Redis
 * outage never fails a request (CONTRACT.md "Abuse budgets"; SECURITY.md C3, J3).
 *
 * - A request never waits for Redis to come back: there is no offline queue (a command while
 *   disconnected fails at once) and each command is bounded by `commandTimeoutMs`.
 * - Falling back logs ONE warning; Redis being back logs one line. ioredis reconnects by itself
 *   (100 ms … 2 s apart); a Redis that stays connected but stopped answering is probed with PING
 *   every `probeIntervalMs`. Either way counting returns to Redis as soon as it answers.
 * - While fallen back each instance enforces the limits on its own counters, which start empty:
 *   with N instances a client may get up to N × limit requests per window until Redis returns.
 */
export class ResilientThrottlerStorage implements ThrottlerStorage, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly memory: FixedWindowMemoryStore;
  private readonly redis: RedisWithThrottle | null;
  private readonly logger: Pick<Logger, 'log' | 'warn'>;
  private readonly probeIntervalMs: number;
  private readonly connectTimeoutMs: number;
  /** `starting`: not connected yet (requests counted in memory, silently); `redis`; `memory`: fallen back. */
  private mode: 'starting' | 'redis' | 'memory';
  private probe: NodeJS.Timeout | null = null;
  private probing = false;
  private closing = false;

  constructor(options: ResilientThrottlerStorageOptions) {
    this.memory = new FixedWindowMemoryStore(options.now);
    this.logger = options.logger ?? new Logger('RateLimit');
    this.probeIntervalMs = options.probeIntervalMs ?? REDIS_PROBE_INTERVAL_MS;
    this.connectTimeoutMs = Math.max(1_000, options.commandTimeoutMs * 4);
    if (!options.redisUrl) {
      this.redis = null;
      this.mode = 'memory';
      return;
    }
    this.mode = 'starting';
    // Loaded here, not at the top: without REDIS_URL the service never loads ioredis.
    const { default: RedisClient } = require('ioredis') as { default: typeof Redis };
    const redis = new RedisClient(options.redisUrl, {
      keyPrefix: options.keyPrefix,
      // Connected in onApplicationBootstrap, once the app's logger is in place.
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: this.connectTimeoutMs,
      // null once the app shuts down: no reconnect is scheduled after disconnect()
      retryStrategy: (times) => (this.closing ? null : Math.min(times * 100, REDIS_MAX_RECONNECT_DELAY_MS)),
    }) as RedisWithThrottle;
    redis.defineCommand('plsThrottleIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    redis.on('ready', () => this.backToRedis());
    // ioredis emits 'error' for every failed reconnect: one listener, no log line per attempt.
    redis.on('error', (error: Error) => this.fallBack(error));
    redis.on('close', () => this.fallBack(new Error('connection closed')));
    this.redis = redis;
  }

  /**
   * Connects to Redis before the app serves, waiting at most the connect timeout (≥ 1 s): a reachable
   * Redis counts from the first request; an unreachable one delays the start by that much at most.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis || this.closing) return;
    // Failures arrive as 'error' events (fallBack); ioredis keeps reconnecting on its own.
    const connected = this.redis.connect().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.connectTimeoutMs);
    });
    await Promise.race([connected, bound]);
    clearTimeout(timer);
  }

  /** Counts one hit (ttl and blockDuration in ms). Resolves from Redis or from memory; never rejects. */
  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerRecord> {
    if (this.redis && this.mode === 'redis') {
      try {
        return parseRecord(
          await this.redis.plsThrottleIncrement(`{${key}:${throttlerName}}:hits`, `{${key}:${throttlerName}}:blocked`, ttl, limit, blockDuration),
        );
      } catch (error) {
        this.fallBack(error);
      }
    }
    return this.memory.increment(`${key}:${throttlerName}`, ttl, limit, blockDuration);
  }

  /** Where the counters live now; Redis "up" means commands are being sent to it. */
  state(): RateLimitStoreState {
    if (!this.redis) return { store: 'memory', redis: 'not-configured' };
    return this.mode === 'redis' ? { store: 'redis', redis: 'up' } : { store: 'memory', redis: 'down' };
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.stopProbe();
    this.memory.clear();
    if (!this.redis) return;
    try {
      if (this.redis.status === 'ready') await this.redis.quit();
    } catch {
      // already gone
    } finally {
      this.redis.disconnect(false);
    }
  }

  private fallBack(error: unknown): void {
    if (this.closing || this.mode === 'memory') return;
    this.mode = 'memory';
    this.logger.warn(
      `Redis is unreachable (${describeRedisError(error)}): rate limits are counted in this instance's memory until it is back`,
    );
    this.startProbe();
  }

  private backToRedis(): void {
    if (this.closing || this.mode === 'redis') return;
    const wasDown = this.mode === 'memory';
    this.mode = 'redis';
    this.stopProbe();
    if (wasDown) this.logger.log('Redis is back: rate limits are counted in Redis again');
    else this.logger.log('rate limits are counted in Redis');
  }

  /** While fallen back on a connection that is still open (a stalled Redis), PING until it answers. */
  private startProbe(): void {
    if (this.probe || !this.redis) return;
    this.probe = setInterval(() => void this.probeOnce(), this.probeIntervalMs);
    this.probe.unref();
  }

  private stopProbe(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
  }

  private async probeOnce(): Promise<void> {
    // Not connected: ioredis is reconnecting and 'ready' will bring us back.
    if (this.probing || !this.redis || this.redis.status !== 'ready') return;
    this.probing = true;
    try {
      await this.redis.ping();
      this.backToRedis();
    } catch {
      // still not answering
    } finally {
      this.probing = false;
    }
  }
}

/** Builds the storage of the app's ThrottlerModule from the configuration. */
export function createThrottlerStorage(config: AppConfig): ResilientThrottlerStorage {
  return new ResilientThrottlerStorage({
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    commandTimeoutMs: config.redisCommandTimeoutMs,
  });
}

function parseRecord(result: unknown): ThrottlerRecord {
  if (!Array.isArray(result) || result.length !== 4 || !result.every((v) => typeof v === 'number')) {
    throw new TypeError('unexpected reply from the rate-limit script');
  }
  const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = result as number[];
  return {
    totalHits,
    timeToExpire: Math.ceil(timeToExpire / 1000),
    isBlocked: isBlocked === 1,
    timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
  };
}

/** Error code and message on one line, without the URL (it may hold a password). */
function describeRedisError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown error';
  const e = error as { code?: unknown; message?: unknown };
  const text = [typeof e.code === 'string' ? e.code : null, typeof e.message === 'string' ? e.message : null].filter(Boolean).join(' ');
  // eslint-disable-next-line no-control-regex
  return text.replace(/rediss?:\/\/\S+/g, 'redis://…').replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200) || 'unknown error';
}
