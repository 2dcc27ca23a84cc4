import * as argon2 from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';
import { normalizePassword } from '../password-normalization';
import { HashScheme, WritableHashScheme } from './hash-scheme';

export type Argon2Variant = 'argon2id' | 'argon2i' | 'argon2d';
export const ARGON2ID_ALGORITHM: Argon2Variant = 'argon2id';

/** m in KiB, t passes, p lanes: what a PHC string's `m=…,t=…,p=…` says. */
export interface Argon2Parameters {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet's argon2id minimum: 19 MiB, 2 passes, 1 lane. */
export const OWASP_ARGON2ID: Readonly<Argon2Parameters> = Object.freeze({ memoryKiB: 19_456, timeCost: 2, parallelism: 1 });

/** The bounds a stored (imported) argon2 hash must stay in, so that one login costs at most about a second. */
export const ARGON2_MAX_MEMORY_KIB = 65_536; // 64 MiB (RFC 9106's second recommendation)
export const ARGON2_MAX_TIME_COST = 4;
export const ARGON2_MAX_PARALLELISM = 8;

/** @node-rs/argon2's Algorithm (a const enum, so spelled here). */
const VARIANT_CODE: Record<Argon2Variant, Algorithm> = { argon2d: 0 as Algorithm, argon2i: 1 as Algorithm, argon2id: 2 as Algorithm };

/** `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`: salt 8–64 bytes, hash 16–64 bytes, unpadded base64. */
const PHC = /^\$(argon2id|argon2i|argon2d)\$v=(16|19)\$m=([1-9]\d{0,8}),t=([1-9]\d{0,8}),p=([1-9]\d{0,2})\$([A-Za-z0-9+/]{11,86})\$([A-Za-z0-9+/]{22,86})$/;

export interface ParsedArgon2 extends Argon2Parameters {
  variant: Argon2Variant;
  version: number;
}

/** The variant and parameters of a well-formed argon2 PHC string within the bounds, or null. */
export function parseArgon2(hash: string): ParsedArgon2 | null {
  const match = typeof hash === 'string' ? PHC.exec(hash) : null;
  if (!match) return null;
  const [, variant, version, m, t, p, salt, digest] = match;
  // Unpadded base64 never has length 1 mod 4.
  if (salt.length % 4 === 1 || digest.length % 4 === 1) return null;
  const parsed = { variant: variant as Argon2Variant, version: Number(version), memoryKiB: Number(m), timeCost: Number(t), parallelism: Number(p) };
  if (parsed.parallelism > ARGON2_MAX_PARALLELISM || parsed.timeCost > ARGON2_MAX_TIME_COST) return null;
  if (parsed.memoryKiB > ARGON2_MAX_MEMORY_KIB || parsed.memoryKiB < 8 * parsed.parallelism) return null;
  return parsed;
}

/**
 * An argon2 variant over NFKC(password) itself (no 72-byte limit, so no pre-hash), stored as its PHC
 * string, which carries the variant, version, m, t and p. One instance per variant; `argon2id` is
 * written when PASSWORD_HASH=argon2id (at `params`), `argon2i` and `argon2d` only come from imports.
 * @node-rs/argon2's async API runs on the libuv pool like bcrypt (J3).
 */
export class Argon2Scheme implements WritableHashScheme {
  constructor(readonly algorithm: Argon2Variant, private readonly params: Readonly<Argon2Parameters> = OWASP_ARGON2ID) {}

  hash(password: string): Promise<string> {
    return argon2.hash(normalizePassword(password), {
      algorithm: VARIANT_CODE[this.algorithm], memoryCost: this.params.memoryKiB, timeCost: this.params.timeCost, parallelism: this.params.parallelism,
    });
  }

  accepts(hash: string): boolean {
    return parseArgon2(hash)?.variant === this.algorithm;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, normalizePassword(password));
    } catch {
      return false; // a string the library cannot decode despite the shape check: no match
    }
  }

  parametersMatch(hash: string): boolean {
    const p = parseArgon2(hash);
    return !!p && p.variant === this.algorithm && p.version === 19
      && p.memoryKiB === this.params.memoryKiB && p.timeCost === this.params.timeCost && p.parallelism === this.params.parallelism;
  }
}
