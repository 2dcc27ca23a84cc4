import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { UnitOfWork } from '../database/unit-of-work';
import { LoginKnownNetwork } from './login-known-network.entity';
import { LOGIN_KNOWN_NETWORK_TTL_MS } from './login-limits';

const CLEANUP_INTERVAL_MS = 60 * 60_000;

/**
 * The networks a login target has logged in from within LOGIN_KNOWN_NETWORK_TTL_MS (OWASP's "device
 * cookie", keyed to networks since this is an API). Keys are keyed hashes only (login-known-network.entity.ts).
 */
@Injectable()
export class KnownLoginNetworks implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('KnownLoginNetworks');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectRepository(LoginKnownNetwork) private readonly rows: Repository<LoginKnownNetwork>,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  /** Whether the target logged in from this network within the last 90 days. Reads only. */
  async isKnown(targetRef: string, networkRef: string): Promise<boolean> {
    return this.rows.exists({ where: { targetRef, networkRef, lastSuccessAt: MoreThan(new Date(this.clock.nowMs() - LOGIN_KNOWN_NETWORK_TTL_MS)) } });
  }

  /** Records a successful login, in the caller's transaction: one upsert. */
  async remember(em: EntityManager, targetRef: string, networkRef: string): Promise<void> {
    await em
      .createQueryBuilder()
      .insert()
      .into(LoginKnownNetwork)
      .values({ targetRef, networkRef, lastSuccessAt: new Date(this.clock.nowMs()) })
      .orUpdate(['last_success_at'], ['target_ref', 'network_ref'])
      .execute();
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.removeExpired(), CLEANUP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Forgets networks without a successful login for 90 days. */
  async removeExpired(): Promise<void> {
    try {
      await this.uow.run((em) =>
        em
          .createQueryBuilder()
          .delete()
          .from(LoginKnownNetwork)
          .where('"last_success_at" <= :cutoff', { cutoff: this.clock.nowMs() - LOGIN_KNOWN_NETWORK_TTL_MS })
          .execute(),
      );
    } catch (error) {
      this.logger.warn(`could not remove expired known login networks: ${(error as Error)?.message ?? 'unknown error'}`);
    }
  }
}
