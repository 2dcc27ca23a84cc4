import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../database/columns';

/** The user's current password hash; at most one per user. Never leaves the service. */
@Entity('credentials')
export class Credential {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  /** The scheme's string: a bcrypt string, an argon2 PHC string, Django's or Firebase's (hash-schemes/). */
  @Column({ type: 'varchar', length: 512 }) hash: string;
  @Column({ type: 'varchar', length: 40 }) algorithm: string;
  @TimeColumn('set_at') setAt: Date;
  /** Null: never expires (policy maxAgeDays = 0). */
  @TimeColumn('expires_at', { nullable: true }) expiresAt: Date | null;
}
