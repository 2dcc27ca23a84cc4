import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

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

/**
 * Keys derived from the service secret. One-time secrets are looked up by HMAC-SHA-256 under a
 * server-side key, so a stolen table of 6-digit code hashes cannot be reversed offline by trying all
 * 10^6 codes (SECURITY.md B3), and the lookup stays a single indexed query (no bcrypt compare).
 */
export class SecretKeys {
  private readonly lookupKey: Buffer;
  private readonly outboxKey: Buffer;

  constructor(serviceSecret: string) {
    const ikm = Buffer.from(serviceSecret, 'utf8');
    this.lookupKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'pls/secret-lookup/v1', 32));
    this.outboxKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'pls/outbox-encryption/v1', 32));
  }

  /** Hex HMAC used as the stored, indexed form of a one-time secret or key. */
  lookupHash(secret: string): string {
    return createHmac('sha256', this.lookupKey).update(secret, 'utf8').digest('hex');
  }

  /** AES-256-GCM; mail bodies carrying codes are stored encrypted in the outbox. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.outboxKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unsupported sealed payload');
    const decipher = createDecipheriv('aes-256-gcm', this.outboxKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
