import { randomBytes } from 'node:crypto';
import type { SecretKeySource } from '../../ground/common/secrets';
import { legacyKeys, LEGACY_LOOKUP_KID, LEGACY_SEAL_KID } from './key-material';

interface SecretKey {
  kid: string;
  purpose: 'lookup' | 'seal';
  secret: Buffer;
  active: boolean;
}

/**
 * A fixed, in-memory set of lookup and seal keys for SecretKeys, without a database: unit tests, and
 * tools that work on one key set. The app uses the KeyRing.
 */
export class KeySet implements SecretKeySource {
  constructor(private readonly list: SecretKey[]) {}

  /** Fresh random active keys, plus the legacy keys of `legacySecret` (retired) when given. */
  static random(opts: { legacySecret?: string } = {}): KeySet {
    const keys: SecretKey[] = [
      { kid: `lkp-${randomBytes(12).toString('base64url')}`, purpose: 'lookup', secret: randomBytes(32), active: true },
      { kid: `seal-${randomBytes(12).toString('base64url')}`, purpose: 'seal', secret: randomBytes(32), active: true },
    ];
    if (opts.legacySecret) {
      const legacy = legacyKeys(opts.legacySecret);
      keys.push({ kid: LEGACY_LOOKUP_KID, purpose: 'lookup', secret: legacy.lookup, active: false }, { kid: LEGACY_SEAL_KID, purpose: 'seal', secret: legacy.seal, active: false });
    }
    return new KeySet(keys);
  }

  active(purpose: 'lookup' | 'seal'): SecretKey {
    const key = this.list.find((k) => k.purpose === purpose && k.active);
    if (!key) throw new Error(`no active ${purpose} key`);
    return key;
  }

  keys(purpose: 'lookup' | 'seal'): SecretKey[] {
    return this.list.filter((k) => k.purpose === purpose).sort((a, b) => Number(b.active) - Number(a.active));
  }

  find(kid: string): SecretKey | undefined {
    return this.list.find((k) => k.kid === kid);
  }
}
