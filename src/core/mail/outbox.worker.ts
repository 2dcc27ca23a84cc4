import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { SecretKeys } from '../../ground/common/secrets';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { claimDueRowsReturning } from '../../ground/database/claim-due-rows';
import { hydrate, runSql, tableOf } from '../../ground/database/sql';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { WorkerLoop } from '../../ground/common/worker-loop';
import { OperationalMetrics } from '../../ground/common/metrics';
import { MailTransport } from './mail-transport';
import { OutboxMessage } from './outbox-message.entity';
import { mailLogRef, openMailBody, redactAddresses } from './mail-body';

/** How often the worker looks for due messages while the app runs. */
export const OUTBOX_POLL_INTERVAL_MS = 1_000;
/** A claimed message belongs to its worker this long; far above the SMTP timeouts of one send. */
export const OUTBOX_LEASE_MS = 2 * 60_000;
/** Messages claimed per round, at least; more with a bigger SMTP pool (4 per connection). */
export const OUTBOX_BATCH_SIZE = 20;
/** Claims per pass, so one pass cannot run forever; the next poll continues. */
export const OUTBOX_ROUNDS_PER_PASS = 50;
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
 * One pass, in rounds. Each round claims a batch of due messages with one statement: a conditional
 * UPDATE of locked_until that returns the ids it took (PostgreSQL skips the rows another instance is
 * claiming at that moment with FOR UPDATE SKIP LOCKED; SQLite runs the statement under its single
 * write lock), so two app instances never send the same message. The most urgent go first: priority
 * (a message carrying a secret before any notice, see mailPriority), then due time. The batch is sent
 * outside any transaction, up to one message per pooled SMTP connection at once; the messages the
 * server accepted are then marked sent, bodies erased, with one UPDATE, and each failure is recorded
 * with its exponential backoff; each of these statements is atomic alone and runs without BEGIN/COMMIT
 * (UnitOfWork.runAutocommit). A full batch is followed by the next round's claim, which takes a code
 * enqueued meanwhile ahead of the rest of the backlog; a batch short of full ends the pass (the kick of a
 * message enqueued meanwhile runs the next). Runs at start (a restart loses nothing), every ~1 s, and when kicked after an
 * enqueue. Only when SMTP_URL is set; otherwise messages stay in the table (dev mode, see MailService).
 *
 * Delivery is exactly once unless a process dies between the SMTP acceptance and its batch's "sent"
 * update; then those messages are sent again after their lease expires (at-least-once, never lost).
 */
@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  /** Runs the passes: at start, every OUTBOX_POLL_INTERVAL_MS, when kicked (src/ground/common/worker-loop.ts). */
  private readonly loop = new WorkerLoop(() => this.pass(), OUTBOX_POLL_INTERVAL_MS);
  /** Sends in flight at most: one per pooled SMTP connection. */
  private readonly concurrency: number;
  /** Messages claimed per round. */
  private readonly batchSize: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly secrets: SecretKeys,
    private readonly transport: MailTransport,
    @Optional() private readonly metrics?: OperationalMetrics,
  ) {
    this.concurrency = Math.max(1, transport.maxConnections);
    this.batchSize = Math.max(OUTBOX_BATCH_SIZE, this.concurrency * 4);
  }

  onApplicationBootstrap(): void {
    if (!this.config.smtpUrl) {
      this.logger.warn(
        'SMTP_URL is not set: emails are NOT sent. Each one is written to this log, codes and links included, and kept in the mail_outbox table. Development only: set SMTP_URL in production.',
      );
      return;
    }
    // Messages left pending by an earlier run are picked up now, not after the first interval.
    this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    // An in-flight pass finishes the messages it is sending and releases the rest of its claims
    // (another instance sends them at once); nothing new starts. The SMTP pool closes after this
    // (MailTransport.onApplicationShutdown).
    await this.loop.stop();
  }

  /** Wakes the worker now. Fire-and-forget: never throws, never rejects. */
  kick(): void {
    this.loop.kick();
  }

  /**
   * Sends every due message now (claim → send → mark); resolves when this pass is done and never
   * rejects. A call during a pass runs one more pass after it, so messages enqueued before the call
   * are included (and the running pass's next claim already takes them, most urgent first).
   */
  drain(): Promise<void> {
    if (!this.config.smtpUrl) return Promise.resolve();
    return this.loop.drain();
  }

  /** One pass, in rounds; true when it stopped at its round limit with messages still due. */
  private async pass(): Promise<boolean> {
    try {
      // Bounded, so one pass cannot run forever; the next poll continues (at once when messages are left).
      for (let round = 0; round < OUTBOX_ROUNDS_PER_PASS && !this.loop.stopped; round++) {
        const claimed = await this.claimDue();
        if (claimed.length === 0) return false;
        const done = await this.deliver(claimed);
        // A batch short of full took every message due at its claim; one queued since kicked this loop,
        // which runs one more pass after this one: another claim now would find nothing (one statement
        // per message at the hashing limit, where every reset queues a notice).
        if (done || claimed.length < this.batchSize) return false;
      }
      return !this.loop.stopped;
    } catch (error) {
      this.logger.error(`outbox pass failed: ${describeError(error)}`);
      return false;
    }
  }

  /** Claims up to one batch of due messages with one statement; returns them in send order. */
  private async claimDue(): Promise<OutboxMessage[]> {
    const now = this.clock.nowMs();
    const rows = await this.uow.runAutocommit((em) => claimStatement(em, now, now + OUTBOX_LEASE_MS, this.batchSize));
    return rows.sort(sendOrder);
  }

  /**
   * Sends a claimed batch, up to `concurrency` messages at once; true when the pass should end: the
   * server is unreachable, or the worker is stopping (the app shuts down: the sends in flight finish,
   * no new one starts). Either way the messages not tried are released at once, so another instance
   * sends them without waiting for the lease to expire.
   */
  private async deliver(messages: OutboxMessage[]): Promise<boolean> {
    const sent: OutboxMessage[] = [];
    let next = 0;
    let unreachable = false;
    const lane = async (): Promise<void> => {
      while (next < messages.length && !unreachable && !this.loop.stopped) {
        const message = messages[next++];
        const outcome = await this.sendOne(message);
        if (outcome === 'sent') sent.push(message);
        else if (outcome === 'unreachable') unreachable = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, messages.length) }, lane));
    await this.markSent(sent);
    await this.release(messages.slice(next));
    return unreachable || this.loop.stopped;
  }

  /** One message to the SMTP server; never rejects (a failure to record a failure is logged, the claim then expires). */
  private async sendOne(message: OutboxMessage): Promise<'sent' | 'failed' | 'unreachable'> {
    let body: { text: string; html: string };
    try {
      if (message.sealedBody == null) throw new Error('sealed body missing');
      body = openMailBody(this.secrets, message.sealedBody);
    } catch (error) {
      // A body that cannot be opened (the service secret changed, or the row was tampered with) never will be.
      await this.recording(message, () => this.markDead(message, `cannot open the sealed body: ${describeError(error)}`));
      return 'failed';
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
      await this.recording(message, () => this.markFailed(message, error));
      return isConnectionError(error) ? 'unreachable' : 'failed';
    }
    this.metrics?.mailSent.inc();
    return 'sent';
  }

  private async recording(message: OutboxMessage, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error(`${mailLogRef(message)}: could not record the failed attempt (retried once its claim expires): ${describeError(error)}`);
    }
  }

  /** Marks the messages the server accepted as sent, bodies erased: one UPDATE for the whole batch. */
  private async markSent(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const now = this.clock.nowMs();
    try {
      // Written as SQL: every notice of a D1, D4 or D5 change ends here (issue 22).
      await this.uow.runAutocommit((em) =>
        runSql(
          em,
          `UPDATE ${tableOf(em, OutboxMessage)} SET "status" = 'sent', "sent_at" = :now, "sealed_body" = NULL, "locked_until" = NULL, "last_error" = NULL, "attempts" = "attempts" + 1
           WHERE "id" IN (:...ids)`,
          { now, ids: messages.map((m) => m.id) },
        ),
      );
      for (const message of messages) this.logger.log(`${mailLogRef(message)} sent (attempt ${message.attempts + 1})`);
    } catch (error) {
      // The server has accepted them; the claims stay, so they are sent again only once the lease expires.
      for (const message of messages) this.logger.error(`${mailLogRef(message)} was sent but could not be marked sent: ${describeError(error)}`);
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
    await this.uow.runAutocommit((em) =>
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
    await this.uow.runAutocommit((em) =>
      em.update(OutboxMessage, { id: message.id }, { status: 'dead', attempts, sealedBody: null, lockedUntil: null, lastError: reason.slice(0, 500) }),
    );
    this.logger.error(`${mailLogRef(message)} given up after ${attempts} attempt(s): ${reason}`);
  }

  /** Hands claimed-but-unsent messages back without counting an attempt: one UPDATE. */
  private async release(messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.uow.runAutocommit((em) =>
      em
        .createQueryBuilder()
        .update(OutboxMessage)
        .set({ lockedUntil: null })
        .where('id IN (:...ids)', { ids: messages.map((m) => m.id) })
        .andWhere('status = :pending', { pending: 'pending' })
        .execute(),
    );
  }
}

/** Send order: priority (lower first), then due time, then age. */
function sendOrder(a: OutboxMessage, b: OutboxMessage): number {
  return a.priority - b.priority || a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime();
}

/**
 * The claim (src/ground/database/claim-due-rows.ts): one UPDATE that sets the lease on up to `limit` claimable
 * messages, most urgent first, and returns them whole (no second read); PostgreSQL skips the rows another claim
 * holds, SQLite runs it under its single write lock. Served by idx_mail_outbox_claim (status, priority, next_attempt_at).
 */
async function claimStatement(em: EntityManager, now: number, lease: number, limit: number): Promise<OutboxMessage[]> {
  const rows = await claimDueRowsReturning<Record<string, unknown>>(em, {
    table: 'mail_outbox',
    lockedUntil: lease,
    // The status as a constant, not a parameter: PostgreSQL then plans the prepared claim once (a generic plan) instead
    // of at every run (~0.25 ms of the server's CPU each, pg_stat_statements under the bench's D5 load).
    claimable: (p) => `status = 'pending' AND next_attempt_at <= ${p(now)} AND (locked_until IS NULL OR locked_until <= ${p(now)})`,
    pick: (p, claimable) => `SELECT id FROM mail_outbox WHERE ${claimable('')} ORDER BY priority ASC, next_attempt_at ASC LIMIT ${p(limit)}`,
  }, '*');
  return rows.map((row) => hydrate(em, OutboxMessage, row));
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
