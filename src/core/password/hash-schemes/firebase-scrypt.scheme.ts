import { createCipheriv, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';
import { normalizePassword } from '../password-normalization';
import { HashScheme, isCanonicalBase64 } from './hash-scheme';

export const FIREBASE_SCRYPT_ALGORITHM = 'firebase-scrypt';

/** Bounds of an imported Firebase hash: N = 2^mem_cost ≤ 2^17, and scrypt's memory (128·N·r bytes) ≤ 128 MiB. */
export const FIREBASE_MAX_MEM_COST = 17;
export const FIREBASE_MAX_ROUNDS = 16;
export const SCRYPT_MAX_MEMORY_BYTES = 128 * 1024 * 1024;

/** Firebase's project-wide parameters ("Password hash parameters" in the console) and a user's salt. */
export interface FirebaseScryptParameters {
  /** base64 of the user's salt (`salt` in the users export). */
  salt: string;
  /** base64 of the project's salt separator (`base64_salt_separator`, usually `Bw==`). */
  saltSeparator: string;
  /** base64 of the project's signer key (`base64_signer_key`). */
  signerKey: string;
  rounds: number;
  memCost: number;
}

export interface ParsedFirebaseScrypt extends FirebaseScryptParameters {
  /** base64 of the user's password hash (`passwordHash` in the users export). */
  hash: string;
}

const SALT = { min: 1, max: 64 };
const SEPARATOR = { min: 1, max: 16 };
const SIGNER_KEY = { min: 16, max: 128 };

const B64 = '[A-Za-z0-9+/=]+';
const STORED = new RegExp(`^\\$firebase-scrypt\\$r=([1-9]\\d?),m=([1-9]\\d?)\\$(${B64})\\$(${B64})\\$(${B64})\\$(${B64})$`);

/** Why the parameters are unusable (the field at fault), or null when they are within bounds. */
export function firebaseParameterProblem(p: ParsedFirebaseScrypt): keyof ParsedFirebaseScrypt | null {
  if (!Number.isInteger(p.rounds) || p.rounds < 1 || p.rounds > FIREBASE_MAX_ROUNDS) return 'rounds';
  if (!Number.isInteger(p.memCost) || p.memCost < 1 || p.memCost > FIREBASE_MAX_MEM_COST) return 'memCost';
  if (128 * 2 ** p.memCost * p.rounds > SCRYPT_MAX_MEMORY_BYTES) return 'memCost';
  if (!isCanonicalBase64(p.salt, SALT.min, SALT.max)) return 'salt';
  if (!isCanonicalBase64(p.saltSeparator, SEPARATOR.min, SEPARATOR.max)) return 'saltSeparator';
  if (!isCanonicalBase64(p.signerKey, SIGNER_KEY.min, SIGNER_KEY.max)) return 'signerKey';
  // AES-CTR keeps the length: the hash is as long as the signer key it encrypts.
  if (!isCanonicalBase64(p.hash, SIGNER_KEY.min, SIGNER_KEY.max) || Buffer.from(p.hash, 'base64').length !== Buffer.from(p.signerKey, 'base64').length) return 'hash';
  return null;
}

/** The stored string: `$firebase-scrypt$r=<rounds>,m=<mem_cost>$<salt>$<salt separator>$<signer key>$<hash>`, all base64. */
export function formatFirebaseScrypt(p: ParsedFirebaseScrypt): string {
  return `$firebase-scrypt$r=${p.rounds},m=${p.memCost}$${p.salt}$${p.saltSeparator}$${p.signerKey}$${p.hash}`;
}

export function parseFirebaseScrypt(stored: string): ParsedFirebaseScrypt | null {
  const match = typeof stored === 'string' && stored.length <= 512 ? STORED.exec(stored) : null;
  if (!match) return null;
  const parsed = { rounds: Number(match[1]), memCost: Number(match[2]), salt: match[3], saltSeparator: match[4], signerKey: match[5], hash: match[6] };
  return firebaseParameterProblem(parsed) === null ? parsed : null;
}

function scryptAsync(password: Buffer, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * `firebase-scrypt`: Firebase Authentication's modified scrypt, for users exported from Firebase.
 * key = scrypt(NFKC(password), salt ‖ salt separator, N = 2^mem_cost, r = rounds, p = 1, 32 bytes);
 * the hash is AES-256-CTR(key, IV = 0) of the project's signer key. The signer key is per project, so
 * it is stored with each hash (it only lets one check these hashes; it protects nothing else here).
 * Verified only; node's async scrypt runs on the libuv pool.
 */
export class FirebaseScryptScheme implements HashScheme {
  readonly algorithm = FIREBASE_SCRYPT_ALGORITHM;

  accepts(hash: string): boolean {
    return parseFirebaseScrypt(hash) !== null;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const p = parseFirebaseScrypt(stored);
    if (!p) return false;
    const N = 2 ** p.memCost;
    const salt = Buffer.concat([Buffer.from(p.salt, 'base64'), Buffer.from(p.saltSeparator, 'base64')]);
    const key = await scryptAsync(Buffer.from(normalizePassword(password), 'utf8'), salt, 32, { N, r: p.rounds, p: 1, maxmem: 128 * N * p.rounds + 1024 * 1024 });
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const computed = Buffer.concat([cipher.update(Buffer.from(p.signerKey, 'base64')), cipher.final()]);
    return timingSafeEqual(computed, Buffer.from(p.hash, 'base64'));
  }
}
