import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { ExpiredRowsSweeper } from '../../ground/common/expired-rows';
import { WorkerLoop } from '../../ground/common/worker-loop';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { claimDueRows } from '../../ground/database/claim-due-rows';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { WebhookAttempts } from './webhook-attempts';
import { WebhookDelivery } from './webhook-delivery.entity';
import { LOOKUP_TIMEOUT_MS } from './webhook-targets';
import { Webhook } from './webhook.entity';

/** How often the worker looks for due deliveries while the app runs. */
export const WEBHOOK_POLL_INTERVAL_MS = 1_000;
/** Attempts in flight at once, per instance. */
export const WEBHOOK_LANES = 8;
/** Attempts in flight at once for one subscription (its target), so a hanging receiver holds at most this many lanes. */
export const WEBHOOK_LANES_PER_TARGET = 2;
/** Claims per pass, so one pass cannot run forever; the next poll continues. */
export const WEBHOOK_ROUNDS_PER_PASS = 20;
/** Delivered and given-up deliveries are kept this long (for operators), then removed. */
export const WEBHOOK_DELIVERY_RETENTION_MS = 7 * 86_400_000;
const SWEEP_INTERVAL_MS = 3_600_000;
/** What a claim's lease adds to the longest attempt: recording it, a slow database, a busy event loop. */
const LEASE_MARGIN_MS = 60_000;

/**
 * How long a claim holds a delivery: its one attempt (it starts at once: the worker claims no more than
 * it has free lanes for), i.e. the target's lookup and the attempt timeout, and a margin. Longer than
 * any attempt, so no other instance takes a delivery whose attempt may still be running.
 */
export function webhookLeaseMs(attemptTimeoutMs: number): number {
  return LOOKUP_TIMEOUT_MS + attemptTimeoutMs + LEASE_MARGIN_MS;
}

/**
 * Delivers the webhook outbox (table webhook_deliveries), off every request path, with claims as the mail
 * outbox worker's (src/core/mail/outbox.worker.ts): each round claims due deliveries of enabled subscriptions
 * with one statement (src/ground/database/claim-due-rows.ts: a lease in `locked_until`, FOR UPDATE SKIP LOCKED on
 * PostgreSQL, SQLite's single write lock), so several instances attempt each delivery once.
 *
 * Deliveries are independent of each other: every claimed delivery's attempt (webhook-attempts.ts) starts
 * at once and runs on its own, outside any transaction, up to WEBHOOK_LANES at a time; a pass never waits
 * for an attempt, and each attempt that ends wakes the worker to fill its lane. A subscription holds at
 * most WEBHOOK_LANES_PER_TARGET of the lanes: the claim skips subscriptions with that many deliveries
 * under a live lease (on any instance), and what one claim took beyond a subscription's share is handed
 * back at once. So a receiver that accepts connections and never answers delays only its own events,
 * never another subscription's (or another account's).
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
  /** The attempts in flight, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** How many of them each subscription has. */
  private readonly perTarget = new Map<string, number>();
  readonly leaseMs: number;

  constructor(
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly attempts: WebhookAttempts,
  ) {
    this.leaseMs = webhookLeaseMs(config.webhookTimeoutMs);
    this.sweeper = new ExpiredRowsSweeper(uow, WebhookDelivery, '"finished_at"', () => clock.nowMs() - WEBHOOK_DELIVERY_RETENTION_MS, SWEEP_INTERVAL_MS, 'finished webhook deliveries', 'Webhooks');
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
    await this.settled();
  }

  /** Wakes the worker now (after a commit that queued deliveries). Fire-and-forget: never throws, never rejects. */
  kick(): void {
    this.loop.kick();
  }

  /**
   * Attempts every due delivery now (claim → send → record) and resolves once no attempt is in flight and
   * nothing more is due (a receiver that hangs holds it up to its timeout); never rejects.
   */
  async drain(): Promise<void> {
    await this.loop.drain();
    while (this.inFlight.size > 0) {
      await this.settled();
      await this.loop.drain();
    }
  }

  /** Removes delivered and given-up deliveries older than WEBHOOK_DELIVERY_RETENTION_MS (also every hour on its own). */
  removeFinished(): Promise<void> {
    return this.sweeper.sweep();
  }

  private async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /**
   * One pass, in rounds: each claims as many due deliveries as lanes are free and starts them. Ends when
   * nothing is due or every lane is busy (an attempt that ends kicks the worker); true when it stopped at
   * its round limit with deliveries still due.
   */
  private async pass(): Promise<boolean> {
    try {
      for (let round = 0; round < WEBHOOK_ROUNDS_PER_PASS; round++) {
        const free = WEBHOOK_LANES - this.inFlight.size;
        if (this.loop.stopped || free <= 0) return false;
        const claimed = await this.claimDue(free);
        if (claimed.length === 0) return false;
        await this.start(claimed);
      }
      return !this.loop.stopped;
    } catch (error) {
      this.logger.error(`webhook pass failed: ${(error as Error)?.message ?? 'unknown error'}`);
      return false;
    }
  }

  /**
   * Claims up to `limit` due deliveries of enabled subscriptions that hold fewer than
   * WEBHOOK_LANES_PER_TARGET live claims, in due order (served by idx_webhook_deliveries_claim
   * (status, next_attempt_at); the subscription by its primary key, its live claims by
   * idx_webhook_deliveries_webhook (webhook_id, status)).
   */
  private async claimDue(limit: number): Promise<WebhookDelivery[]> {
    const now = this.clock.nowMs();
    const ids = await this.uow.run((em) =>
      claimDueRows(em, {
        table: 'webhook_deliveries',
        lockedUntil: now + this.leaseMs,
        // The status as a constant (as the outbox's claim): PostgreSQL plans the prepared statement once, not at every poll.
        claimable: (p, col) => `${col}status = 'pending' AND ${col}next_attempt_at <= ${p(now)} AND (${col}locked_until IS NULL OR ${col}locked_until <= ${p(now)})`,
        pick: (p, claimable) =>
          `SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE ${claimable('d.')} AND w.enabled = TRUE ` +
          `AND (SELECT COUNT(*) FROM webhook_deliveries h WHERE h.webhook_id = d.webhook_id AND h.status = 'pending' AND h.locked_until > ${p(now)}) < ${p(WEBHOOK_LANES_PER_TARGET)} ` +
          `ORDER BY d.next_attempt_at ASC LIMIT ${p(limit)}`,
        lockAlias: 'd',
      }),
    );
    if (ids.length === 0) return [];
    const rows = await this.deliveries.findBy({ id: In(ids) });
    return rows.sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime());
  }

  /**
   * Starts the attempt of each claimed delivery whose subscription has a lane to spare, without waiting
   * for it; hands the others back at once, uncounted (due as they were, for the next claim).
   */
  private async start(claimed: WebhookDelivery[]): Promise<void> {
    const hooks = new Map((await this.webhooks.findBy({ id: In([...new Set(claimed.map((d) => d.webhookId))]) })).map((w) => [w.id, w]));
    const handBack: WebhookDelivery[] = [];
    for (const delivery of claimed) {
      // Already in flight here (a lease outlived only by a moved test clock): that attempt records it.
      if (this.inFlight.has(delivery.id)) continue;
      const hook = hooks.get(delivery.webhookId);
      const busy = this.perTarget.get(delivery.webhookId) ?? 0;
      if (!hook || this.loop.stopped || busy >= WEBHOOK_LANES_PER_TARGET || this.inFlight.size >= WEBHOOK_LANES) {
        handBack.push(delivery);
        continue;
      }
      this.perTarget.set(hook.id, busy + 1);
      this.inFlight.set(delivery.id, this.attempt(delivery, hook));
    }
    await this.handBack(handBack);
  }

  /** One attempt, on its own: its lane is freed and the worker woken when it ends. Never rejects. */
  private async attempt(delivery: WebhookDelivery, hook: Webhook): Promise<void> {
    try {
      const result = await this.attempts.run(delivery, hook, this.shutdown.signal);
      if (result === 'aborted') await this.handBack([delivery]);
    } catch (error) {
      this.logger.error(`webhook ${hook.id} delivery ${delivery.id}: ${(error as Error)?.message ?? 'unknown error'} (attempted again once its claim expires)`);
    } finally {
      this.inFlight.delete(delivery.id);
      const busy = (this.perTarget.get(hook.id) ?? 1) - 1;
      if (busy > 0) this.perTarget.set(hook.id, busy);
      else this.perTarget.delete(hook.id);
      this.loop.kick();
    }
  }

  /** Hands claimed deliveries back without counting an attempt: due again at once, for this or another instance. */
  private async handBack(deliveries: WebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.uow.run((em) =>
      em.createQueryBuilder().update(WebhookDelivery).set({ lockedUntil: null })
        .where('id IN (:...ids) AND status = :pending', { ids: deliveries.map((d) => d.id), pending: 'pending' }).execute(),
    );
  }
}
