import { Logger, OnModuleDestroy } from '@nestjs/common';
import { importJWK, type JWK, type KeyLike } from 'jose';
import { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../../ground/common/clock';
import type { UnitOfWork } from '../../ground/database/unit-of-work';
import { ALGORITHM_OF, generateMaterial, legacyKeys, LEGACY_LOOKUP_KID, LEGACY_SEAL_KID, MasterKey, newKid } from './key-material';
import { KeyPurpose, KeyRingRow } from './key-ring.entity';

export const KEY_PURPOSES: readonly KeyPurpose[] = ['signing', 'lookup', 'seal'];
/** How often an instance reads the ring again, to pick up another instance's rotation. */
export const RING_RELOAD_INTERVAL_MS = 30_000;
/** An unknown `kid` reloads the ring at once, but not more often than this (a flood of made-up kids costs one query a second). */
const UNKNOWN_KID_RELOAD_MIN_INTERVAL_MS = 1_000;

/** A key of the ring, opened. `secret` for lookup and seal keys; `privateKey`/`publicJwk` for signing keys. */
export interface RingKey {
  kid: string;
  purpose: KeyPurpose;
  algorithm: string;
  active: boolean;
  createdAt: Date;
  retiredAt: Date | null;
  secret?: Buffer;
  privateKey?: KeyLike | Uint8Array;
  /** RFC 7517 public JWK with kid, alg and use. */
  publicJwk?: JWK;
}

/** What `npm run keys -- list` shows: never material. */
export interface KeyInfo {
  kid: string;
  purpose: KeyPurpose;
  algorithm: string;
  active: boolean;
  createdAt: string;
  retiredAt: string | null;
}

export interface KeyRingOptions {
  /** The service secret of earlier versions, asked for only when the ring is empty (readLegacyServiceSecret). */
  legacySecret: () => string | null;
  clock: Pick<Clock, 'now' | 'nowMs'>;
  logger?: Pick<Logger, 'log' | 'warn'>;
  /** Reload every RING_RELOAD_INTERVAL_MS (the app); off for one-shot commands. */
  autoReload?: boolean;
  /** Runs the ring's transactions: the app's UnitOfWork (on SQLite they queue with every other transaction of the file). */
  uow: UnitOfWork;
}

/**
 * The service's keys (table key_ring): one active key per purpose signs, hashes or seals; retired
 * keys keep verifying, looking up and opening what they protected. Material is sealed with the master
 * key. The first start on an empty ring carries over the lookup and seal keys earlier versions derived
 * from the service secret (as retired `legacy-lookup`, `legacy-seal`) and creates fresh active keys.
 * Instances sharing a database share the ring: each reads it again every 30 s and on an unknown kid.
 */
export class KeyRing implements OnModuleDestroy {
  private byKid = new Map<string, RingKey>();
  private lastUnknownKidReloadMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private reloading: Promise<void> | null = null;

  private constructor(private readonly dataSource: DataSource, private readonly master: MasterKey, private readonly opts: KeyRingOptions) {}

  /** Opens the ring, creating what is missing (first start, or a purpose without an active key). */
  static async open(dataSource: DataSource, master: MasterKey, opts: KeyRingOptions): Promise<KeyRing> {
    const ring = new KeyRing(dataSource, master, opts);
    await ring.ensureComplete();
    if (opts.autoReload) {
      ring.timer = setInterval(() => void ring.reload().catch((err) => ring.opts.logger?.warn(`key ring reload failed: ${(err as Error).message}`)), RING_RELOAD_INTERVAL_MS);
      ring.timer.unref();
    }
    return ring;
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  active(purpose: KeyPurpose): RingKey {
    const key = [...this.byKid.values()].find((k) => k.purpose === purpose && k.active);
    if (!key) throw new Error(`key ring: no active ${purpose} key`);
    return key;
  }

  /** Every key of a purpose, the active one first, then the newest retired ones. */
  keys(purpose: KeyPurpose): RingKey[] {
    return [...this.byKid.values()]
      .filter((k) => k.purpose === purpose)
      .sort((a, b) => Number(b.active) - Number(a.active) || b.createdAt.getTime() - a.createdAt.getTime());
  }

  find(kid: string): RingKey | undefined {
    return this.byKid.get(kid);
  }

  list(): KeyInfo[] {
    return KEY_PURPOSES.flatMap((p) => this.keys(p)).map((k) => ({
      kid: k.kid, purpose: k.purpose, algorithm: k.algorithm, active: k.active, createdAt: k.createdAt.toISOString(), retiredAt: k.retiredAt?.toISOString() ?? null,
    }));
  }

  /** Reads the ring again (concurrent calls share one read). */
  async reload(): Promise<void> {
    this.reloading ??= this.load().finally(() => (this.reloading = null));
    return this.reloading;
  }

  /** Reloads because a token names a kid this instance does not know (another instance rotated); false when throttled. */
  async reloadForUnknownKid(): Promise<boolean> {
    if (Date.now() - this.lastUnknownKidReloadMs < UNKNOWN_KID_RELOAD_MIN_INTERVAL_MS) return false;
    this.lastUnknownKidReloadMs = Date.now(); // real time: a throttle, not a business time
    await this.reload();
    return true;
  }

  /** A new active key for `purpose`; the old one is retired (kept). Returns the new key's id. */
  async rotate(purpose: KeyPurpose): Promise<string> {
    const kid = await this.opts.uow.run(async (em) => {
      const now = this.opts.clock.now();
      await em.update(KeyRingRow, { purpose, active: true }, { active: false, retiredAt: now });
      return this.insertKey(em, purpose);
    });
    await this.reload();
    return kid;
  }

  private async ensureComplete(): Promise<void> {
    // Instances starting together on one database race to create the keys: the unique active key per
    // purpose (or SQLite's lock) stops all but one; the others read the winner's keys.
    for (let attempt = 1; ; attempt++) {
      await this.load();
      if (KEY_PURPOSES.every((p) => this.keys(p).some((k) => k.active))) return;
      try {
        await this.opts.uow.run(async (em) => {
          if ((await em.count(KeyRingRow)) === 0) await this.importLegacy(em);
          for (const purpose of KEY_PURPOSES) {
            if (!(await em.existsBy(KeyRingRow, { purpose, active: true }))) await this.insertKey(em, purpose);
          }
        });
      } catch (err) {
        if (attempt >= 10) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  private async importLegacy(em: EntityManager): Promise<void> {
    const secret = this.opts.legacySecret();
    if (!secret) return;
    const legacy = legacyKeys(secret);
    const now = this.opts.clock.now();
    for (const [kid, purpose, material] of [[LEGACY_LOOKUP_KID, 'lookup', legacy.lookup], [LEGACY_SEAL_KID, 'seal', legacy.seal]] as const) {
      await em.insert(KeyRingRow, {
        id: kid, purpose, algorithm: ALGORITHM_OF[purpose], publicJwk: null, sealedMaterial: this.master.seal(kid, material.toString('base64url')),
        active: false, createdAt: new Date(0), retiredAt: now,
      });
    }
    this.opts.logger?.log('key ring: carried over the lookup and seal keys of earlier versions as legacy-lookup and legacy-seal');
  }

  private async insertKey(em: EntityManager, purpose: KeyPurpose): Promise<string> {
    const kid = newKid(purpose);
    const { material, publicJwk } = await generateMaterial(purpose);
    await em.insert(KeyRingRow, {
      id: kid, purpose, algorithm: ALGORITHM_OF[purpose], publicJwk: publicJwk ? JSON.stringify(publicJwk) : null,
      sealedMaterial: this.master.seal(kid, material), active: true, createdAt: this.opts.clock.now(), retiredAt: null,
    });
    this.opts.logger?.log(`key ring: new active ${purpose} key ${kid}`);
    return kid;
  }

  private async load(): Promise<void> {
    const rows = await this.dataSource.getRepository(KeyRingRow).find();
    const next = new Map<string, RingKey>();
    for (const row of rows) {
      const known = this.byKid.get(row.id);
      // Material never changes for a kid: keep what was opened (importing a JWK is not free).
      const opened = known ?? (await this.openRow(row));
      next.set(row.id, { ...opened, active: row.active, retiredAt: row.retiredAt });
    }
    this.byKid = next;
  }

  private async openRow(row: KeyRingRow): Promise<RingKey> {
    const material = this.master.open(row.id, row.sealedMaterial);
    const base = { kid: row.id, purpose: row.purpose, algorithm: row.algorithm, active: row.active, createdAt: row.createdAt, retiredAt: row.retiredAt };
    if (row.purpose !== 'signing') return { ...base, secret: Buffer.from(material, 'base64url') };
    const publicJwk = { ...(JSON.parse(row.publicJwk ?? '{}') as JWK), kid: row.id, alg: 'ES256', use: 'sig' };
    return { ...base, privateKey: await importJWK(JSON.parse(material) as JWK, 'ES256'), publicJwk };
  }
}
