import { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config';
import { ensurePrivateFile } from '../config/service-secret';
import { Account } from '../accounts/account.entity';
import { ApiKey } from '../api-keys/api-key.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { AttemptCounter } from '../common/attempt-counter.entity';
import { OutboxMessage } from '../mail/outbox-message.entity';
import { Credential } from '../password/credential.entity';
import { PasswordHistoryEntry } from '../password/password-history.entity';
import { OneTimeToken } from '../tokens/one-time-token.entity';
import { RecoveryRequestRow } from '../password-reset/recovery-request.entity';
import { User } from '../users/user.entity';
import { InitialSchema1763900000000 } from './migrations/1763900000000-initial-schema';
import { RecoveryRequests1764000000000 } from './migrations/1764000000000-recovery-requests';
import { AbuseBudgets1764310000000 } from './migrations/1764310000000-abuse-budgets';

export const ENTITIES = [Account, User, Credential, PasswordHistoryEntry, OneTimeToken, RefreshToken, ApiKey, OutboxMessage, AttemptCounter, RecoveryRequestRow];
export const MIGRATIONS = [InitialSchema1763900000000, RecoveryRequests1764000000000, AbuseBudgets1764310000000];

/**
 * The one options object shared by the app and the TypeORM CLI (ormconfig.ts).
 * The schema belongs to the migrations: synchronize is off here and nowhere else.
 */
export function buildDataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const shared = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (db.kind === 'sqlite') {
    // The database holds password hashes: new files are readable by this user only (WAL and SHM files follow it).
    if (db.path !== ':memory:') ensurePrivateFile(db.path);
    return {
      ...shared,
      type: 'better-sqlite3',
      database: db.path,
      prepareDatabase: (conn: { pragma(s: string): unknown }) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('foreign_keys = ON');
      },
    };
  }
  return {
    ...shared,
    type: 'postgres',
    url: db.url,
    ...(db.schema ? { schema: db.schema } : {}),
    extra: {
      max: 10,
      connectionTimeoutMillis: 3000,
      ...(db.schema ? { options: `-c search_path=${db.schema}` } : {}),
    },
  };
}
