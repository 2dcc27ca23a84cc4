import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Account } from '../../core/entities/account.entity';
import { Clock } from '../../ground/common/clock';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { WorkerLoop } from '../../ground/common/worker-loop';
import { passwordExpiryWarningMail } from '../../core/mail/mail-templates';
import { MailService } from '../../core/mail/mail.service';
import { Credential } from '../../core/password/credential.entity';
import { User } from '../../core/entities/user.entity';
import { AppMetrics } from '../metrics/app-metrics';

const DAY_MS = 86_400_000;
/** How often the passwords about to expire are looked for. */
export const EXPIRY_CHECK_INTERVAL_MS = 10 * 60_000;
/** Passwords warned per threshold and pass (the next pass takes the rest). */
const BATCH = 200;

/**
 * Expiry warnings (CONTRACT.md "A change the user must make"): each user whose password expires (policy
 * maxAgeDays) is emailed once per threshold of PASSWORD_EXPIRY_WARNING_DAYS (default 14 and 3 days
 * before), through the outbox, with the way to change it. A pass runs at start and every 10 minutes:
 * per threshold, smallest first, the passwords that expire within it and were not yet warned at or
 * below it are found by `idx_credentials_expires_at` (no scan of all users), and each is claimed by one
 * conditional UPDATE of `credentials.expiry_warned_days` in the transaction that queues its email, so
 * with several instances each warning is sent once. A password that enters two thresholds at once (the
 * service was down) gets only the nearer one; a new password starts over; a disabled user, and a temporary
 * password (changed at the next login anyway), are sent nothing.
 */
@Injectable()
export class ExpiryWarnings implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ExpiryWarnings');
  /** The pass at start and every EXPIRY_CHECK_INTERVAL_MS after the previous one (the outbox workers' loop). */
  private readonly loop = new WorkerLoop(async () => {
    await this.runOnce();
    return false;
  }, EXPIRY_CHECK_INTERVAL_MS);
  private running: Promise<number> | null = null;

  constructor(
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly uow: UnitOfWork,
    private readonly mail: MailService,
    private readonly clock: Clock,
    @Optional() private readonly metrics?: AppMetrics,
  ) {}

  onModuleInit(): void {
    if (this.config.passwordExpiryWarningDays.length > 0) this.loop.start();
  }

  /** Stops the checks; resolves once the pass in flight is done, so the database closes after it (a short CLI run). */
  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
    await this.running;
  }

  /** One pass (never two at once in this instance); answers how many warnings it queued. Errors are logged, never thrown. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().catch((err: unknown) => {
      this.logger.warn({ err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'expiry warnings: pass failed; the next one retries');
      return 0;
    }).finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<number> {
    const now = this.clock.nowMs();
    let queued = 0;
    for (const days of [...this.config.passwordExpiryWarningDays].sort((a, b) => a - b)) {
      const due = await this.credentials.createQueryBuilder('c')
        .select(['c.userId', 'c.expiresAt'])
        .where('c.expiresAt > :now AND c.expiresAt <= :until', { now, until: now + days * DAY_MS })
        .andWhere('(c.expiryWarnedDays IS NULL OR c.expiryWarnedDays > :days)', { days })
        // A temporary password is changed at the next login anyway: nothing to warn of.
        .andWhere('c.mustChange = :temporary', { temporary: false })
        .orderBy('c.expiresAt', 'ASC')
        .limit(BATCH)
        .getMany();
      for (const credential of due) {
        if (!(await this.warn(credential, days, now))) continue;
        queued++;
        this.metrics?.expiryWarnings.labels(String(days)).inc();
      }
    }
    if (queued > 0) {
      this.mail.kick();
      this.logger.log({ event: 'password.expiry_warned', warnings: queued }, `queued ${queued} password expiry warning(s)`);
    }
    return queued;
  }

  /** Claims the warning for this password and threshold, and queues its email in the same transaction; false when another instance did. */
  private warn(credential: Pick<Credential, 'userId' | 'expiresAt'>, days: number, now: number): Promise<boolean> {
    return this.uow.run(async (em) => {
      const claimed = await em.createQueryBuilder().update(Credential).set({ expiryWarnedDays: days })
        .where('user_id = :userId AND expires_at = :expiresAt', { userId: credential.userId, expiresAt: credential.expiresAt!.getTime() })
        .andWhere('(expiry_warned_days IS NULL OR expiry_warned_days > :days)', { days })
        .execute();
      if (claimed.affected !== 1) return false;
      const user = await em.findOneBy(User, { id: credential.userId });
      if (!user || !user.isActive) return false;
      const account = user.accountId ? await em.findOne(Account, { where: { id: user.accountId }, select: { id: true, changePasswordUrl: true } }) : null;
      await this.mail.enqueue(em, user.email, passwordExpiryWarningMail({
        publicUrl: this.config.publicUrl, expiresAt: credential.expiresAt!, daysLeft: Math.ceil((credential.expiresAt!.getTime() - now) / DAY_MS),
        firstName: user.firstName, locale: user.locale, changePasswordUrl: account?.changePasswordUrl ?? null,
      }));
      return true;
    });
  }
}
