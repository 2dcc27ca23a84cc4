import { randomBytes } from 'node:crypto';
import { Argon2Parameters, Argon2Scheme, OWASP_ARGON2ID } from './hash-schemes/argon2.scheme';
import { BCRYPT_ALGORITHM, BCRYPT_SHA384_ALGORITHM, BcryptSha384Scheme, PlainBcryptScheme } from './hash-schemes/bcrypt.scheme';
import { DjangoPbkdf2Scheme } from './hash-schemes/django-pbkdf2.scheme';
import { FirebaseScryptScheme } from './hash-schemes/firebase-scrypt.scheme';
import { PASSWORD_HASH_SCHEMES, PasswordHashScheme } from '../../ground/config/password-hash-schemes';
import { HashScheme, WritableHashScheme } from './hash-schemes/hash-scheme';

export { parseBcryptCost } from './hash-schemes/bcrypt.scheme';

/** What is stored for a password: the hash string and the scheme that produced it. */
export interface StoredPasswordHash {
  hash: string;
  algorithm: string;
}

/** The bcrypt scheme's name: bcrypt over an HMAC-SHA-384 pre-hash (hash-schemes/bcrypt.scheme.ts). */
export const CURRENT_ALGORITHM = BCRYPT_SHA384_ALGORITHM;
/** Plain bcrypt of NFKC(password), for imported hashes; verified only, never written. */
export const LEGACY_BCRYPT_ALGORITHM = BCRYPT_ALGORITHM;

export { PASSWORD_HASH_SCHEMES, type PasswordHashScheme };

/** Told the duration of every hash and verify (src/features/metrics): the scheme, the operation, seconds. */
export type HashTimingObserver = (algorithm: string, operation: 'hash' | 'verify', seconds: number) => void;

export interface PasswordHasherOptions {
  /** bcrypt cost (BCRYPT_COST) of `bcrypt-sha384` hashes. */
  cost: number;
  /** The scheme new hashes are written with; default bcrypt. */
  scheme?: PasswordHashScheme;
  /** argon2id's parameters; default OWASP's m=19456 KiB, t=2, p=1. */
  argon2?: Argon2Parameters;
}

/**
 * The password core's hashing: writes with the configured scheme (PASSWORD_HASH: `bcrypt-sha384` at
 * BCRYPT_COST, or `argon2id`), verifies a stored hash with the scheme its `algorithm` names (one
 * HashScheme per scheme, hash-schemes/), and says when a stored hash is not the configured scheme at
 * the configured parameters (`needsRehash`: a login then rewrites it). Async APIs only, so hashing runs
 * on the libuv pool and never blocks the event loop (J3).
 */
export class PasswordHasher {
  private readonly current: WritableHashScheme;
  private readonly schemes: ReadonlyMap<string, HashScheme>;
  private dummyHash?: Promise<string>;
  private inFlight = 0;
  private observer: HashTimingObserver | null = null;

  constructor(opts: PasswordHasherOptions) {
    const bcrypt = new BcryptSha384Scheme(opts.cost);
    const argon2id = new Argon2Scheme('argon2id', opts.argon2 ?? OWASP_ARGON2ID);
    const all: HashScheme[] = [
      bcrypt, argon2id, new PlainBcryptScheme(), new Argon2Scheme('argon2i'), new Argon2Scheme('argon2d'), new DjangoPbkdf2Scheme(), new FirebaseScryptScheme(),
    ];
    this.schemes = new Map(all.map((s) => [s.algorithm, s]));
    const scheme = opts.scheme ?? 'bcrypt';
    if (!PASSWORD_HASH_SCHEMES.includes(scheme)) throw new RangeError(`password hash scheme must be one of ${PASSWORD_HASH_SCHEMES.join(', ')}`);
    this.current = scheme === 'argon2id' ? argon2id : bcrypt;
  }

  /** The `algorithm` new hashes are stored under. */
  get algorithm(): string {
    return this.current.algorithm;
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
    const { algorithm } = this.current;
    return { hash: await this.timed(algorithm, 'hash', () => this.current.hash(password)), algorithm };
  }

  /** Whether the service can verify `stored`: a known scheme and a well-formed hash within its bounds. */
  recognizes(stored: StoredPasswordHash): boolean {
    return this.usable(stored) !== null;
  }

  /** False for a wrong password and for anything unusable stored (unknown scheme, malformed hash). */
  async verify(password: string, stored: StoredPasswordHash): Promise<boolean> {
    const scheme = this.usable(stored);
    if (!scheme) return false;
    return this.timed(scheme.algorithm, 'verify', () => scheme.verify(password, stored.hash));
  }

  /** True when the stored hash is not the configured scheme at its configured parameters (cost; m, t, p). */
  needsRehash(stored: StoredPasswordHash): boolean {
    return stored?.algorithm !== this.current.algorithm || typeof stored.hash !== 'string' || !this.current.parametersMatch(stored.hash);
  }

  /** One verify with the configured scheme and parameters against a throwaway hash, so a missing user costs the same time. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.current.hash(randomBytes(32).toString('base64'));
    const dummy = await this.dummyHash;
    await this.timed(this.current.algorithm, 'verify', () => this.current.verify(password, dummy));
    return false;
  }

  private usable(stored: StoredPasswordHash): HashScheme | null {
    const scheme = typeof stored?.algorithm === 'string' ? this.schemes.get(stored.algorithm) : undefined;
    return scheme && typeof stored.hash === 'string' && scheme.accepts(stored.hash) ? scheme : null;
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
