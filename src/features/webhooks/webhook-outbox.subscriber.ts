import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { DomainEvents, type EventUser, type Recorded } from '../../ground/common/domain-events';
import { hydrate, runSql, tableOf } from '../../ground/database/sql';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { webhookMessageOf, wants } from './webhook-events';
import { Webhook } from './webhook.entity';

/**
 * Queues the webhook events of every domain event (src/ground/common/domain-events.ts, `record` phase): for
 * each subscription of the user's account that wants the event's type, paused ones included (their
 * deliveries wait), one row in the webhook outbox, in the transaction of the change. So there is no
 * event without its change (a rollback takes the rows with it) and no change without its event (a
 * failed insert rolls the change back). The delivery worker is woken once the change has committed.
 */
@Injectable()
export class WebhookOutbox implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly worker: WebhookDeliveryWorker,
  ) {}

  onModuleInit(): void {
    this.events.subscribe('effect', 'webhooks: forget deliveries about erased users', (em, event) => (event.type === 'user.deleted' ? this.forget(em, event.user) : Promise.resolve()));
    this.events.subscribe('record', 'webhooks: outbox', (em, event) => this.handle(em, event));
  }

  /**
   * Erasing a user (CONTRACT.md "The end of a user's life") drops every delivery about it, queued, sent
   * or given up, of its account's subscriptions, in the transaction of the erasure (as its unsent mail
   * goes, src/core/mail/password-notices.subscriber.ts). Effect phase: before the `user.deleted` event is
   * queued (record phase), which is then the only delivery that names the user, by its id alone. Served
   * by idx_webhooks_account and idx_webhook_deliveries_webhook; the user is found by its id in the body
   * (`"user_id":"…"`, as JSON.stringify writes it).
   */
  private async forget(em: EntityManager, user: EventUser): Promise<void> {
    if (!user.accountId) return;
    await em.createQueryBuilder().delete().from(WebhookDelivery)
      .where('webhook_id IN (SELECT w.id FROM webhooks w WHERE w.account_id = :account) AND payload LIKE :about ESCAPE :escape', {
        account: user.accountId, about: `%${likeLiteral(`"user_id":${JSON.stringify(user.id)}`)}%`, escape: '\\',
      })
      .execute();
  }

  private async handle(em: EntityManager, event: Recorded): Promise<void> {
    const message = webhookMessageOf(event);
    if (!message) return;
    const subscriptions = await this.subscriptions(em, message.data.account_id);
    const targets = subscriptions.filter((w) => wants(w.events, message.type));
    if (targets.length === 0) return;
    const eventId = randomUUID();
    const payload = JSON.stringify(message);
    const now = this.clock.now();
    await em.insert(WebhookDelivery, targets.map((w) => ({
      id: randomUUID(), webhookId: w.id, eventId, eventType: message.type, payload, status: 'pending' as const, attempts: 0,
      nextAttemptAt: now, lockedUntil: null, lastStatus: null, lastError: null, createdAt: now, finishedAt: null,
    })));
    this.uow.afterCommit(em, () => this.worker.kick());
  }

  /**
   * The account's subscriptions (id and events), read once per transaction (UnitOfWork.once): a change
   * that records two domain events (a D4 reset does) reads them once (issue 22). The transactions that
   * change subscriptions (webhooks.service.ts) record no domain event.
   */
  private subscriptions(em: EntityManager, accountId: string): Promise<Array<Pick<Webhook, 'id' | 'events'>>> {
    return this.uow.once(em, `webhooks:${accountId}`, async () => {
      const { rows } = await runSql(em, `SELECT "id", "events" FROM ${tableOf(em, Webhook)} WHERE "account_id" = :accountId`, { accountId });
      return rows.map((row) => hydrate(em, Webhook, row));
    });
  }
}

/** `text` matched literally by LIKE … ESCAPE '\\'. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
