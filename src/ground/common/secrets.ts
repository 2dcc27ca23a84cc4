import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 32 random bytes (256 bits) from the CSPRNG, base64url: invitation tokens, refresh tokens, API keys. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A uniform random code over an alphabet (rejection-free via crypto.randomInt). */
export function randomCode(length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The keys SecretKeys uses (src/core/keys/key-ring.ts KeyRing); a lookup or seal key carries `secret`. */
export interface SecretKeySource {
  active(purpose: 'lookup' | 'seal'): { kid: string; secret?: Buffer };
  keys(purpose: 'lookup' | 'seal'): Array<{ kid: string; secret?: Buffer }>;
  find(kid: string): { kid: string; purpose: string; secret?: Buffer } | undefined;
}

/** Rows hashed before keys had ids carry no prefix: they belong to this key. */
const LEGACY_LOOKUP_KID = 'legacy-lookup';
const LEGACY_SEAL_KID = 'legacy-seal';

/**
 * Hashing and sealing with the key ring's lookup and seal keys. One-time secrets are looked up by
 * HMAC-SHA-256 under a server-side key, so a stolen table of 6-digit code hashes cannot be reversed
 * offline by trying all 10^6 codes (SECURITY.md B3), and the lookup stays a single indexed query (no
 * bcrypt compare). Each stored hash and ciphertext names its key, so a rotated key keeps working.
 */
export class SecretKeys {
  constructor(private readonly ring: SecretKeySource) {}

  /** `<kid>:<hex HMAC>` under the active lookup key: the stored, indexed form of a one-time secret or key. */
  lookupHash(secret: string): string {
    const key = this.ring.active('lookup');
    return `${key.kid}:${hmacHex(key, secret)}`;
  }

  /**
   * The stored form under every lookup key of the ring (active first; legacy rows unprefixed), for
   * `WHERE hash IN (...)`: a secret hashed under a retired key is still found.
   */
  lookupHashes(secret: string): string[] {
    return this.ring.keys('lookup').map((key) => (key.kid === LEGACY_LOOKUP_KID ? hmacHex(key, secret) : `${key.kid}:${hmacHex(key, secret)}`));
  }

  /** Whether a stored hash was made under the active lookup key (else it may be re-hashed). */
  isCurrentLookupHash(stored: string): boolean {
    return stored.startsWith(`${this.ring.active('lookup').kid}:`);
  }

  /** AES-256-GCM under the active seal key, `v2.<kid>.<iv>.<tag>.<body>`: mail bodies carrying codes are stored encrypted in the outbox. */
  seal(plaintext: string): string {
    const key = this.ring.active('seal');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', secretOf(key), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v2', key.kid, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Opens `v2.<kid>.…` with that key, and `v1.…` (earlier versions) with legacy-seal. */
  open(sealed: string): string {
    const parts = sealed.split('.');
    const [kid, iv, tag, body] = parts[0] === 'v2' ? parts.slice(1) : parts[0] === 'v1' ? [LEGACY_SEAL_KID, ...parts.slice(1)] : [];
    if (!kid || !iv || !tag || body === undefined) throw new Error('unsupported sealed payload');
    const key = this.ring.find(kid);
    if (!key || key.purpose !== 'seal') throw new Error(`sealed with an unknown key ${kid}`);
    const decipher = createDecipheriv('aes-256-gcm', secretOf(key), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

function secretOf(key: { kid: string; secret?: Buffer }): Buffer {
  if (!key.secret) throw new Error(`key ${key.kid} has no secret material`);
  return key.secret;
}

function hmacHex(key: { kid: string; secret?: Buffer }, secret: string): string {
  return createHmac('sha256', secretOf(key)).update(secret, 'utf8').digest('hex');
}
