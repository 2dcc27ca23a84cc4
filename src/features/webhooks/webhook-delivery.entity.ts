import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/** `pending`: to be attempted (or held while its webhook is paused); `delivered`: a 2xx answered; `failed`: given up. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * The webhook outbox: one event for one subscription, written in the transaction of the change it
 * reports (src/features/webhooks/webhook-outbox.subscriber.ts) and sent by the delivery worker. The payload is
 * the exact body every attempt sends (no secret is ever in it); `event_id` is its `webhook-id`.
 */
@Entity('webhook_deliveries')
/** Serves the worker's claim: pending deliveries in due order. */
@Index('idx_webhook_deliveries_claim', ['status', 'nextAttemptAt'])
@Index('idx_webhook_deliveries_webhook', ['webhookId', 'status'])
@Index('idx_webhook_deliveries_finished', ['finishedAt'])
export class WebhookDelivery {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'webhook_id', type: 'varchar', length: 36 }) webhookId: string;
  /** The event's id: the `webhook-id` header, the same on every attempt (and for every subscription the event goes to). */
  @Column({ name: 'event_id', type: 'varchar', length: 36 }) eventId: string;
  @Column({ name: 'event_type', type: 'varchar', length: 40 }) eventType: string;
  /** The JSON body, exactly as signed and sent. */
  @Column({ type: 'text' }) payload: string;
  @Column({ type: 'varchar', length: 16, default: 'pending' }) status: WebhookDeliveryStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @TimeColumn('next_attempt_at') nextAttemptAt: Date;
  /** Set while a worker holds the delivery, so two instances never attempt it at once. */
  @TimeColumn('locked_until', { nullable: true }) lockedUntil: Date | null;
  /** HTTP status of the last attempt; null when none answered. */
  @Column({ name: 'last_status', type: 'integer', nullable: true }) lastStatus: number | null;
  @Column({ name: 'last_error', type: 'varchar', length: 300, nullable: true }) lastError: string | null;
  @TimeColumn('created_at') createdAt: Date;
  /** When it was delivered or given up; finished rows are removed after WEBHOOK_DELIVERY_RETENTION_MS. */
  @TimeColumn('finished_at', { nullable: true }) finishedAt: Date | null;
}
