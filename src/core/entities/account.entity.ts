import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LinkOverrides } from '../../ground/config/link-template';
import { TimeColumn } from '../../ground/database/columns';
import type { PasswordPolicy } from '../password/password-policy';

@Entity('accounts')
export class Account {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  /** The account's complete policy (completed from the service default at creation). */
  @Column({ name: 'password_policy', type: 'simple-json' }) passwordPolicy: PasswordPolicy;
  /** Link templates for this account's users' emails (INVITATION_LINK, …); null or a kind left out: the configured one. */
  @Column({ type: 'simple-json', nullable: true }) links: LinkOverrides | null;
  /** Where this account's users sign in (`links.sign_in`); null: SIGN_IN_URL, or no link. The success pages link to it. */
  @Column({ name: 'sign_in_url', type: 'varchar', length: 2048, nullable: true }) signInUrl: string | null;
  /** Where this account's users change their password (`links.change_password`); null: the service's reset page. The notices link to it. */
  @Column({ name: 'change_password_url', type: 'varchar', length: 2048, nullable: true }) changePasswordUrl: string | null;
  /** Anyone may join with POST /auth/signup and this account's id (default: closed). */
  @Column({ name: 'self_sign_up', type: 'boolean', default: false }) selfSignUp: boolean;
  /** Email domains (lower case, IDNs as punycode) whose addresses may join even when selfSignUp is off. */
  @Column({ name: 'sign_up_domains', type: 'simple-json' }) signUpDomains: string[];
  @TimeColumn('created_at') createdAt: Date;
  @TimeColumn('updated_at') updatedAt: Date;
}

/** What an account keeps of its links: its email templates (null: the configured ones), its sign-in and change-password addresses. */
export type AccountLinks = Pick<Account, 'links' | 'signInUrl' | 'changePasswordUrl'>;
