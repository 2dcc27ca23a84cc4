import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../ground/config/app-config';
import { UnitOfWork } from '../ground/database/unit-of-work';
import { PasswordHasher } from './password/password-hasher';
import { AttemptLimiter } from '../ground/common/attempt-limiter.service';
import { Clock, SystemClock } from '../ground/common/clock';
import { DomainEvents } from '../ground/common/domain-events';

/**
 * The few providers every module uses: configuration, clock, transactions, the hasher, attempt limits, domain events.
 * Keys (SecretKeys, TokenSigner) come from the global KeysModule (src/core/keys); the AuditTrail port (src/ground/common/audit-trail.ts) is provided by the global AuditModule (src/features/audit).
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Clock, useClass: SystemClock },
        { provide: PasswordHasher, useValue: new PasswordHasher({ cost: config.bcryptCost, scheme: config.passwordHash }) },
        UnitOfWork,
        AttemptLimiter,
        DomainEvents,
      ],
      exports: [APP_CONFIG, Clock, PasswordHasher, UnitOfWork, AttemptLimiter, DomainEvents],
    };
  }
}

