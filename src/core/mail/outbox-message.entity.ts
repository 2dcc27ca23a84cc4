import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

export type OutboxStatus = 'pending' | 'sent' | 'dead';

/**
 * A message waiting to be (or already) sent. The body is sealed (AES-GCM) because it may carry a
 * one-time code; it is erased once the message is sent.
 */
@Entity('mail_outbox')
/** Serves the worker's claim: pending messages in send order (priority, then due time). */
@Index('idx_mail_outbox_claim', ['status', 'priority', 'nextAttemptAt'])
export class OutboxMessage {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 320 }) recipient: string;
  @Column({ type: 'varchar', length: 300 }) subject: string;
  /** Template name, for operators and tests (e.g. "invitation", "password-changed"). */
  @Column({ type: 'varchar', length: 60 }) kind: string;
  /** Send order, lower first: 0 carries a secret, 1 is a notice (mailPriority in mail-templates.ts). */
  @Column({ type: 'smallint', default: 0 }) priority: number;
  @Column({ name: 'sealed_body', type: 'text', nullable: true }) sealedBody: string | null;
  @Column({ type: 'varchar', length: 16, default: 'pending' }) status: OutboxStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @TimeColumn('next_attempt_at') nextAttemptAt: Date;
  /** Set while a worker holds the message, so two workers never send it twice. */
  @TimeColumn('locked_until', { nullable: true }) lockedUntil: Date | null;
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError: string | null;
  @TimeColumn('created_at') createdAt: Date;
  @TimeColumn('sent_at', { nullable: true }) sentAt: Date | null;
}
