import type { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Clock } from '../../ground/common/clock';
import { OutboxMessage } from '../../core/mail/outbox-message.entity';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { Webhook } from '../webhooks/webhook.entity';

/* The database reads behind AppMetrics' gauges (app-metrics.ts), computed on scrape only. */

/** A pg Pool's counts (the TypeORM PostgreSQL driver's `master`). */
export interface PgPoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** `query`, run once per scrape whichever of its gauges asks first (prom-client starts every collect() at once). */
export function sharedPerScrape<T>(query: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () => {
    inFlight ??= query().finally(() => {
      // cleared on the next tick, so both gauges of one scrape share the answer
      setImmediate(() => {
        inFlight = null;
      });
    });
    return inFlight;
  };
}

export async function outboxBacklog(dataSource: DataSource, clock: Clock, logger: Logger): Promise<{ pending: number; oldestAgeSeconds: number } | null> {
  try {
    const row = await dataSource
      .getRepository(OutboxMessage)
      .createQueryBuilder('m')
      .select('COUNT(*)', 'pending')
      .addSelect('MIN(m.createdAt)', 'oldest')
      .where('m.status = :pending', { pending: 'pending' })
      .getRawOne<{ pending: string | number; oldest: string | number | null }>();
    const pending = Number(row?.pending ?? 0);
    const oldest = row?.oldest == null ? null : Number(row.oldest);
    return { pending, oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (clock.nowMs() - oldest) / 1000) };
  } catch (error) {
    // The scrape still answers (without these gauges); /health says whether the database is down.
    logger.warn(`outbox gauges not computed: ${error instanceof Error ? error.message : 'unknown error'}`);
    return null;
  }
}

/** The webhook gauges' two cheap queries: pending deliveries by their subscription's state, paused subscriptions. */
export async function webhookBacklog(dataSource: DataSource, clock: Clock, logger: Logger): Promise<{ pending: number; held: number; oldestAgeSeconds: number; paused: number } | null> {
  try {
    const rows = await dataSource
      .getRepository(WebhookDelivery)
      .createQueryBuilder('d')
      .innerJoin(Webhook, 'w', 'w.id = d.webhookId')
      .select('w.enabled', 'enabled')
      .addSelect('COUNT(*)', 'count')
      .addSelect('MIN(d.createdAt)', 'oldest')
      .where('d.status = :pending', { pending: 'pending' })
      .groupBy('w.enabled')
      .getRawMany<{ enabled: boolean | number; count: string | number; oldest: string | number | null }>();
    const due = rows.find((r) => Boolean(r.enabled));
    const held = rows.find((r) => !r.enabled);
    const paused = await dataSource.getRepository(Webhook).countBy({ enabled: false });
    const oldest = due?.oldest == null ? null : Number(due.oldest);
    return {
      pending: Number(due?.count ?? 0),
      held: Number(held?.count ?? 0),
      oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (clock.nowMs() - oldest) / 1000),
      paused,
    };
  } catch (error) {
    logger.warn(`webhook gauges not computed: ${error instanceof Error ? error.message : 'unknown error'}`);
    return null;
  }
}

export function pgPoolCounts(dataSource: DataSource): PgPoolCounts | null {
  if (dataSource.options.type !== 'postgres') return null;
  const master = (dataSource.driver as unknown as { master?: Partial<PgPoolCounts> }).master;
  if (!master || typeof master.totalCount !== 'number') return null;
  return master as PgPoolCounts;
}
