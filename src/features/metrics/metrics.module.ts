import { Global, Module } from '@nestjs/common';
import { OperationalMetrics } from '../../ground/common/metrics';
import { AppMetrics } from './app-metrics';
import { MetricsController } from './metrics.controller';
import { UserEventsMetrics } from './user-events.subscriber';

/**
 * GET /metrics (Prometheus). Global, so the places that count (the limiters, the outbox worker) can
 * take the OperationalMetrics port (src/ground/common/metrics.ts) without importing this module; they take it as optional, so unit tests need none.
 */
@Global()
@Module({
  controllers: [MetricsController], providers: [AppMetrics, { provide: OperationalMetrics, useExisting: AppMetrics }, UserEventsMetrics],
  exports: [AppMetrics, OperationalMetrics],
})
export class MetricsModule {}
