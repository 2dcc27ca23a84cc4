import { createHmac, randomBytes } from 'node:crypto';
import * as bcrypt from 'bcrypt';
import { normalizePassword } from './password-normalization';

/** What is stored for a password: the bcrypt string and the scheme that produced it. */
export interface StoredPasswordHash {
  hash: string;
  algorithm: string;
}

/**
 * bcrypt over base64(HMAC-SHA-384(PREHASH_KEY, NFKC(password))): 64 ASCII characters, so bcrypt's
 * 72-byte truncation and NUL handling never touch the password (SECURITY.md A8, A10; PSCS pre-hashing).
 */
export const CURRENT_ALGORITHM = 'bcrypt-sha384';
/** Plain bcrypt of NFKC(password), for imported hashes; verified only, never written. */
export const LEGACY_BCRYPT_ALGORITHM = 'bcrypt';

/** A fixed application constant that keeps these pre-hashes apart from any other bare SHA-384 use. */
const PREHASH_KEY = 'password-lifecycle/bcrypt-prehash/v1';
const BCRYPT_MAX_BYTES = 72;
const BCRYPT_MIN_COST = 4;
const BCRYPT_MAX_COST = 31;
const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** The cost of a well-formed bcrypt string, or null for anything else. */
export function parseBcryptCost(hash: string): number | null {
  const match = typeof hash === 'string' ? BCRYPT_HASH.exec(hash) : null;
  return match ? Number(match[1]) : null;
}

function prehash(password: string): string {
  return createHmac('sha384', PREHASH_KEY).update(normalizePassword(password), 'utf8').digest('base64');
}

/** Told the duration of every hash and verify (src/metrics): the scheme, the operation, seconds. */
export type HashTimingObserver = (algorithm: string, operation: 'hash' | 'verify', seconds: number) => void;

/** Uses bcrypt's async API only, so hashing runs on the libuv pool and never blocks the event loop (J3). */
export class PasswordHasher {
  private readonly cost: number;
  private dummyHash?: Promise<string>;
  private inFlight = 0;
  private observer: HashTimingObserver | null = null;

  constructor(opts: { cost: number }) {
    if (!Number.isInteger(opts.cost) || opts.cost < BCRYPT_MIN_COST || opts.cost > BCRYPT_MAX_COST) {
      throw new RangeError(`bcrypt cost must be an integer from ${BCRYPT_MIN_COST} to ${BCRYPT_MAX_COST}`);
    }
    this.cost = opts.cost;
  }

  /**
   * Hashes and verifies started and not finished: waiting for a thread of the libuv pool (4 by
   * default, shared with file and DNS work) or running on one.
   */
  get queueDepth(): number {
    return this.inFlight;
  }

  /** Sets the one observer of hash timings (the metrics); null removes it. */
  observe(observer: HashTimingObserver | null): void {
    this.observer = observer;
  }

  async hash(password: string): Promise<StoredPasswordHash> {
    return { hash: await this.timed(CURRENT_ALGORITHM, 'hash', () => bcrypt.hash(prehash(password), this.cost)), algorithm: CURRENT_ALGORITHM };
  }

  /** False for a wrong password and for anything unusable stored (unknown scheme, malformed hash). */
  async verify(password: string, stored: StoredPasswordHash): Promise<boolean> {
    if (parseBcryptCost(stored?.hash) === null) return false;
    switch (stored.algorithm) {
      case CURRENT_ALGORITHM:
        return this.timed(CURRENT_ALGORITHM, 'verify', () => bcrypt.compare(prehash(password), stored.hash));
      case LEGACY_BCRYPT_ALGORITHM: {
        const normalized = normalizePassword(password);
        // bcrypt would silently ignore everything past 72 bytes; refuse rather than half-check.
        if (Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_BYTES) return false;
        return this.timed(LEGACY_BCRYPT_ALGORITHM, 'verify', () => bcrypt.compare(normalized, stored.hash));
      }
      default:
        return false;
    }
  }

  /** True when the stored hash is not the current scheme at the configured cost. */
  needsRehash(stored: StoredPasswordHash): boolean {
    return stored.algorithm !== CURRENT_ALGORITHM || parseBcryptCost(stored.hash) !== this.cost;
  }

  /** One compare at the configured cost against a throwaway hash, so a missing user costs the same time. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= bcrypt.hash(randomBytes(32).toString('base64'), this.cost);
    const dummy = await this.dummyHash;
    await this.timed(CURRENT_ALGORITHM, 'verify', () => bcrypt.compare(prehash(password), dummy));
    return false;
  }

  private async timed<T>(algorithm: string, operation: 'hash' | 'verify', work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    const started = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.inFlight--;
      try {
        this.observer?.(algorithm, operation, Number(process.hrtime.bigint() - started) / 1e9);
      } catch {
        // an observer never fails a password check
      }
    }
  }
}
