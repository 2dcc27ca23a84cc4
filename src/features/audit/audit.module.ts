import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditTrail } from '../../ground/common/audit-trail';
import { requestContextMiddleware } from '../../ground/common/request-context';
import { User } from '../../core/entities/user.entity';
import { AuditEvent } from './audit-event.entity';
import { AuditEventsController } from './audit-events.controller';
import { AuditEventsService } from './audit-events.service';
import { AuditRecorder } from './audit-recorder.subscriber';
import { AuditRetentionService } from './audit-retention.service';
import { StoredAuditTrail } from './stored-audit-trail';

/**
 * Stored audit events (docs/audit.md): the one provider of the `AuditTrail` port
 * (src/ground/common/audit-trail.ts), global so every feature records through it without importing this
 * module; `GET /audit-events`; retention. Also sets the request context (client address) that
 * events recorded during a request take their `client_ip` from.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, User])],
  controllers: [AuditEventsController],
  providers: [{ provide: AuditTrail, useClass: StoredAuditTrail }, AuditEventsService, AuditRetentionService, AuditRecorder],
  exports: [AuditTrail],
})
export class AuditModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestContextMiddleware).forRoutes('*');
  }
}
