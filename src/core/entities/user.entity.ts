import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Locale } from '../../ground/common/locale';
import { TimeColumn } from '../../ground/database/columns';
import type { UserRole } from '../../features/users/user-role';

@Entity('users')
@Index('uq_users_email_normalized', ['emailNormalized'], { unique: true })
/** Every account_id lookup, and `GET /accounts/{id}/users` newest first by (created_at, id) without a sort. */
@Index('idx_users_account_created', ['accountId', 'createdAt', 'id'])
/** At most one owner per account. */
@Index('uq_users_account_owner', ['accountId'], { unique: true, where: "role = 'owner'" })
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  /** Null for self-signed-up users without an account: the service default policy applies. */
  @Column({ name: 'account_id', type: 'varchar', length: 36, nullable: true }) accountId: string | null;
  /** The address as the user gave it; mail always goes here (SECURITY.md C4). */
  @Column({ type: 'varchar', length: 320 }) email: string;
  /** Lookup key: NFKC + lower-case; unique (SECURITY.md H6). */
  @Column({ name: 'email_normalized', type: 'varchar', length: 320 }) emailNormalized: string;
  @Column({ name: 'first_name', type: 'varchar', length: 100, nullable: true }) firstName: string | null;
  @Column({ name: 'last_name', type: 'varchar', length: 100, nullable: true }) lastName: string | null;
  @Column({ name: 'is_email_verified', type: 'boolean', default: false }) isEmailVerified: boolean;
  @Column({ name: 'is_active', type: 'boolean', default: true }) isActive: boolean;
  @Column({ type: 'varchar', length: 20, default: 'email' }) provider: string;
  /** The language the user is written to in (SUPPORTED_LOCALES); null: not chosen, negotiated per request. */
  @Column({ type: 'varchar', length: 10, nullable: true }) locale: Locale | null;
  /** The user's role in its account (src/features/users/user-role.ts); 'member' without an account. */
  @Column({ type: 'varchar', length: 10, default: 'member' }) role: UserRole;
  /** A super admin: its access token acts with scope admin on every account. Set only by a global admin caller. */
  @Column({ name: 'is_admin', type: 'boolean', default: false }) isAdmin: boolean;
  /** Access tokens issued before this instant are refused (SECURITY.md D2). */
  @TimeColumn('credentials_changed_at', { nullable: true }) credentialsChangedAt: Date | null;
  @TimeColumn('created_at') createdAt: Date;
  @TimeColumn('updated_at') updatedAt: Date;
}
