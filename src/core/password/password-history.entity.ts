import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/** Former password hashes of a user, newest first by seq; bounded per user. */
@Entity('password_history')
@Index('idx_password_history_user_seq', ['userId', 'seq'])
export class PasswordHistoryEntry {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  /** Per-user sequence, newest highest: order never depends on the clock. */
  @Column({ type: 'integer' }) seq: number;
  /** The scheme's string: a bcrypt string, an argon2 PHC string, Django's or Firebase's (hash-schemes/). */
  @Column({ type: 'varchar', length: 512 }) hash: string;
  @Column({ type: 'varchar', length: 40 }) algorithm: string;
  @TimeColumn('created_at') createdAt: Date;
}
