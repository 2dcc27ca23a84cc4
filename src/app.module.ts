import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule, PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';
import type { DestinationStream, Logger as Pino } from 'pino';
import { AccountsModule } from './features/accounts/accounts.module';
import { ApiKeysModule } from './features/api-keys/api-keys.module';
import { AuditModule } from './features/audit/audit.module';
import { AuthModule } from './features/auth/auth.module';
import { GlobalAuthGuard } from './access/auth.guard';
import { CoreModule } from './core/core.module';
import { DialectExceptionFilter } from './edge/errors/dialect-exception.filter';
import { CallerThrottlerGuard } from './ground/common/rate-limit/caller-throttler.guard';
import { createHttpLogger, createRootLogger, HTTP_LOGGER, loggerModuleParams, ServiceLogger } from './ground/common/logging';
import { createThrottlerStorage } from './ground/common/rate-limit/resilient-throttler-storage';
import type { AppConfig } from './ground/config/app-config';
import { buildDataSourceOptions } from './ground/database/data-source-options';
import { openMigratedDataSource } from './ground/database/migration-lock';
import { HealthModule } from './features/health/health.module';
import { KeysModule } from './core/keys/keys.module';
import { JwksModule } from './features/keys/jwks.module';
import { IntegratorModule } from './edge/integrator/integrator.module';
import { MailModule } from './core/mail/mail.module';
import { MetricsModule } from './features/metrics/metrics.module';
import { PasswordModule } from './core/password/password.module';
import { PasswordResetModule } from './edge/password-reset/password-reset.module';
import { PagesModule } from './edge/pages/pages.module';
import { PasswordExpiryModule } from './features/password-expiry/password-expiry.module';
import { OAuthModule } from './features/oauth/oauth.module';
import { TokensModule } from './core/tokens/tokens.module';
import { UsersModule } from './features/users/users.module';
import { UserActionsModule } from './features/users/user-actions.module';
import { WebhooksModule } from './features/webhooks/webhooks.module';

@Module({})
export class AppModule {
  /** The whole service for one configuration; main.ts and the e2e tests build it the same way. */
  static forRoot(config: AppConfig, options: { logDestination?: DestinationStream; logger?: Pino } = {}): DynamicModule {
    // One pino logger for the request lines (mounted first by configureApp) and everything else.
    const logger = options.logger ?? createRootLogger(config, options.logDestination);
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        LoggerModule.forRoot(loggerModuleParams(logger)),
        // Migrations run before the app's data source opens, under a lock every instance takes (migration-lock.ts).
        TypeOrmModule.forRootAsync({
          // No retries: main.ts has checked the database (preflight.ts); a failure now is reported at once, in one line.
          useFactory: () => ({ ...buildDataSourceOptions(config.database), retryAttempts: 0 }),
          dataSourceFactory: (options) => openMigratedDataSource(config.database, options),
        }),
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', ttl: 60_000, limit: config.rateLimitPerMinute }],
          // Redis when REDIS_URL is set, this instance's memory when it is not or while Redis is down.
          storage: createThrottlerStorage(config),
        }),
        KeysModule.forRoot(config),
        JwksModule,
        AuditModule,
        TokensModule,
        MailModule,
        PasswordModule,
        ApiKeysModule,
        AuthModule,
        OAuthModule,
        UsersModule,
        AccountsModule,
        IntegratorModule,
        PasswordResetModule,
        UserActionsModule,
        WebhooksModule,
        PagesModule,
        HealthModule,
        MetricsModule,
        PasswordExpiryModule,
      ],
      providers: [
        { provide: HTTP_LOGGER, useFactory: () => createHttpLogger(logger) },
        {
          provide: ServiceLogger,
          useFactory: (pinoLogger: PinoLogger, params: Params) => new ServiceLogger(pinoLogger, params),
          inject: [PinoLogger, PARAMS_PROVIDER_TOKEN],
        },
        // Order matters: throttle first (per key for authenticated callers, per address otherwise), then authenticate (deny by default).
        { provide: APP_GUARD, useClass: CallerThrottlerGuard },
        { provide: APP_GUARD, useClass: GlobalAuthGuard },
        { provide: APP_FILTER, useClass: DialectExceptionFilter },
      ],
    };
  }
}
