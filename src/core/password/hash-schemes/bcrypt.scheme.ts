import { createHmac } from 'node:crypto';
import * as bcrypt from 'bcrypt';
import { normalizePassword } from '../password-normalization';
import { HashScheme, WritableHashScheme } from './hash-scheme';

export const BCRYPT_SHA384_ALGORITHM = 'bcrypt-sha384';
export const BCRYPT_ALGORITHM = 'bcrypt';

export const BCRYPT_MIN_COST = 4;
export const BCRYPT_MAX_COST = 31;
/** The highest cost a stored (imported) bcrypt hash may have: 2^15 rounds, about 3 s a verify. */
export const BCRYPT_MAX_VERIFY_COST = 15;
const BCRYPT_MAX_BYTES = 72;
const BCRYPT_HASH = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** A fixed application constant that keeps these pre-hashes apart from any other bare SHA-384 use. */
const PREHASH_KEY = 'password-lifecycle/bcrypt-prehash/v1';

/** The cost of a well-formed bcrypt string, or null for anything else. */
export function parseBcryptCost(hash: string): number | null {
  const match = typeof hash === 'string' ? BCRYPT_HASH.exec(hash) : null;
  return match ? Number(match[1]) : null;
}

function acceptsBcrypt(hash: string): boolean {
  const cost = parseBcryptCost(hash);
  return cost !== null && cost >= BCRYPT_MIN_COST && cost <= BCRYPT_MAX_VERIFY_COST;
}

/** $2y$ (PHP) is $2b$ under another name; the bcrypt module knows only $2a$ and $2b$. */
function compare(input: string, hash: string): Promise<boolean> {
  return bcrypt.compare(input, hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash);
}

function prehash(password: string): string {
  return createHmac('sha384', PREHASH_KEY).update(normalizePassword(password), 'utf8').digest('base64');
}

/**
 * `bcrypt-sha384`: bcrypt over base64(HMAC-SHA-384(PREHASH_KEY, NFKC(password))): 64 ASCII characters,
 * so bcrypt's 72-byte truncation and NUL handling never touch the password (SECURITY.md A8, A10; PSCS
 * pre-hashing). Written at the configured cost (BCRYPT_COST) when PASSWORD_HASH=bcrypt.
 */
export class BcryptSha384Scheme implements WritableHashScheme {
  readonly algorithm = BCRYPT_SHA384_ALGORITHM;

  constructor(private readonly cost: number) {
    if (!Number.isInteger(cost) || cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
      throw new RangeError(`bcrypt cost must be an integer from ${BCRYPT_MIN_COST} to ${BCRYPT_MAX_COST}`);
    }
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(prehash(password), this.cost);
  }

  accepts(hash: string): boolean {
    // Our own hashes may carry any cost BCRYPT_COST allows.
    return parseBcryptCost(hash) !== null;
  }

  verify(password: string, hash: string): Promise<boolean> {
    return compare(prehash(password), hash);
  }

  parametersMatch(hash: string): boolean {
    return parseBcryptCost(hash) === this.cost;
  }
}

/**
 * `bcrypt`: plain bcrypt of NFKC(password), as other systems store it ($2a$, $2b$, $2y$; imported
 * hashes). Verified only, never written. A password over 72 UTF-8 bytes is refused rather than checked
 * on its first 72 bytes only (A8).
 */
export class PlainBcryptScheme implements HashScheme {
  readonly algorithm = BCRYPT_ALGORITHM;

  accepts(hash: string): boolean {
    return acceptsBcrypt(hash);
  }

  async verify(password: string, hash: string): Promise<boolean> {
    const normalized = normalizePassword(password);
    // bcrypt would silently ignore everything past 72 bytes; refuse rather than half-check.
    if (Buffer.byteLength(normalized, 'utf8') > BCRYPT_MAX_BYTES) return false;
    return compare(normalized, hash);
  }
}
