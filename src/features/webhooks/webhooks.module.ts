import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../../core/entities/account.entity';
import { WebhookAttempts } from './webhook-attempts';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookOutbox } from './webhook-outbox.subscriber';
import { WebhookSender } from './webhook-sender';
import { HostResolver, WebhookTargets } from './webhook-targets';
import { Webhook } from './webhook.entity';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks (CONTRACT.md "Webhooks"; README "Webhooks"): an account's subscriptions (admin API), the
 * outbox the domain events write into in the transaction of each change (WebhookOutbox), and the worker
 * that delivers it, signed by Standard Webhooks, to targets checked against SSRF before every attempt.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Webhook, WebhookDelivery, Account])],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookOutbox, WebhookDeliveryWorker, WebhookAttempts, WebhookSender, WebhookTargets, HostResolver],
  exports: [WebhookDeliveryWorker],
})
export class WebhooksModule {}
