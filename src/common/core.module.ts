import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { resolveServiceSecret } from '../config/service-secret';
import { UnitOfWork } from '../database/unit-of-work';
import { PasswordHasher } from '../password/password-hasher';
import { AttemptLimiter } from './attempt-limiter.service';
import { Clock, SystemClock } from './clock';
import { SecretKeys } from './secrets';

/**
 * The few providers every module uses: configuration, clock, keys, transactions, the hasher, attempt limits.
 * The AuditTrail port (./audit-trail.ts) is provided by the global AuditModule (src/audit).
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, serviceSecret = resolveServiceSecret(config)): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Clock, useClass: SystemClock },
        { provide: SecretKeys, useValue: new SecretKeys(serviceSecret) },
        { provide: SERVICE_SECRET, useValue: serviceSecret },
        { provide: PasswordHasher, useValue: new PasswordHasher({ cost: config.bcryptCost }) },
        UnitOfWork,
        AttemptLimiter,
      ],
      exports: [APP_CONFIG, Clock, SecretKeys, SERVICE_SECRET, PasswordHasher, UnitOfWork, AttemptLimiter],
    };
  }
}

/** The raw service secret (JWT signing key); only the auth module's JWT setup should need it. */
export const SERVICE_SECRET = Symbol('SERVICE_SECRET');
