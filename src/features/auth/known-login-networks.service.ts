import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, MoreThan, Repository, In } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { ExpiredRowsSweeper } from '../../ground/common/expired-rows';
import { runSql, tableOf } from '../../ground/database/sql';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { LoginKnownNetwork } from './login-known-network.entity';
import { LOGIN_KNOWN_NETWORK_TTL_MS } from './login-limits';

const CLEANUP_INTERVAL_MS = 60 * 60_000;

/**
 * The networks a login target has logged in from within LOGIN_KNOWN_NETWORK_TTL_MS (OWASP's "device
 * cookie", keyed to networks since this is an API). Keys are keyed hashes only (login-known-network.entity.ts).
 */
@Injectable()
export class KnownLoginNetworks implements OnModuleInit, OnModuleDestroy {
  private readonly sweeper: ExpiredRowsSweeper<LoginKnownNetwork>;

  constructor(
    @InjectRepository(LoginKnownNetwork) private readonly rows: Repository<LoginKnownNetwork>,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
  ) {
    this.sweeper = new ExpiredRowsSweeper(
      uow, LoginKnownNetwork, '"last_success_at"', () => this.clock.nowMs() - LOGIN_KNOWN_NETWORK_TTL_MS, CLEANUP_INTERVAL_MS, 'expired known login networks', 'KnownLoginNetworks',
    );
  }

  /**
   * Whether the target logged in from this network within the last 90 days. Takes the refs under every
   * lookup key (SecretKeys.lookupHashes), so a rotation forgets no network. Reads only.
   */
  async isKnown(targetRefs: string[], networkRefs: string[]): Promise<boolean> {
    return this.rows.exists({ where: { targetRef: In(targetRefs), networkRef: In(networkRefs), lastSuccessAt: MoreThan(new Date(this.clock.nowMs() - LOGIN_KNOWN_NETWORK_TTL_MS)) } });
  }

  /** Records a successful login, in the caller's transaction: one upsert. */
  async remember(em: EntityManager, targetRef: string, networkRef: string): Promise<void> {
    await runSql(
      em,
      `INSERT INTO ${tableOf(em, LoginKnownNetwork)} ("target_ref", "network_ref", "last_success_at") VALUES (:targetRef, :networkRef, :now)
       ON CONFLICT ("target_ref", "network_ref") DO UPDATE SET "last_success_at" = EXCLUDED."last_success_at"`,
      { targetRef, networkRef, now: this.clock.nowMs() },
    );
  }

  onModuleInit(): void {
    this.sweeper.start();
  }

  onModuleDestroy(): void {
    this.sweeper.stop();
  }

  /** Forgets networks without a successful login for 90 days. */
  removeExpired(): Promise<void> {
    return this.sweeper.sweep();
  }
}
