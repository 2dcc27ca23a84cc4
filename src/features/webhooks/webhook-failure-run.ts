import type { EntityManager } from 'typeorm';
import type { AuditTrail } from '../../ground/common/audit-trail';
import { WEBHOOK_PAUSE_AFTER_MS } from './webhook-schedule';
import { Webhook } from './webhook.entity';

/**
 * The subscription's run of failures goes on (or starts now); when it has lasted WEBHOOK_PAUSE_AFTER_MS
 * the subscription is paused, once (`webhook.paused`; `paused` is told, for the metric and the log). True when it is
 * paused now. Runs in the failed attempt's transaction (WebhookDeliveryWorker).
 */
export async function noteFailure(em: EntityManager, hook: Webhook, now: Date, audit: AuditTrail, paused: (failingHours: number) => void): Promise<boolean> {
  await em.createQueryBuilder().update(Webhook).set({ failingSince: now }).where('id = :id AND failing_since IS NULL', { id: hook.id }).execute();
  const current = await em.findOneBy(Webhook, { id: hook.id });
  if (!current) return false;
  if (!current.enabled) return true;
  if (!current.failingSince || now.getTime() - current.failingSince.getTime() < WEBHOOK_PAUSE_AFTER_MS) return false;
  const done = await em
    .createQueryBuilder()
    .update(Webhook)
    .set({ enabled: false, pausedReason: 'failing', pausedAt: now, updatedAt: now })
    .where('id = :id AND enabled = TRUE', { id: hook.id })
    .execute();
  if (done.affected !== 1) return true;
  const failingHours = Math.floor((now.getTime() - current.failingSince.getTime()) / 3_600_000);
  await audit.record(em, {
    type: 'webhook.paused', accountId: hook.accountId, actor: { kind: 'system' }, outcome: 'success',
    details: { webhook_id: hook.id, host: new URL(hook.url).host, reason: 'failing', failing_hours: failingHours },
  });
  paused(failingHours);
  return true;
}
