import { Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { actorOf, type Caller } from '../../access/caller';
import { authorize } from '../../access/policy';
import { Account } from '../../core/entities/account.entity';
import { AuditTrail } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { AccountNotFoundError, WebhookLimitError, WebhookNotFoundError } from '../../ground/common/errors/domain-errors';
import { SecretKeys } from '../../ground/common/secrets';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { OperationalMetrics } from '../../ground/common/metrics';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook-request.dto';
import { WebhookEnvelopeDto, WebhookListResponseDto, WebhookResponseDto, WebhookWithSecretDto, WebhookWithSecretEnvelopeDto } from './dto/webhook-response.dto';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { newWebhookSecret } from './webhook-signature';
import { sealSecret } from './webhook-secrets';
import { WebhookTargets } from './webhook-targets';
import { Webhook } from './webhook.entity';

/** Subscriptions an account may have. */
export const MAX_WEBHOOKS_PER_ACCOUNT = 20;
/** How long the secret a rotation replaces still signs (both signatures on every attempt). */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

/**
 * An account's webhook subscriptions (CONTRACT.md "Webhooks"): register, list, change (target, event
 * types, paused or enabled), delete, rotate the secret. Each change is audited (`webhook.created`,
 * `webhook.updated`, `webhook.deleted`, `webhook.secret_rotated`, `webhook.paused`, `webhook.resumed`:
 * the webhook's id and host, never its URL's path or its secret) in its own transaction. The access
 * policy (`webhooks.list`, `webhooks.manage`) is asked about the account before anything is read.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    private readonly targets: WebhookTargets,
    private readonly secrets: SecretKeys,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditTrail,
    private readonly worker: WebhookDeliveryWorker,
    @Optional() private readonly metrics?: OperationalMetrics,
  ) {}

  /** Registers a subscription; the answer carries its secret (the only time it is shown). */
  async create(accountId: string, dto: CreateWebhookDto, caller: Caller): Promise<WebhookWithSecretEnvelopeDto> {
    authorize(caller, 'webhooks.manage', { accountId });
    await this.requireAccount(accountId);
    const url = await this.targets.check(dto.url);
    const secret = newWebhookSecret();
    const now = this.clock.now();
    const hook = Object.assign(new Webhook(), {
      id: randomUUID(), accountId, url, events: dto.events ?? null, sealedSecret: sealSecret(this.secrets, secret), sealedPreviousSecret: null,
      previousSecretExpiresAt: null, enabled: true, pausedReason: null, pausedAt: null, failingSince: null, createdAt: now, updatedAt: now,
    });
    await this.uow.run(async (em) => {
      // Counted in the inserting transaction; two registrations racing past the last slot is an accepted, bounded excess.
      if ((await em.countBy(Webhook, { accountId })) >= MAX_WEBHOOKS_PER_ACCOUNT) throw new WebhookLimitError();
      await em.insert(Webhook, hook);
      await this.record(em, 'webhook.created', hook, caller, { events: hook.events ? hook.events.join(' ') : 'all' });
    });
    return { data: WebhookWithSecretDto.withSecret(hook, secret) };
  }

  async list(accountId: string, caller: Caller): Promise<WebhookListResponseDto> {
    authorize(caller, 'webhooks.list', { accountId });
    await this.requireAccount(accountId);
    const hooks = await this.webhooks.find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return { data: hooks.map(WebhookResponseDto.from) };
  }

  /**
   * Changes the fields given. `enabled: false` pauses (`webhook.paused`, reason admin); `enabled: true`
   * resumes a paused webhook (`webhook.resumed`): its run of failures is forgotten and every waiting
   * delivery is due now with a fresh schedule (its `webhook-id` unchanged).
   */
  async update(accountId: string, webhookId: string, dto: UpdateWebhookDto, caller: Caller): Promise<WebhookEnvelopeDto> {
    authorize(caller, 'webhooks.manage', { accountId });
    const url = dto.url === undefined ? undefined : await this.targets.check(dto.url);
    let resumed = false;
    const hook = await this.uow.run(async (em) => {
      const current = await this.find(em, accountId, webhookId);
      const now = this.clock.now();
      const changed: Partial<Webhook> = {};
      if (url !== undefined && url !== current.url) changed.url = url;
      if (dto.events !== undefined && JSON.stringify(dto.events ?? null) !== JSON.stringify(current.events)) changed.events = dto.events ?? null;
      if (Object.keys(changed).length > 0) {
        await em.update(Webhook, { id: current.id }, { ...changed, updatedAt: now });
        Object.assign(current, changed, { updatedAt: now });
        await this.record(em, 'webhook.updated', current, caller, { url_changed: changed.url !== undefined, events: current.events ? current.events.join(' ') : 'all' });
      }
      if (dto.enabled === false && current.enabled) {
        Object.assign(current, { enabled: false, pausedReason: 'admin', pausedAt: now, updatedAt: now });
        await em.update(Webhook, { id: current.id }, { enabled: false, pausedReason: 'admin', pausedAt: now, updatedAt: now });
        await this.record(em, 'webhook.paused', current, caller, { reason: 'admin' });
        this.metrics?.webhookPauses.labels('admin').inc();
      } else if (dto.enabled === true && !current.enabled) {
        const was = current.pausedReason ?? 'admin';
        Object.assign(current, { enabled: true, pausedReason: null, pausedAt: null, failingSince: null, updatedAt: now });
        await em.update(Webhook, { id: current.id }, { enabled: true, pausedReason: null, pausedAt: null, failingSince: null, updatedAt: now });
        const waiting = await em.update(WebhookDelivery, { webhookId: current.id, status: 'pending' }, { attempts: 0, nextAttemptAt: now });
        await this.record(em, 'webhook.resumed', current, caller, { paused_reason: was, deliveries: waiting.affected ?? 0 });
        resumed = true;
      }
      return current;
    });
    if (resumed) this.worker.kick();
    return { data: WebhookResponseDto.from(hook) };
  }

  /** Deletes the subscription and every delivery it still had. */
  async delete(accountId: string, webhookId: string, caller: Caller): Promise<void> {
    authorize(caller, 'webhooks.manage', { accountId });
    await this.uow.run(async (em) => {
      const hook = await this.find(em, accountId, webhookId);
      await em.delete(WebhookDelivery, { webhookId: hook.id });
      await em.delete(Webhook, { id: hook.id });
      await this.record(em, 'webhook.deleted', hook, caller, {});
    });
  }

  /**
   * A new secret signs from now on; the one it replaces also signs for SECRET_OVERLAP_MS (every attempt
   * carries both signatures), so receivers switch without losing an event. A second rotation within the
   * overlap ends the oldest secret at once.
   */
  async rotateSecret(accountId: string, webhookId: string, caller: Caller): Promise<WebhookWithSecretEnvelopeDto> {
    authorize(caller, 'webhooks.manage', { accountId });
    const secret = newWebhookSecret();
    const hook = await this.uow.run(async (em) => {
      const current = await this.find(em, accountId, webhookId);
      const now = this.clock.now();
      const rotated = {
        sealedSecret: sealSecret(this.secrets, secret), sealedPreviousSecret: current.sealedSecret,
        previousSecretExpiresAt: new Date(now.getTime() + SECRET_OVERLAP_MS), updatedAt: now,
      };
      await em.update(Webhook, { id: current.id }, rotated);
      Object.assign(current, rotated);
      await this.record(em, 'webhook.secret_rotated', current, caller, { previous_secret_expires_at: rotated.previousSecretExpiresAt.toISOString() });
      return current;
    });
    return { data: WebhookWithSecretDto.withSecret(hook, secret) };
  }

  private async requireAccount(accountId: string): Promise<void> {
    if (!(await this.accounts.existsBy({ id: accountId }))) throw new AccountNotFoundError();
  }

  /** The account's webhook, locked for the rest of the transaction (PostgreSQL); WebhookNotFoundError for any other. */
  private async find(em: EntityManager, accountId: string, webhookId: string): Promise<Webhook> {
    const query = em.getRepository(Webhook).createQueryBuilder('w').where('w.id = :webhookId AND w.accountId = :accountId', { webhookId, accountId });
    if (em.connection.options.type === 'postgres') query.setLock('pessimistic_write');
    const hook = await query.getOne();
    if (!hook) throw new WebhookNotFoundError();
    return hook;
  }

  private record(em: EntityManager, type: 'webhook.created' | 'webhook.updated' | 'webhook.deleted' | 'webhook.secret_rotated' | 'webhook.paused' | 'webhook.resumed', hook: Webhook, caller: Caller, details: Record<string, string | number | boolean>): Promise<void> {
    return this.audit.record(em, {
      type, accountId: hook.accountId, actor: actorOf(caller), outcome: 'success',
      details: { webhook_id: hook.id, host: new URL(hook.url).host, ...details },
    });
  }
}
