import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { EntityManager, In, Repository } from 'typeorm';
import { AuditTrail } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { ExpiredRowsSweeper } from '../../ground/common/expired-rows';
import { SecretKeys } from '../../ground/common/secrets';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { claimDueRows } from '../../ground/database/claim-due-rows';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { WorkerLoop } from '../../ground/common/worker-loop';
import { OperationalMetrics } from '../../ground/common/metrics';
import { WebhookDelivery } from './webhook-delivery.entity';
import { AttemptOutcome, WebhookSender } from './webhook-sender';
import { webhookHeaders } from './webhook-signature';
import { TargetRefusedError, type ResolvedTarget } from './webhook-target';
import { LOOKUP_TIMEOUT_MS, WebhookTargets } from './webhook-targets';
import { Webhook } from './webhook.entity';
import { signingSecrets } from './webhook-secrets';
import { noteFailure } from './webhook-failure-run';
import { WEBHOOK_BATCH_SIZE, WEBHOOK_DELIVERY_RETENTION_MS, WEBHOOK_LANES, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_PAUSE_AFTER_MS, WEBHOOK_POLL_INTERVAL_MS, WEBHOOK_RETRY_DELAYS_MS, WEBHOOK_ROUNDS_PER_PASS, WEBHOOK_SWEEP_INTERVAL_MS, webhookRetryDelayMs } from './webhook-schedule';

export { WEBHOOK_RETRY_DELAYS_MS, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_PAUSE_AFTER_MS, WEBHOOK_POLL_INTERVAL_MS, WEBHOOK_LANES, WEBHOOK_BATCH_SIZE, WEBHOOK_ROUNDS_PER_PASS, WEBHOOK_DELIVERY_RETENTION_MS, webhookRetryDelayMs } from './webhook-schedule';

type Outcome = Exclude<AttemptOutcome, { outcome: 'aborted' }> | { outcome: 'refused'; error: string };

/**
 * Delivers the webhook outbox (table webhook_deliveries), off every request path, the way the mail
 * outbox worker does (src/core/mail/outbox.worker.ts): each round claims a batch of due deliveries of
 * enabled subscriptions with one statement (src/ground/database/claim-due-rows.ts: a lease in `locked_until`,
 * FOR UPDATE SKIP LOCKED on PostgreSQL, SQLite's single write lock), so several instances attempt each
 * delivery once; then up to WEBHOOK_LANES attempts run at once, outside any transaction.
 *
 * An attempt resolves the target and checks every address again (webhook-target.ts), connects to the
 * address it checked, and POSTs the stored body signed by Standard Webhooks with every secret that signs
 * now. A 2xx delivers it. Anything else (another status, a redirect, a timeout, a network or TLS error, a
 * refused address) is a failed attempt: retried after WEBHOOK_RETRY_DELAYS_MS with the same
 * `webhook-id`, and given up (`failed`) after WEBHOOK_MAX_ATTEMPTS. The other deliveries of a
 * subscription that just failed wait with it instead of being tried in the same round (one hanging
 * receiver cannot hold every lane). A subscription whose receiver has failed every attempt for
 * WEBHOOK_PAUSE_AFTER_MS is paused (audit event `webhook.paused`, metric webhook_pauses_total): its
 * deliveries are held, none is dropped, until it is enabled again (PATCH `{"enabled":true}`), which
 * makes them due at once with a fresh schedule.
 *
 * At-least-once: a process that dies between a receiver's 2xx and the record of it leaves the delivery
 * claimed; it is attempted again once the lease expires, with the same `webhook-id` (receivers
 * deduplicate on it, as Standard Webhooks asks).
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  /** Runs the passes: at start, every WEBHOOK_POLL_INTERVAL_MS, when kicked (src/ground/common/worker-loop.ts). */
  private readonly loop = new WorkerLoop(() => this.pass(), WEBHOOK_POLL_INTERVAL_MS);
  /** Aborts the attempts in flight when the app shuts down (their deliveries are handed back). */
  private readonly shutdown = new AbortController();
  private readonly sweeper: ExpiredRowsSweeper<WebhookDelivery>;
  /** A claim holds its batch while every lane works through it: ceil(batch / lanes) attempts of at most lookup + timeout each, and a margin. */
  readonly leaseMs: number;

  constructor(
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly secrets: SecretKeys,
    private readonly targets: WebhookTargets,
    private readonly sender: WebhookSender,
    private readonly audit: AuditTrail,
    @Optional() private readonly metrics?: OperationalMetrics,
  ) {
    this.leaseMs = Math.ceil(WEBHOOK_BATCH_SIZE / WEBHOOK_LANES) * (config.webhookTimeoutMs + LOOKUP_TIMEOUT_MS) + 60_000;
    this.sweeper = new ExpiredRowsSweeper(uow, WebhookDelivery, '"finished_at"', () => clock.nowMs() - WEBHOOK_DELIVERY_RETENTION_MS, WEBHOOK_SWEEP_INTERVAL_MS, 'finished webhook deliveries', 'Webhooks');
  }

  onApplicationBootstrap(): void {
    this.loop.start();
    this.sweeper.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.sweeper.stop();
    const stopping = this.loop.stop();
    // Attempts in flight stop now; their deliveries are handed back (another instance takes them at once).
    this.shutdown.abort();
    await stopping;
  }

  /** Wakes the worker now (after a commit that queued deliveries). Fire-and-forget: never throws, never rejects. */
  kick(): void {
    this.loop.kick();
  }

  /**
   * Attempts every due delivery now (claim → send → record); resolves when this pass is done, never
   * rejects. A call during a pass runs one more pass after it.
   */
  drain(): Promise<void> {
    return this.loop.drain();
  }

  /** One pass, in rounds; true when it stopped at its round limit with deliveries still due. */
  private async pass(): Promise<boolean> {
    try {
      for (let round = 0; round < WEBHOOK_ROUNDS_PER_PASS && !this.loop.stopped; round++) {
        const claimed = await this.claimDue();
        if (claimed.length === 0) return false;
        await this.deliver(claimed);
      }
      return !this.loop.stopped;
    } catch (error) {
      this.logger.error(`webhook pass failed: ${(error as Error)?.message ?? 'unknown error'}`);
      return false;
    }
  }

  /** Removes delivered and given-up deliveries older than WEBHOOK_DELIVERY_RETENTION_MS (also every hour on its own). */
  removeFinished(): Promise<void> {
    return this.sweeper.sweep();
  }

  /**
   * Claims up to one batch of due deliveries of enabled subscriptions, in due order (served by
   * idx_webhook_deliveries_claim (status, next_attempt_at), the subscription by its primary key).
   */
  private async claimDue(): Promise<WebhookDelivery[]> {
    const now = this.clock.nowMs();
    const ids = await this.uow.run((em) =>
      claimDueRows(em, {
        table: 'webhook_deliveries',
        lockedUntil: now + this.leaseMs,
        claimable: (p, col) => `${col}status = ${p('pending')} AND ${col}next_attempt_at <= ${p(now)} AND (${col}locked_until IS NULL OR ${col}locked_until <= ${p(now)})`,
        pick: (p, claimable) =>
          `SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE ${claimable('d.')} AND w.enabled = TRUE ` +
          `ORDER BY d.next_attempt_at ASC LIMIT ${p(WEBHOOK_BATCH_SIZE)}`,
        lockAlias: 'd',
      }),
    );
    if (ids.length === 0) return [];
    const rows = await this.deliveries.findBy({ id: In(ids) });
    return rows.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** Attempts a claimed batch, WEBHOOK_LANES at a time; hands back what it did not attempt. */
  private async deliver(batch: WebhookDelivery[]): Promise<void> {
    const hooks = new Map((await this.webhooks.findBy({ id: In([...new Set(batch.map((d) => d.webhookId))]) })).map((w) => [w.id, w]));
    /** Subscriptions that failed in this round: when their next attempt is due. */
    const failing = new Map<string, Date>();
    const deferred: Array<{ delivery: WebhookDelivery; until: Date }> = [];
    const untried: WebhookDelivery[] = [];
    /** Answered 2xx: recorded together once the batch is done (one transaction, not one per delivery). */
    const delivered: Array<{ delivery: WebhookDelivery; status: number }> = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < batch.length) {
        const delivery = batch[next++];
        const hook = hooks.get(delivery.webhookId);
        if (this.loop.stopped || !hook) {
          untried.push(delivery);
          continue;
        }
        const until = failing.get(hook.id);
        if (until) {
          deferred.push({ delivery, until });
          continue;
        }
        const result = await this.attempt(delivery, hook);
        if (result === 'aborted') untried.push(delivery);
        else if (result instanceof Date) failing.set(hook.id, result);
        else if (result) delivered.push({ delivery, status: result.status });
      }
    };
    await Promise.all(Array.from({ length: Math.min(WEBHOOK_LANES, batch.length) }, lane));
    await this.markDelivered(delivered, failing);
    await this.handBack(untried, deferred);
  }

  /**
   * Records the deliveries their receivers accepted, in one transaction, and ends the run of failures of
   * their subscriptions (those that did not fail later in the same round). Should it fail, the claims
   * stay and the deliveries are sent again once they expire (at least once, same webhook-id).
   */
  private async markDelivered(delivered: Array<{ delivery: WebhookDelivery; status: number }>, failing: Map<string, Date>): Promise<void> {
    if (delivered.length === 0) return;
    const now = this.clock.now();
    const byStatus = new Map<number, string[]>();
    for (const { delivery, status } of delivered) byStatus.set(status, [...(byStatus.get(status) ?? []), delivery.id]);
    const recovered = [...new Set(delivered.map((d) => d.delivery.webhookId))].filter((id) => !failing.has(id));
    try {
      await this.uow.run(async (em) => {
        for (const [status, ids] of byStatus) {
          await em.createQueryBuilder().update(WebhookDelivery)
            .set({ status: 'delivered', attempts: () => 'attempts + 1', lockedUntil: null, lastStatus: status, lastError: null, finishedAt: now })
            .where('id IN (:...ids)', { ids }).execute();
        }
        if (recovered.length > 0) {
          await em.createQueryBuilder().update(Webhook).set({ failingSince: null }).where('id IN (:...ids) AND failing_since IS NOT NULL', { ids: recovered }).execute();
        }
      });
      for (const { delivery, status } of delivered) this.logger.debug(`webhook ${delivery.webhookId} delivery ${delivery.id} (${delivery.eventType}) delivered (attempt ${delivery.attempts + 1}, ${status})`);
    } catch (error) {
      this.logger.error(`${delivered.length} webhook deliveries were accepted but could not be recorded (sent again once their claims expire): ${(error as Error)?.message ?? 'unknown error'}`);
    }
  }

  /**
   * One attempt of one delivery. A failure is recorded at once and answers when the subscription's next
   * attempt is due; a success answers the receiver's status (recorded with the batch, markDelivered);
   * 'aborted' when the app stopped it (nothing recorded); null when a failure could not be recorded (the
   * claim then expires and the delivery is attempted again). Never rejects.
   */
  private async attempt(delivery: WebhookDelivery, hook: Webhook): Promise<Date | { status: number } | null | 'aborted'> {
    const startedAt = performance.now();
    let outcome: Outcome | null;
    try {
      outcome = await this.send(delivery, hook);
    } catch (error) {
      outcome = { outcome: 'network_error', error: (error as Error)?.message ?? 'unknown error' };
    }
    if (outcome === null) return 'aborted';
    const seconds = (performance.now() - startedAt) / 1000;
    this.metrics?.webhookAttempts.labels(outcome.outcome).inc();
    this.metrics?.webhookDuration.labels(outcome.outcome).observe(seconds);
    if (outcome.outcome === 'delivered') return { status: outcome.status };
    try {
      return await this.recordFailure(delivery, hook, outcome);
    } catch (error) {
      this.logger.error(`webhook ${hook.id} delivery ${delivery.id}: could not record the attempt (attempted again once its claim expires): ${(error as Error)?.message ?? 'unknown error'}`);
      return null;
    }
  }

  /** Resolves and checks the target, then POSTs the signed body; null when aborted by the shutdown. */
  private async send(delivery: WebhookDelivery, hook: Webhook): Promise<Outcome | null> {
    let target: ResolvedTarget;
    try {
      target = await this.targets.resolve(hook.url);
    } catch (error) {
      if (error instanceof TargetRefusedError) return { outcome: 'refused', error: `target refused: ${error.reason.replace('_', ' ')}` };
      throw error;
    }
    const now = this.clock.now();
    const headers = webhookHeaders(signingSecrets(this.secrets, hook, now), delivery.eventId, Math.floor(now.getTime() / 1000), delivery.payload);
    const result = await this.sender.send(target, headers, delivery.payload, this.config.webhookTimeoutMs, this.shutdown.signal);
    return result.outcome === 'aborted' ? null : result;
  }

  /** Records a failed attempt in one transaction: the delivery's state, the subscription's run of failures, a pause. */
  private async recordFailure(delivery: WebhookDelivery, hook: Webhook, outcome: Exclude<Outcome, { outcome: 'delivered' }>): Promise<Date> {
    const now = this.clock.now();
    const attempts = delivery.attempts + 1;
    const ref = `webhook ${hook.id} delivery ${delivery.id} (${delivery.eventType}, webhook-id ${delivery.eventId})`;
    const reason = outcome.outcome === 'http_error' ? `answered ${outcome.status}` : outcome.error;
    const nextAt = new Date(now.getTime() + webhookRetryDelayMs(attempts));
    const state = await this.uow.run(async (em) => {
      const paused = await noteFailure(em, hook, now, this.audit, (failingHours) => {
        this.metrics?.webhookPauses.labels('failing').inc();
        this.logger.warn(`webhook ${hook.id} paused: its receiver has failed every attempt for ${failingHours} hours; enable it again with PATCH {"enabled":true}`);
      });
      const givenUp = !paused && attempts >= WEBHOOK_MAX_ATTEMPTS;
      await em.update(WebhookDelivery, { id: delivery.id }, {
        attempts,
        status: givenUp ? 'failed' : 'pending',
        finishedAt: givenUp ? now : null,
        nextAttemptAt: givenUp ? delivery.nextAttemptAt : nextAt,
        lockedUntil: null,
        lastStatus: outcome.outcome === 'http_error' ? outcome.status : null,
        lastError: reason.slice(0, 300),
      });
      return { paused, givenUp };
    });
    if (state.givenUp) {
      this.metrics?.webhookGivenUp.inc();
      this.logger.warn(`${ref} given up after ${attempts} attempts: ${reason}`);
    } else {
      this.logger.warn(`${ref} attempt ${attempts}/${WEBHOOK_MAX_ATTEMPTS} failed: ${reason}${state.paused ? '; held while the webhook is paused' : `; next in ${Math.round((nextAt.getTime() - now.getTime()) / 1000)} s`}`);
    }
    return nextAt;
  }

  /**
   * Hands claimed deliveries back without counting an attempt: those not tried (the app stops) at once,
   * those of a subscription that failed this round when its next attempt is due.
   */
  private async handBack(untried: WebhookDelivery[], deferred: Array<{ delivery: WebhookDelivery; until: Date }>): Promise<void> {
    if (untried.length === 0 && deferred.length === 0) return;
    await this.uow.run(async (em) => {
      if (untried.length > 0) {
        await em.createQueryBuilder().update(WebhookDelivery).set({ lockedUntil: null })
          .where('id IN (:...ids) AND status = :pending', { ids: untried.map((d) => d.id), pending: 'pending' }).execute();
      }
      for (const { delivery, until } of deferred) {
        await em.update(WebhookDelivery, { id: delivery.id, status: 'pending' }, { lockedUntil: null, nextAttemptAt: until > delivery.nextAttemptAt ? until : delivery.nextAttemptAt });
      }
    });
  }
}
