import { DataSourceOptions } from 'typeorm';
import { DEFAULT_POSTGRES_LIMITS, type DatabaseConfig, type PostgresTls } from '../config/app-config';
import { ensurePrivateFile } from '../config/service-secret';
import { Account } from '../../core/entities/account.entity';
import { AuditEvent } from '../../features/audit/audit-event.entity';
import { ApiKey } from '../../features/api-keys/api-key.entity';
import { LoginKnownNetwork } from '../../features/auth/login-known-network.entity';
import { RefreshToken } from '../../core/entities/refresh-token.entity';
import { AttemptCounter } from '../common/attempt-counter.entity';
import { AttemptReservation } from '../common/attempt-reservation.entity';
import { OutboxMessage } from '../../core/mail/outbox-message.entity';
import { Credential } from '../../core/password/credential.entity';
import { PasswordHistoryEntry } from '../../core/password/password-history.entity';
import { OneTimeToken } from '../../core/tokens/one-time-token.entity';
import { OneTimeTokenNetwork } from '../../core/tokens/one-time-token-network.entity';
import { RecoveryRequestRow } from '../../core/recovery/recovery-request.entity';
import { User } from '../../core/entities/user.entity';
import { InitialSchema1763900000000 } from './migrations/1763900000000-initial-schema';
import { RecoveryRequests1764000000000 } from './migrations/1764000000000-recovery-requests';
import { AuditEvents1764300000000 } from './migrations/1764300000000-audit-events';
import { AbuseBudgets1764310000000 } from './migrations/1764310000000-abuse-budgets';
import { ResetCodeNetworks1764320000000 } from './migrations/1764320000000-reset-code-networks';
import { LoginKnownNetworks1764330000000 } from './migrations/1764330000000-login-known-networks';
import { LinksAndLocale1764340000000 } from './migrations/1764340000000-links-and-locale';
import { UserRoles1764350000000 } from './migrations/1764350000000-user-roles';
import { KeyRing1764360000000 } from './migrations/1764360000000-key-ring';
import { PasswordHashSchemes1764370000000 } from './migrations/1764370000000-password-hash-schemes';
import { HotQueryIndexes1764390000000 } from './migrations/1764390000000-hot-query-indexes';
import { AccountSignUp1764411000000 } from './migrations/1764411000000-account-sign-up';
import { SignedInLifecycle1764430000000 } from './migrations/1764430000000-signed-in-lifecycle';
import { MailPriority1764380000000 } from './migrations/1764380000000-mail-priority';
import { AttemptReservations1764410000000 } from './migrations/1764410000000-attempt-reservations';
import { AccountSignInUrl1764420000000 } from './migrations/1764420000000-account-sign-in-url';
import { Webhooks1764460000000 } from './migrations/1764460000000-webhooks';
import { KeyRingRow } from '../../core/keys/key-ring.entity';
import { Webhook } from '../../features/webhooks/webhook.entity';
import { WebhookDelivery } from '../../features/webhooks/webhook-delivery.entity';
import type * as PostgresClients from './postgres-client';
import { prepareSqliteConnection, type SqlitePragmas } from './sqlite-connection';

export const ENTITIES = [Account, User, Credential, PasswordHistoryEntry, OneTimeToken, OneTimeTokenNetwork, RefreshToken, ApiKey, OutboxMessage, AttemptCounter, AttemptReservation, RecoveryRequestRow, AuditEvent, LoginKnownNetwork, KeyRingRow, Webhook, WebhookDelivery];
export const MIGRATIONS = [
  InitialSchema1763900000000, RecoveryRequests1764000000000, AuditEvents1764300000000, AbuseBudgets1764310000000, ResetCodeNetworks1764320000000,
  LoginKnownNetworks1764330000000, LinksAndLocale1764340000000,
  UserRoles1764350000000, KeyRing1764360000000, PasswordHashSchemes1764370000000, MailPriority1764380000000, HotQueryIndexes1764390000000,
  AttemptReservations1764410000000, AccountSignUp1764411000000, AccountSignInUrl1764420000000, SignedInLifecycle1764430000000,
  Webhooks1764460000000,
];

/**
 * How much later than the server's statement_timeout the client gives up on its own, in ms: normally
 * the server cancels a slow statement first (error 57014, the connection stays usable); the client's
 * timeout is for a server that does not answer at all.
 */
export const CLIENT_TIMEOUT_MARGIN_MS = 500;

/**
 * The one options object shared by the app and the TypeORM CLI (ormconfig.ts).
 * The schema belongs to the migrations: synchronize is off here and nowhere else.
 *
 * On PostgreSQL every wait is bounded (docs/database-faults.md): a connection from the pool or a new
 * one within `connectTimeoutMs`, a statement within `statementTimeoutMs` (the server's
 * statement_timeout and lock_timeout), and the client's own read timeout a little later, after which
 * the connection is thrown away (DiscardOnTimeoutClient), and parameterized statements are prepared once per
 * connection (NamedStatementClient). With `purpose: 'migrations'` (the migration
 * step, see migration-lock.ts) statements are not bounded, since a migration may legitimately run
 * long or wait for another instance's; connecting still is, and the pool holds one connection.
 */
export function buildDataSourceOptions(db: DatabaseConfig, opts: { purpose?: 'app' | 'migrations' } = {}): DataSourceOptions {
  const shared = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (db.kind === 'sqlite') {
    // The database holds password hashes: new files are readable by this user only (WAL and SHM files follow it).
    if (db.path !== ':memory:') ensurePrivateFile(db.path);
    return {
      ...shared,
      type: 'better-sqlite3',
      database: db.path,
      prepareDatabase: (conn: SqlitePragmas) => prepareSqliteConnection(conn),
    };
  }
  const poolMax = db.poolMax ?? DEFAULT_POSTGRES_LIMITS.poolMax;
  const statementTimeoutMs = db.statementTimeoutMs ?? DEFAULT_POSTGRES_LIMITS.statementTimeoutMs;
  const connectTimeoutMs = db.connectTimeoutMs ?? DEFAULT_POSTGRES_LIMITS.connectTimeoutMs;
  const ssl = postgresSsl(db.tls ?? DEFAULT_POSTGRES_LIMITS.tls);
  const bounded = opts.purpose !== 'migrations';
  // Loaded here, not at the top: a service on SQLite never loads node-postgres (~20 ms of every start).
  const { DiscardOnTimeoutClient, NamedStatementClient } = require('./postgres-client') as typeof PostgresClients;
  return {
    ...shared,
    type: 'postgres',
    url: db.url,
    ...(db.schema ? { schema: db.schema } : {}),
    ...(ssl ? { ssl } : {}),
    extra: {
      // The app's statements are prepared once per connection (NamedStatementClient); a migration's run once each.
      Client: bounded ? NamedStatementClient : DiscardOnTimeoutClient,
      max: bounded ? poolMax : 1,
      // pg-pool: the longest wait for a connection, free in the pool or newly opened (also passed to each client as its connect timeout)
      connectionTimeoutMillis: connectTimeoutMs,
      ...(bounded
        ? {
            statement_timeout: statementTimeoutMs,
            lock_timeout: statementTimeoutMs,
            query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
          }
        : {}),
      // A peer that vanished (network cut) is noticed by TCP keepalive, not only by the next query.
      keepAlive: true,
      ...(db.schema ? { options: `-c search_path=${db.schema}` } : {}),
    },
  };
}

/** node-postgres' `ssl` option for DATABASE_SSL / DATABASE_SSL_CA (false: no TLS). */
export function postgresSsl(tls: PostgresTls): false | { rejectUnauthorized: boolean; ca?: string } {
  if (tls.mode === 'disable') return false;
  return { rejectUnauthorized: tls.mode === 'verify-full', ...(tls.ca ? { ca: tls.ca } : {}) };
}
