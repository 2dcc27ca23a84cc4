import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/** Why a subscription is paused: its receiver kept failing, or an administrator paused it. */
export type WebhookPauseReason = 'failing' | 'admin';

/**
 * A webhook subscription of an account (CONTRACT.md "Webhooks"). Its signing secret is kept sealed
 * (AES-GCM under the key ring's seal key, like outbox mail bodies): the service must sign with it, so it
 * cannot be hashed; it leaves the service only in the answer that creates or rotates it.
 */
@Entity('webhooks')
@Index('idx_webhooks_account', ['accountId'])
export class Webhook {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'account_id', type: 'varchar', length: 36 }) accountId: string;
  @Column({ type: 'varchar', length: 2048 }) url: string;
  /** The event types it receives; null: every type (also types added later). */
  @Column({ type: 'simple-json', nullable: true }) events: string[] | null;
  /** The current secret (`whsec_…`), sealed. */
  @Column({ name: 'sealed_secret', type: 'text' }) sealedSecret: string;
  /** The secret the last rotation replaced, sealed: it still signs until previousSecretExpiresAt. */
  @Column({ name: 'sealed_previous_secret', type: 'text', nullable: true }) sealedPreviousSecret: string | null;
  @TimeColumn('previous_secret_expires_at', { nullable: true }) previousSecretExpiresAt: Date | null;
  /** False while paused: deliveries wait (none is attempted, none is dropped) until it is enabled again. */
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ name: 'paused_reason', type: 'varchar', length: 16, nullable: true }) pausedReason: WebhookPauseReason | null;
  @TimeColumn('paused_at', { nullable: true }) pausedAt: Date | null;
  /** Start of the receiver's current run of failed attempts; null after a success. */
  @TimeColumn('failing_since', { nullable: true }) failingSince: Date | null;
  @TimeColumn('created_at') createdAt: Date;
  @TimeColumn('updated_at') updatedAt: Date;
}
