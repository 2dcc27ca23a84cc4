import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

export type KeyPurpose = 'signing' | 'lookup' | 'seal';
export type KeyAlgorithm = 'ES256' | 'HMAC-SHA256' | 'AES-256-GCM';

/**
 * One key of the ring (src/core/keys/key-ring.ts). `sealed_material` is the private or secret key, sealed
 * with the master key (MASTER_KEY); `public_jwk` only for signing keys. Exactly one active key per
 * purpose; retired keys stay to verify, look up and open what they protected.
 */
@Entity({ name: 'key_ring' })
export class KeyRingRow {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ type: 'varchar', length: 16 }) purpose: KeyPurpose;
  @Column({ type: 'varchar', length: 16 }) algorithm: KeyAlgorithm;
  @Column({ name: 'public_jwk', type: 'text', nullable: true }) publicJwk: string | null;
  @Column({ name: 'sealed_material', type: 'text' }) sealedMaterial: string;
  @Column({ type: 'boolean' }) active: boolean;
  @TimeColumn('created_at') createdAt: Date;
  @TimeColumn('retired_at', { nullable: true }) retiredAt: Date | null;
}
