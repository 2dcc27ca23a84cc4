import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { EntityManager } from 'typeorm';
import { AuditTrail } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { SecretKeys } from '../../ground/common/secrets';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { OperationalMetrics } from '../../ground/common/metrics';
import { WebhookDelivery } from './webhook-delivery.entity';
import { signingSecrets } from './webhook-secrets';
import { AttemptOutcome, WebhookSender } from './webhook-sender';
import { webhookHeaders } from './webhook-signature';
import { TargetRefusedError, type ResolvedTarget } from './webhook-target';
import { WebhookTargets } from './webhook-targets';
import { Webhook } from './webhook.entity';

/**
 * The wait after each failed attempt (the Standard Webhooks reference schedule): 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h. Eight attempts over 27 h 35 min, each with the same `webhook-id`.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;
/** A subscription whose receiver has failed every attempt for this long is paused at its next failure. */
export const WEBHOOK_PAUSE_AFTER_MS = 24 * 3_600_000;

/** The wait after `attempts` failed attempts. */
export function webhookRetryDelayMs(attempts: number): number {
  return WEBHOOK_RETRY_DELAYS_MS[Math.min(Math.max(attempts, 1), WEBHOOK_RETRY_DELAYS_MS.length) - 1];
}

type Outcome = Exclude<AttemptOutcome, { outcome: 'aborted' }> | { outcome: 'refused'; error: string };

/** How an attempt ended for the worker: recorded (either way), stopped by the shutdown (nothing recorded), or not recordable. */
export type AttemptResult = 'recorded' | 'aborted' | 'unrecorded';

/**
 * One attempt of one claimed delivery, and its record (the worker, webhook-delivery.worker.ts, decides
 * which and when). The target is resolved and every address checked again (webhook-target.ts); the
 * attempt connects to the address it checked and POSTs the stored body signed by Standard Webhooks with
 * every secret that signs now. A 2xx delivers it. Anything else (another status, a redirect, a timeout, a
 * network or TLS error, a refused address) is a failed attempt: retried after WEBHOOK_RETRY_DELAYS_MS
 * with the same `webhook-id`, given up (`failed`) after WEBHOOK_MAX_ATTEMPTS. The subscription's other
 * due deliveries that no worker holds wait with it (a dead receiver is not tried once per queued event).
 * A subscription whose receiver has failed every attempt for WEBHOOK_PAUSE_AFTER_MS is paused (audit
 * event `webhook.paused`, metric webhook_pauses_total): its deliveries are held, none is dropped.
 */
@Injectable()
export class WebhookAttempts {
  private readonly logger = new Logger('Webhooks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly secrets: SecretKeys,
    private readonly targets: WebhookTargets,
    private readonly sender: WebhookSender,
    private readonly audit: AuditTrail,
    @Optional() private readonly metrics?: OperationalMetrics,
  ) {}

  /**
   * Attempts the delivery and records how it went (its claim ends either way). 'aborted': `signal` stopped
   * it, nothing is recorded (the worker hands it back); 'unrecorded': the record failed (the claim expires
   * and the delivery is attempted again, same `webhook-id`). Never rejects.
   */
  async run(delivery: WebhookDelivery, hook: Webhook, signal: AbortSignal): Promise<AttemptResult> {
    const startedAt = performance.now();
    let outcome: Outcome | null;
    try {
      outcome = await this.send(delivery, hook, signal);
    } catch (error) {
      outcome = { outcome: 'network_error', error: (error as Error)?.message ?? 'unknown error' };
    }
    if (outcome === null) return 'aborted';
    this.metrics?.webhookAttempts.labels(outcome.outcome).inc();
    this.metrics?.webhookDuration.labels(outcome.outcome).observe((performance.now() - startedAt) / 1000);
    try {
      if (outcome.outcome === 'delivered') await this.recordDelivered(delivery, outcome.status);
      else await this.recordFailure(delivery, hook, outcome);
      return 'recorded';
    } catch (error) {
      const what = outcome.outcome === 'delivered' ? 'was accepted but could not be recorded (sent again' : 'could not record the attempt (attempted again';
      this.logger.error(`webhook ${hook.id} delivery ${delivery.id} ${what} once its claim expires): ${(error as Error)?.message ?? 'unknown error'}`);
      return 'unrecorded';
    }
  }

  /** Resolves and checks the target, then POSTs the signed body; null when aborted by `signal`. */
  private async send(delivery: WebhookDelivery, hook: Webhook, signal: AbortSignal): Promise<Outcome | null> {
    let target: ResolvedTarget;
    try {
      target = await this.targets.resolve(hook.url);
    } catch (error) {
      if (error instanceof TargetRefusedError) return { outcome: 'refused', error: `target refused: ${error.reason.replace('_', ' ')}` };
      throw error;
    }
    if (signal.aborted) return null;
    const now = this.clock.now();
    const headers = webhookHeaders(signingSecrets(this.secrets, hook, now), delivery.eventId, Math.floor(now.getTime() / 1000), delivery.payload);
    const result = await this.sender.send(target, headers, delivery.payload, this.config.webhookTimeoutMs, signal);
    return result.outcome === 'aborted' ? null : result;
  }

  /** Delivered: the delivery is done, and the subscription's run of failures ends. */
  private async recordDelivered(delivery: WebhookDelivery, status: number): Promise<void> {
    const now = this.clock.now();
    await this.uow.run(async (em) => {
      await em.update(WebhookDelivery, { id: delivery.id }, { status: 'delivered', attempts: delivery.attempts + 1, lockedUntil: null, lastStatus: status, lastError: null, finishedAt: now });
      await em.createQueryBuilder().update(Webhook).set({ failingSince: null }).where('id = :id AND failing_since IS NOT NULL', { id: delivery.webhookId }).execute();
    });
    this.logger.debug(`webhook ${delivery.webhookId} delivery ${delivery.id} (${delivery.eventType}) delivered (attempt ${delivery.attempts + 1}, ${status})`);
  }

  /**
   * Records a failed attempt in one transaction: the delivery's state, the subscription's run of failures,
   * a pause, and the wait of the subscription's other due deliveries that no worker holds.
   */
  private async recordFailure(delivery: WebhookDelivery, hook: Webhook, outcome: Exclude<Outcome, { outcome: 'delivered' }>): Promise<void> {
    const now = this.clock.now();
    const attempts = delivery.attempts + 1;
    const ref = `webhook ${hook.id} delivery ${delivery.id} (${delivery.eventType}, webhook-id ${delivery.eventId})`;
    const reason = outcome.outcome === 'http_error' ? `answered ${outcome.status}` : outcome.error;
    const nextAt = new Date(now.getTime() + webhookRetryDelayMs(attempts));
    const state = await this.uow.run(async (em) => {
      const paused = await this.noteFailure(em, hook, now);
      const givenUp = !paused && attempts >= WEBHOOK_MAX_ATTEMPTS;
      const updated = await em.update(WebhookDelivery, { id: delivery.id }, {
        attempts,
        status: givenUp ? 'failed' : 'pending',
        finishedAt: givenUp ? now : null,
        nextAttemptAt: givenUp ? delivery.nextAttemptAt : nextAt,
        lockedUntil: null,
        lastStatus: outcome.outcome === 'http_error' ? outcome.status : null,
        lastError: reason.slice(0, 300),
      });
      // The others wait with it (served by idx_webhook_deliveries_webhook); their attempts are not counted.
      await em.createQueryBuilder().update(WebhookDelivery).set({ nextAttemptAt: nextAt })
        .where('webhook_id = :hook AND status = :pending AND next_attempt_at < :nextAt AND (locked_until IS NULL OR locked_until <= :now)', {
          hook: hook.id, pending: 'pending', nextAt: nextAt.getTime(), now: now.getTime(),
        }).execute();
      return { paused, givenUp, erased: updated.affected === 0 };
    });
    if (state.erased) {
      // Its user was erased meanwhile (DELETE /users/{id}): nothing is left to retry.
      this.logger.warn(`${ref} attempt ${attempts} failed: ${reason}; the delivery was erased meanwhile, no retry`);
    } else if (state.givenUp) {
      this.metrics?.webhookGivenUp.inc();
      this.logger.warn(`${ref} given up after ${attempts} attempts: ${reason}`);
    } else {
      this.logger.warn(`${ref} attempt ${attempts}/${WEBHOOK_MAX_ATTEMPTS} failed: ${reason}${state.paused ? '; held while the webhook is paused' : `; next in ${Math.round((nextAt.getTime() - now.getTime()) / 1000)} s`}`);
    }
  }

  /**
   * The subscription's run of failures goes on (or starts now); when it has lasted WEBHOOK_PAUSE_AFTER_MS
   * the subscription is paused, once (`webhook.paused`, by the service). True when it is paused now.
   */
  private async noteFailure(em: EntityManager, hook: Webhook, now: Date): Promise<boolean> {
    await em.createQueryBuilder().update(Webhook).set({ failingSince: now }).where('id = :id AND failing_since IS NULL', { id: hook.id }).execute();
    const current = await em.findOneBy(Webhook, { id: hook.id });
    if (!current) return false;
    if (!current.enabled) return true;
    if (!current.failingSince || now.getTime() - current.failingSince.getTime() < WEBHOOK_PAUSE_AFTER_MS) return false;
    const paused = await em
      .createQueryBuilder()
      .update(Webhook)
      .set({ enabled: false, pausedReason: 'failing', pausedAt: now, updatedAt: now })
      .where('id = :id AND enabled = TRUE', { id: hook.id })
      .execute();
    if (paused.affected !== 1) return true;
    const failingHours = Math.floor((now.getTime() - current.failingSince.getTime()) / 3_600_000);
    await this.audit.record(em, {
      type: 'webhook.paused', accountId: hook.accountId, actor: { kind: 'system' }, outcome: 'success',
      details: { webhook_id: hook.id, host: new URL(hook.url).host, reason: 'failing', failing_hours: failingHours },
    });
    this.metrics?.webhookPauses.labels('failing').inc();
    this.logger.warn(`webhook ${hook.id} paused: its receiver has failed every attempt for ${failingHours} hours; enable it again with PATCH {"enabled":true}`);
    return true;
  }
}
