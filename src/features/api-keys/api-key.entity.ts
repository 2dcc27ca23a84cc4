import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

import type { ApiKeyScope } from '../../access/scopes';

/** An integrator key: 32 random bytes shown once; only its keyed hash is stored. */
@Entity('api_keys')
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Index('uq_api_keys_key_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'varchar', length: 128 })
  keyHash: string;
  @Column({ type: 'simple-json' }) scopes: ApiKeyScope[];
  /** Null: a global key. Otherwise the key reaches only this account's users. */
  @Column({ name: 'account_id', type: 'varchar', length: 36, nullable: true }) accountId: string | null;
  @TimeColumn('created_at') createdAt: Date;
  @TimeColumn('last_used_at', { nullable: true }) lastUsedAt: Date | null;
  @TimeColumn('revoked_at', { nullable: true }) revokedAt: Date | null;
  /** Requests per minute this key may make across all routes; null = API_KEY_RATE_LIMIT_PER_MINUTE. */
  @Column({ name: 'rate_limit_per_minute', type: 'integer', nullable: true }) rateLimitPerMinute: number | null;
}
