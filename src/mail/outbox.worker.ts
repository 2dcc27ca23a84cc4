import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { SecretKeys } from '../common/secrets';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UnitOfWork } from '../database/unit-of-work';
import { AppMetrics } from '../metrics/app-metrics';
import { MailTransport } from './mail-transport';
import { OutboxMessage } from './outbox-message.entity';
import { mailLogRef, openMailBody, redactAddresses } from './mail-body';

/** How often the worker looks for due messages while the app runs. */
export const OUTBOX_POLL_INTERVAL_MS = 1_000;
/** A claimed message belongs to its worker this long; far above the SMTP timeouts of one send. */
export const OUTBOX_LEASE_MS = 2 * 60_000;
/** Messages claimed per query. */
export const OUTBOX_BATCH_SIZE = 20;
/** After this many failed attempts a message is given up ('dead'): about 1.5 hours of retrying. */
export const OUTBOX_MAX_ATTEMPTS = 25;
export const OUTBOX_BACKOFF_BASE_MS = 1_000;
export const OUTBOX_BACKOFF_MAX_MS = 5 * 60_000;

/** Delay before the next attempt after `attempts` failed ones: 1 s, 2 s, 4 s, … capped at 5 min. */
export function outboxBackoffMs(attempts: number): number {
  const exponent = Math.max(0, attempts - 1);
  return exponent >= 30 ? OUTBOX_BACKOFF_MAX_MS : Math.min(OUTBOX_BACKOFF_BASE_MS * 2 ** exponent, OUTBOX_BACKOFF_MAX_MS);
}

/** nodemailer error codes that mean "the server is unreachable": the rest of a batch would fail the same way. */
const CONNECTION_ERRORS = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ETLS', 'EAUTH', 'EPROTOCOL']);

/**
 * Delivers the durable outbox (table mail_outbox).
 *
 * One pass: select due messages, claim each with a conditional UPDATE of locked_until (so two app
 * instances never send the same message), send it outside any transaction, then mark it sent and
 * erase its sealed body, or record the failure and schedule the next attempt with exponential
 * backoff. Runs at start (a restart loses nothing), every ~1 s, and when kicked after an enqueue.
 * Only when SMTP_URL is set; otherwise messages stay in the table (dev mode, see MailService).
 *
 * Delivery is exactly once unless a process dies between the SMTP acceptance and the "sent" update;
 * then the message is sent again after its lease expires (at-least-once, never lost).
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private started = false;
  private stopped = false;

  constructor(
    @InjectRepository(OutboxMessage) private readonly outbox: Repository<OutboxMessage>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly secrets: SecretKeys,
    private readonly transport: MailTransport,
    @Optional() private readonly metrics?: AppMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.smtpUrl) {
      this.logger.warn(
        'SMTP_URL is not set: emails are NOT sent. Each one is written to this log, codes and links included, and kept in the mail_outbox table. Development only: set SMTP_URL in production.',
      );
      return;
    }
    this.started = true;
    // Messages left pending by an earlier run are picked up now, not after the first interval.
    this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // An in-flight pass finishes the message it is sending and releases the rest of its claims
    // (another instance sends them at once); nothing new starts.
    await this.queued;
    await this.running;
  }

  /** Wakes the worker now. Fire-and-forget: never throws, never rejects. */
  kick(): void {
    if (!this.started || this.stopped) return;
    try {
      this.drain().catch(() => undefined);
    } catch {
      // drain() never throws; this only guards the request path against the unexpected
    }
  }

  /**
   * Sends every due message now (claim → send → mark); resolves when this pass is done and never
   * rejects. A call during a pass runs one more pass after it, so messages enqueued before the call
   * are included.
   */
  drain(): Promise<void> {
    if (!this.config.smtpUrl || this.stopped) return this.running ?? Promise.resolve();
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.drain();
    });
    return this.queued;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.drain().then(() => this.schedule(OUTBOX_POLL_INTERVAL_MS));
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      // Bounded, so one pass cannot run forever; the next poll continues.
      for (let round = 0; round < 50 && !this.stopped; round++) {
        const claimed = await this.claimDue();
        if (claimed.length === 0) return;
        const unreachable = await this.deliver(claimed);
        if (unreachable) return;
      }
    } catch (error) {
      this.logger.error(`outbox pass failed: ${describeError(error)}`);
    }
  }

  /** Claims due messages: a conditional UPDATE per message, so a message has one owner at a time. */
  private async claimDue(): Promise<OutboxMessage[]> {
    const now = this.clock.nowMs();
    const candidates = await this.outbox
      .createQueryBuilder('m')
      .select(['m.id'])
      .where('m.status = :pending', { pending: 'pending' })
      .andWhere('m.nextAttemptAt <= :now', { now })
      .andWhere('(m.lockedUntil IS NULL OR m.lockedUntil <= :now)', { now })
      .orderBy('m.nextAttemptAt', 'ASC')
      .limit(OUTBOX_BATCH_SIZE)
      .getMany();
    if (candidates.length === 0) return [];
    const ids = await this.uow.run(async (em) => {
      const won: string[] = [];
      for (const { id } of candidates) {
        const result = await em
          .createQueryBuilder()
          .update(OutboxMessage)
          .set({ lockedUntil: new Date(now + OUTBOX_LEASE_MS) })
          .where('id = :id', { id })
          .andWhere('status = :pending', { pending: 'pending' })
          .andWhere('next_attempt_at <= :now', { now })
          .andWhere('(locked_until IS NULL OR locked_until <= :now)', { now })
          .execute();
        if (result.affected === 1) won.push(id);
      }
      return won;
    });
    if (ids.length === 0) return [];
    const rows = await this.outbox.createQueryBuilder('m').where('m.id IN (:...ids)', { ids }).getMany();
    return ids.map((id) => rows.find((r) => r.id === id)).filter((r): r is OutboxMessage => r !== undefined);
  }

  /**
   * Sends claimed messages one by one; true when the pass should end: the server is unreachable, or
   * the worker is stopping (the app shuts down: the first message of the batch is still sent, the
   * one being sent finishes). Either way the messages not tried are released at once, so another
   * instance sends them without waiting for the lease to expire.
   */
  private async deliver(messages: OutboxMessage[]): Promise<boolean> {
    for (let i = 0; i < messages.length; i++) {
      if (i > 0 && this.stopped) {
        await this.release(messages.slice(i));
        return true;
      }
      const message = messages[i];
      const ref = mailLogRef(message);
      let body: { text: string; html: string };
      try {
        if (message.sealedBody == null) throw new Error('sealed body missing');
        body = openMailBody(this.secrets, message.sealedBody);
      } catch (error) {
        // A body that cannot be opened (the service secret changed, or the row was tampered with) never will be.
        await this.markDead(message, `cannot open the sealed body: ${describeError(error)}`);
        continue;
      }
      try {
        await this.transport.send({
          messageId: message.id,
          from: this.config.mailFrom,
          to: message.recipient,
          subject: message.subject,
          text: body.text,
          html: body.html,
        });
      } catch (error) {
        await this.markFailed(message, error);
        if (isConnectionError(error)) {
          await this.release(messages.slice(i + 1));
          return true;
        }
        continue;
      }
      await this.markSent(message);
    }
    return false;
  }

  private async markSent(message: OutboxMessage): Promise<void> {
    this.metrics?.mailSent.inc();
    const now = this.clock.now();
    try {
      await this.uow.run((em) =>
        em.update(OutboxMessage, { id: message.id }, {
          status: 'sent',
          sentAt: now,
          sealedBody: null,
          lockedUntil: null,
          lastError: null,
          attempts: message.attempts + 1,
        }),
      );
      this.logger.log(`${mailLogRef(message)} sent (attempt ${message.attempts + 1})`);
    } catch (error) {
      // The server has accepted it; the claim stays, so it is sent again only once the lease expires.
      this.logger.error(`${mailLogRef(message)} was sent but could not be marked sent: ${describeError(error)}`);
    }
  }

  private async markFailed(message: OutboxMessage, error: unknown): Promise<void> {
    const attempts = message.attempts + 1;
    const reason = describeError(error);
    if (attempts >= OUTBOX_MAX_ATTEMPTS) {
      await this.markDead(message, reason, attempts);
      return;
    }
    const delay = outboxBackoffMs(attempts);
    this.metrics?.mailFailures.labels('retry').inc();
    await this.uow.run((em) =>
      em.update(OutboxMessage, { id: message.id }, {
        attempts,
        nextAttemptAt: new Date(this.clock.nowMs() + delay),
        lockedUntil: null,
        lastError: reason.slice(0, 500),
      }),
    );
    this.logger.warn(`${mailLogRef(message)} not sent (attempt ${attempts}/${OUTBOX_MAX_ATTEMPTS}, next in ${Math.round(delay / 1000)} s): ${reason}`);
  }

  /** Gives a message up: its body (and any code in it) is erased, the row stays for operators. */
  private async markDead(message: OutboxMessage, reason: string, attempts = message.attempts + 1): Promise<void> {
    this.metrics?.mailFailures.labels('dead').inc();
    await this.uow.run((em) =>
      em.update(OutboxMessage, { id: message.id }, { status: 'dead', attempts, sealedBody: null, lockedUntil: null, lastError: reason.slice(0, 500) }),
    );
    this.logger.error(`${mailLogRef(message)} given up after ${attempts} attempt(s): ${reason}`);
  }

  /** Hands claimed-but-unsent messages back without counting an attempt. */
  private async release(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.uow.run(async (em) => {
      for (const m of messages) await em.update(OutboxMessage, { id: m.id, status: 'pending' }, { lockedUntil: null });
    });
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_ERRORS.has(code);
}

/** Error code, SMTP status and message, one line, addresses reduced to their domain; never a body. */
export function describeError(error: unknown): string {
  // duck-typed: errors raised by Node's net/tls layer may come from another realm than this module's Error
  if (typeof error !== 'object' || error === null || typeof (error as { message?: unknown }).message !== 'string') return 'unknown error';
  const e = error as { message: string; code?: unknown; responseCode?: unknown };
  const parts = [typeof e.code === 'string' ? e.code : null, typeof e.responseCode === 'number' ? String(e.responseCode) : null, e.message];
  // eslint-disable-next-line no-control-regex
  const line = parts.filter(Boolean).join(' ').replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return redactAddresses(line).slice(0, 300);
}
