import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AttemptLimiter } from '../../ground/common/attempt-limiter.service';
import { AuditTrail } from '../../ground/common/audit-trail';
import { clientKey } from '../../ground/common/client-ip';
import { RateLimitedError } from '../../ground/common/errors/domain-errors';
import { Clock } from '../../ground/common/clock';
import { runOutsideRequestContext } from '../../ground/common/request-context';
import { SecretKeys } from '../../ground/common/secrets';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import type { MailContent } from '../mail/mail-templates';
import { MailService } from '../mail/mail.service';
import { normalizeEmail } from '../entities/email';
import { User } from '../entities/user.entity';
import { mailLimit, requestLimit, ResetDialect } from './recovery-limits';
import { RecoveryRequestRow } from './recovery-request.entity';

/**
 * Issues a dialect's code for the user in the given transaction and returns the email carrying it.
 * `request.client` is the client key the request came from (to bind the code to that network).
 */
export type RecoveryCodeIssuer = (em: EntityManager, user: User, request: { client: string }) => Promise<MailContent>;

/**
 * Called instead of the issuer when the address's mail cap was spent (no code is issued or mailed), in
 * the resolution's transaction: e.g. D5 lets the requesting network vouch for the user's live code.
 */
export type CappedRequestHandler = (em: EntityManager, user: User, request: { client: string }) => Promise<void>;

/** How often requests left over (a crash, a failed resolution) are looked for. */
const POLL_INTERVAL_MS = 5_000;
const BATCH = 20;

/**
 * The request half of recovery, shared by D4 (recover) and D5 (request), in two steps.
 *
 * On the request path, one transaction that is the same for every address (SECURITY.md C1, C2): count
 * the request per client (429 past the limit) and per address (a keyed hash; past the limit, the same
 * 200 and no mail: J4, C3), then store the sealed, normalized address as a recovery request, with
 * `mail` false when the address's mail cap is spent.
 * Nothing on this path depends on whether the address belongs to an account: no lookup, no hashing,
 * no SMTP.
 *
 * After the response (kick, and a poll for leftovers), each request is resolved in arrival order in a
 * transaction of its own: the row is deleted, the user looked up by the normalized address (C5), and
 * for an active user the dialect's code is issued and its email queued to the STORED address (C4), in
 * that same transaction (past the mail cap no code and no mail: the dialect's capped handler runs
 * instead, e.g. D5's requesting network vouches for the live code), with the `recovery.requested` audit
 * event (the user if there is one, the dialect, the client, the outcome; never the address). A crash before the commit leaves the request
 * to be resolved again; the outbox worker then sends the email, retrying while SMTP is down (C10).
 */
@Injectable()
export class RecoveryRequestService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Recovery');
  private readonly issuers = new Map<ResetDialect, { issue: RecoveryCodeIssuer; capped?: CappedRequestHandler }>();
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly limiter: AttemptLimiter,
    private readonly mail: MailService,
    private readonly secrets: SecretKeys,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
  ) {}

  /** Each dialect's use case says how its code is issued, and optionally what a request past the mail cap does. */
  registerIssuer(dialect: ResetDialect, issue: RecoveryCodeIssuer, capped?: CappedRequestHandler): void {
    this.issuers.set(dialect, { issue, capped });
  }

  /**
   * Issues the dialect's code for a user the caller already holds, now and in the caller's transaction,
   * and queues its email to the stored address: what resolving a request does, through the same issuer
   * (the admin action POST /users/{id}/password-reset). The address's mail cap (MAILS_PER_ADDRESS, shared
   * with D4/D5 requests) counts this mail too; when it is spent nothing is issued and RateLimitedError
   * (429) is thrown, which rolls the caller's transaction back. `client` names the network the code is
   * bound to (D5 lets that network redeem the code when the global guessing budget is spent).
   */
  async issueNow(em: EntityManager, dialect: ResetDialect, user: User, client: string): Promise<void> {
    const addressRef = this.secrets.lookupHash(`recovery-address:${user.emailNormalized}`);
    const { allowed, retryAfterSeconds } = await this.limiter.hit(em, mailLimit(addressRef));
    if (!allowed) throw new RateLimitedError(retryAfterSeconds);
    const issuer = this.issuers.get(dialect);
    if (!issuer) throw new Error(`no code issuer for ${dialect}`);
    await this.mail.enqueue(em, user.email, await issuer.issue(em, user, { client }));
  }

  async request(r: { dialect: ResetDialect; email: string; clientIp: string }): Promise<void> {
    const normalized = normalizeEmail(r.email);
    const addressRef = this.secrets.lookupHash(`recovery-address:${normalized}`);
    const client = clientKey(r.clientIp);
    let outcome = 'error';
    try {
      outcome = await this.uow.run(async (em) => {
        await this.limiter.hitOrThrow(em, requestLimit(client));
        const { allowed } = await this.limiter.hit(em, mailLimit(addressRef));
        // Stored either way (the same work for every request); past the mail cap it is resolved without a mail.
        await em.insert(RecoveryRequestRow, { dialect: r.dialect, sealedAddress: this.secrets.seal(normalized), client, mail: allowed, createdAt: this.clock.now() });
        return allowed ? 'queued' : 'address_limited';
      });
    } catch (error) {
      outcome = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error';
      throw error;
    } finally {
      // SECURITY.md I2: event, a hashed identifier, client, outcome; never the address or a code.
      this.logger.log(
        { event: 'password_reset.requested', dialect: r.dialect, addressRef: shortRef(addressRef), client, outcome },
        `password_reset.requested ${outcome}`,
      );
    }
    this.kick();
  }

  /** Resolves the waiting requests soon, off the request path. */
  kick(): void {
    // Outside the request's context: the resolution serves every waiting request, not the one that kicked it.
    if (!this.stopped) setImmediate(() => runOutsideRequestContext(() => void this.resolvePending()));
  }

  /**
   * Resolves every waiting request, oldest first; resolves when none is left (requests arriving
   * meanwhile included). Concurrent calls share one run.
   */
  resolvePending(): Promise<void> {
    this.again = true;
    if (!this.running) {
      this.running = (async () => {
        try {
          while (this.again && !this.stopped) {
            this.again = false;
            while (!this.stopped && (await this.resolveBatch())) {
              // until a batch comes back empty
            }
          }
        } finally {
          this.running = null;
        }
      })();
    }
    return this.running;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.resolvePending(), POLL_INTERVAL_MS);
    this.timer.unref();
    this.kick(); // requests an earlier instance accepted but did not resolve
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One batch; false when there was nothing to do or resolution failed (the poll retries). */
  private async resolveBatch(): Promise<boolean> {
    let rows: RecoveryRequestRow[];
    try {
      rows = await this.uow.run((em) => em.find(RecoveryRequestRow, { order: { seq: 'ASC' }, take: BATCH }));
    } catch (error) {
      this.logger.warn(`could not read recovery requests: ${(error as Error)?.message ?? 'unknown error'}`);
      return false;
    }
    if (rows.length === 0) return false;
    for (const row of rows) {
      if (this.stopped) return false;
      try {
        await this.resolve(row);
      } catch (error) {
        this.logger.warn(`could not resolve recovery request ${row.seq}; retrying later: ${(error as Error)?.message ?? 'unknown error'}`);
        return false;
      }
    }
    this.mail.kick();
    return true;
  }

  private async resolve(row: RecoveryRequestRow): Promise<void> {
    let userId: string | undefined;
    const outcome = await this.uow.run(async (em) => {
      // Deleting claims the request: of several instances exactly one deletes the row.
      const claimed = await em.delete(RecoveryRequestRow, { seq: row.seq });
      if (claimed.affected !== 1) return 'taken';
      const user = await em.findOneBy(User, { emailNormalized: this.secrets.open(row.sealedAddress) });
      userId = user?.id;
      const outcome = !row.mail ? 'address_limited' : !user ? 'no_such_user' : !user.isActive ? 'user_inactive' : 'sent';
      if (user?.isActive) {
        const dialect = this.issuers.get(row.dialect);
        if (!dialect) throw new Error(`no code issuer for ${row.dialect}`);
        if (row.mail) await this.mail.enqueue(em, user.email, await dialect.issue(em, user, { client: row.client }));
        else await dialect.capped?.(em, user, { client: row.client });
      }
      // Recorded here, off the request path, so the request itself still looks nothing up (SECURITY.md C1, C2).
      await this.audit.record(em, {
        type: 'recovery.requested', userId: user?.id ?? null, accountId: user?.accountId ?? null, actor: { kind: 'anonymous' },
        clientIp: row.client, outcome, details: { dialect: row.dialect },
      });
      return outcome;
    });
    if (outcome !== 'taken') {
      this.logger.log({ event: 'password_reset.code_issued', dialect: row.dialect, userId, client: row.client, outcome }, `password_reset.code_issued ${outcome}`);
    }
  }
}

/**
 * The first 16 hex digits of a keyed hash for a log line (SecretKeys.lookupHash: `<kid>:<hex>`): the
 * kid alone, which every address shares, told requests for different addresses apart by nothing (found by
 * the fresh-eyes check).
 */
export function shortRef(ref: string): string {
  return ref.slice(ref.indexOf(':') + 1).slice(0, 16);
}
