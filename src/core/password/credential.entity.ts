import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/** The user's current password hash; at most one per user. Never leaves the service. */
@Entity('credentials')
/** The expiry warnings find the passwords about to expire by it. */
@Index('idx_credentials_expires_at', ['expiresAt'])
export class Credential {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  /** The scheme's string: a bcrypt string, an argon2 PHC string, Django's or Firebase's (hash-schemes/). */
  @Column({ type: 'varchar', length: 512 }) hash: string;
  @Column({ type: 'varchar', length: 40 }) algorithm: string;
  @TimeColumn('set_at') setAt: Date;
  /** Null: never expires (policy maxAgeDays = 0). */
  @TimeColumn('expires_at', { nullable: true }) expiresAt: Date | null;
  /** Set by an administrator as temporary: the next login must change it (403 PASSWORD_CHANGE_REQUIRED). */
  @Column({ name: 'must_change', type: 'boolean', default: false }) mustChange: boolean;
  /** The smallest expiry-warning threshold (days) already mailed for this password; null: none. */
  @Column({ name: 'expiry_warned_days', type: 'integer', nullable: true }) expiryWarnedDays: number | null;
}
