import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { ConfigError } from '../../ground/config/app-config';
import type { KeyAlgorithm, KeyPurpose } from './key-ring.entity';

export const ALGORITHM_OF: Readonly<Record<KeyPurpose, KeyAlgorithm>> = { signing: 'ES256', lookup: 'HMAC-SHA256', seal: 'AES-256-GCM' };
const KID_PREFIX: Readonly<Record<KeyPurpose, string>> = { signing: 'sig', lookup: 'lkp', seal: 'seal' };
/** The ids under which the keys earlier versions derived from the service secret are kept. */
export const LEGACY_LOOKUP_KID = 'legacy-lookup';
export const LEGACY_SEAL_KID = 'legacy-seal';

/** A new key id: purpose prefix and 96 random bits (base64url has no `.` or `:`, the separators of sealed bodies and hashes). */
export function newKid(purpose: KeyPurpose): string {
  return `${KID_PREFIX[purpose]}-${randomBytes(12).toString('base64url')}`;
}

/** Fresh material: a private JWK (JSON) for signing, 32 random bytes (base64url) for lookup and seal. */
export async function generateMaterial(purpose: KeyPurpose): Promise<{ material: string; publicJwk: JWK | null }> {
  if (purpose !== 'signing') return { material: randomBytes(32).toString('base64url'), publicJwk: null };
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const priv = await exportJWK(privateKey);
  const pub = await exportJWK(publicKey);
  return { material: JSON.stringify(priv), publicJwk: { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y } };
}

/** The lookup and outbox keys earlier versions derived from the service secret (JWT_SECRET or data/jwt-secret). */
export function legacyKeys(serviceSecret: string): { lookup: Buffer; seal: Buffer } {
  const ikm = Buffer.from(serviceSecret, 'utf8');
  return {
    lookup: Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'pls/secret-lookup/v1', 32)),
    seal: Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), 'pls/outbox-encryption/v1', 32)),
  };
}

/**
 * Seals and opens key material with the master key: AES-256-GCM under a key HKDF-derived from
 * MASTER_KEY, the key id as additional data (a sealed material cannot be moved to another row).
 */
export class MasterKey {
  private readonly key: Buffer;

  constructor(masterKey: string) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'utf8'), Buffer.alloc(0), 'pls/key-ring/v1', 32));
  }

  seal(kid: string, material: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const body = Buffer.concat([cipher.update(material, 'utf8'), cipher.final()]);
    return ['m1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(kid: string, sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'm1' || !iv || !tag || body === undefined) throw new Error(`key ${kid}: unsupported sealed material`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // A configuration fault, answered in one line naming the setting (like a bad variable), not a stack trace.
      throw new ConfigError(
        `MASTER_KEY: the key ring of this database (key ${kid}) cannot be opened with this master key: every instance on one database needs the same MASTER_KEY, or the same master-key file`,
      );
    }
  }
}
