import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import type { OperationalMetrics } from '../../ground/common/metrics';
import { PasswordHasher } from '../../core/password/password-hasher';
import { outboxBacklog, pgPoolCounts, sharedPerScrape, webhookBacklog } from './scrape-queries';

/** Route label of a request no route matched (404s, and requests refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The service's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * several apps in one process, as in the tests, never share or clash). GET /metrics renders it.
 *
 * Counters and histograms are updated where things happen (HTTP middleware, PasswordHasher, the
 * outbox worker, the limiters); gauges that need the database are computed on scrape only, with one
 * cheap query (collect callbacks), never per request.
 */
@Injectable()
export class AppMetrics implements OnModuleDestroy, OperationalMetrics {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template (or "unmatched") and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from the request to the end of its response, by method, route template and status class (2xx, 4xx, …).',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly hashDuration = new Histogram({
    name: 'password_hash_duration_seconds',
    help: 'Time of one password hash or verify, waiting for a libuv thread included, by algorithm and operation.',
    labelNames: ['algorithm', 'operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5],
    registers: [this.registry],
  });

  readonly mailSent = new Counter({ name: 'mail_sent_total', help: 'Outbox messages accepted by the SMTP server.', registers: [this.registry] });

  readonly mailFailures = new Counter({
    name: 'mail_delivery_failures_total',
    help: 'Failed outbox deliveries: "retry" (scheduled again) or "dead" (given up).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: 'webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts, by outcome: "delivered" (a 2xx), "http_error" (another status), "timeout", "network_error" (connect, TLS, reset) or "refused" (the target resolved to a non-public address; nothing was sent).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookDuration = new Histogram({
    name: 'webhook_delivery_duration_seconds',
    help: 'Time of one webhook attempt, resolving the target included, until the answer\'s status or the failure, by outcome (as webhook_delivery_attempts_total).',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly webhookGivenUp = new Counter({
    name: 'webhook_deliveries_failed_total',
    help: 'Webhook deliveries given up after their last attempt (about 27 hours of retries) while the subscription stayed enabled.',
    registers: [this.registry],
  });

  readonly webhookPauses = new Counter({
    name: 'webhook_pauses_total',
    help: 'Webhook subscriptions paused, by reason: "failing" (the receiver failed every attempt for 24 hours) or "admin" (PATCH enabled:false).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly userEvents = new Counter({
    name: 'user_lifecycle_events_total',
    help: 'Committed password and user changes, by domain event type (password.set, user.disabled, user.deleted, sessions.revoked, …) and path ("via": D1…D5, change, temporary, admin; "" for others).',
    labelNames: ['type', 'via'] as const,
    registers: [this.registry],
  });

  readonly expiryWarnings = new Counter({
    name: 'password_expiry_warnings_total',
    help: 'Password expiry warning emails queued (PASSWORD_EXPIRY_WARNING_DAYS), by threshold in days.',
    labelNames: ['days'] as const,
    registers: [this.registry],
  });

  readonly rateLimitHits = new Counter({
    name: 'rate_limit_hits_total',
    help: 'Requests refused by a limit, by budget: "requests" (the per-caller request limit) or an attempt budget (login, reset, verification, oauth, …).',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly hasher: PasswordHasher,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {
    collectDefaultMetrics({ register: this.registry });
    // Labels are fixed from the start so that a zero is scraped before the first event.
    for (const outcome of ['retry', 'dead']) this.mailFailures.labels(outcome).inc(0);
    this.mailSent.inc(0);
    for (const outcome of ['delivered', 'http_error', 'timeout', 'network_error', 'refused']) this.webhookAttempts.labels(outcome).inc(0);
    for (const reason of ['failing', 'admin']) this.webhookPauses.labels(reason).inc(0);
    this.webhookGivenUp.inc(0);
    hasher.observe((algorithm, operation, seconds) => this.hashDuration.labels(algorithm, operation).observe(seconds));

    new Gauge({
      name: 'password_hash_queue_depth',
      help: 'Password hashes and verifies in progress: waiting for a libuv thread or running on one.',
      registers: [this.registry],
      collect() {
        this.set(hasher.queueDepth);
      },
    });

    // Read first: prom-client starts every collect() at once, and the outbox gauges' queries would
    // otherwise hold the pool's connection (and show as a waiting caller) while it is read.
    const pool = () => pgPoolCounts(this.dataSource);
    new Gauge({
      name: 'db_pool_connections',
      help: 'PostgreSQL connection pool: "total" open connections, "idle" ones, and callers "waiting" for one. Absent on SQLite (no pool).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.labels('total').set(p.totalCount);
        this.labels('idle').set(p.idleCount);
        this.labels('waiting').set(p.waitingCount);
      },
    });

    const outbox = this.outboxState();
    new Gauge({
      name: 'mail_outbox_backlog',
      help: 'Outbox messages waiting to be sent (status pending).',
      registers: [this.registry],
      async collect() {
        const state = await outbox();
        if (state) this.set(state.pending);
      },
    });
    new Gauge({
      name: 'mail_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest pending outbox message, in seconds; 0 when none is pending.',
      registers: [this.registry],
      async collect() {
        const state = await outbox();
        if (state) this.set(state.oldestAgeSeconds);
      },
    });

    const webhooks = sharedPerScrape(() => webhookBacklog(this.dataSource, this.clock, this.logger));
    new Gauge({
      name: 'webhook_delivery_backlog',
      help: 'Webhook deliveries not yet delivered nor given up, by state: "pending" (to be attempted) or "held" (their subscription is paused).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const state = await webhooks();
        if (!state) return;
        this.labels('pending').set(state.pending);
        this.labels('held').set(state.held);
      },
    });
    new Gauge({
      name: 'webhook_delivery_oldest_pending_age_seconds',
      help: 'Age of the oldest webhook delivery to be attempted (subscription enabled), in seconds; 0 when none is.',
      registers: [this.registry],
      async collect() {
        const state = await webhooks();
        if (state) this.set(state.oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'webhooks_paused',
      help: 'Webhook subscriptions paused now (by failures or by an administrator).',
      registers: [this.registry],
      async collect() {
        const state = await webhooks();
        if (state) this.set(state.paused);
      },
    });
  }

  onModuleDestroy(): void {
    this.hasher.observe(null);
  }

  /** One request finished (the HTTP middleware). */
  requestFinished(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.labels(method, route, String(status)).inc();
    this.httpDuration.labels(method, route, `${Math.floor(status / 100)}xx`).observe(seconds);
  }

  limitHit(budget: string): void {
    this.rateLimitHits.labels(budget).inc();
  }

  /** The exposition text (one scrape). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The outbox gauges' query, run once per scrape whichever gauge asks first. */
  private outboxState(): () => Promise<{ pending: number; oldestAgeSeconds: number } | null> {
    return sharedPerScrape(() => outboxBacklog(this.dataSource, this.clock, this.logger));
  }
}
