import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { normalizePassword } from '../password-normalization';
import { HashScheme } from './hash-scheme';

export const DJANGO_PBKDF2_SHA256_ALGORITHM = 'django-pbkdf2-sha256';
export const PBKDF2_MIN_ITERATIONS = 1_000;
export const PBKDF2_MAX_ITERATIONS = 1_200_000; // Django 5.2 writes 1,000,000

const pbkdf2Async = promisify(pbkdf2);

/**
 * Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>`; the salt is used as its
 * UTF-8 text (Django's get_random_string alphabet; any printable ASCII but `$` accepted).
 */
const DJANGO = /^pbkdf2_sha256\$([1-9]\d{0,6})\$([!-#%-~]{1,128})\$([A-Za-z0-9+/]{43}=)$/;

export interface ParsedDjangoPbkdf2 {
  iterations: number;
  salt: string;
  key: Buffer;
}

export function parseDjangoPbkdf2(hash: string): ParsedDjangoPbkdf2 | null {
  const match = typeof hash === 'string' ? DJANGO.exec(hash) : null;
  if (!match) return null;
  const iterations = Number(match[1]);
  if (iterations < PBKDF2_MIN_ITERATIONS || iterations > PBKDF2_MAX_ITERATIONS) return null;
  const key = Buffer.from(match[3], 'base64');
  if (key.length !== 32 || key.toString('base64') !== match[3]) return null;
  return { iterations, salt: match[2], key };
}

/**
 * `django-pbkdf2-sha256`: Django's default hasher (PBKDF2-HMAC-SHA256), for imported hashes; the stored
 * string is Django's own. Verified only, over NFKC(password); node's async pbkdf2 runs on the libuv pool.
 */
export class DjangoPbkdf2Scheme implements HashScheme {
  readonly algorithm = DJANGO_PBKDF2_SHA256_ALGORITHM;

  accepts(hash: string): boolean {
    return parseDjangoPbkdf2(hash) !== null;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    const parsed = parseDjangoPbkdf2(hash);
    if (!parsed) return false;
    const derived = await pbkdf2Async(Buffer.from(normalizePassword(password), 'utf8'), Buffer.from(parsed.salt, 'utf8'), parsed.iterations, 32, 'sha256');
    return timingSafeEqual(derived, parsed.key);
  }
}
