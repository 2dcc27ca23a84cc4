import { Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEvents } from '../../ground/common/domain-events';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { AppMetrics } from './app-metrics';

/** Counts every domain event once its change has committed (`user_lifecycle_events_total`); a rollback counts nothing. */
@Injectable()
export class UserEventsMetrics implements OnModuleInit {
  constructor(private readonly events: DomainEvents, private readonly uow: UnitOfWork, private readonly metrics: AppMetrics) {}

  onModuleInit(): void {
    this.events.subscribe('record', 'metrics: user events', async (em, event) => {
      const via = 'via' in event ? event.via : '';
      this.uow.afterCommit(em, () => this.metrics.userEvents.labels(event.type, via).inc());
    });
  }
}
