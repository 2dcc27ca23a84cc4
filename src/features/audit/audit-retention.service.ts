import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { Clock } from '../../ground/common/clock';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { AuditEvent } from './audit-event.entity';

const SWEEP_INTERVAL_MS = 60 * 60_000;
const BATCH = 1000;
const DAY_MS = 86_400_000;

/**
 * Deletes audit events older than AUDIT_RETENTION_DAYS (0 keeps them for ever): at start and every
 * hour, oldest first, in batches of 1000 so no transaction is long.
 */
@Injectable()
export class AuditRetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Immediate | null = null;
  private running: Promise<number> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, private readonly clock: Clock, private readonly uow: UnitOfWork) {}

  onApplicationBootstrap(): void {
    if (this.config.auditRetentionDays === 0) return;
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    this.first = setImmediate(() => void this.sweep());
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearImmediate(this.first);
    this.timer = null;
    this.first = null;
    await this.running?.catch(() => undefined);
  }

  /** Deletes every expired event; returns how many. Concurrent calls share one run. */
  sweep(): Promise<number> {
    this.running ??= this.deleteExpired().finally(() => (this.running = null));
    return this.running;
  }

  private async deleteExpired(): Promise<number> {
    if (this.config.auditRetentionDays === 0) return 0;
    const cutoff = this.clock.nowMs() - this.config.auditRetentionDays * DAY_MS;
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.uow.run(async (em) => {
          const ids = await em.createQueryBuilder(AuditEvent, 'e').select('e.id', 'id').where('e.at < :cutoff', { cutoff }).orderBy('e.at', 'ASC').limit(BATCH).getRawMany<{ id: string }>();
          if (ids.length === 0) return 0;
          await em.createQueryBuilder().delete().from(AuditEvent).whereInIds(ids.map((r) => r.id)).execute();
          return ids.length;
        });
        total += deleted;
        if (deleted < BATCH) break;
      }
    } catch (error) {
      this.logger.warn(`audit retention sweep failed; retrying next hour: ${(error as Error)?.message ?? 'unknown error'}`);
    }
    if (total > 0) this.logger.log(`audit retention: deleted ${total} events older than ${this.config.auditRetentionDays} days`);
    return total;
  }
}
