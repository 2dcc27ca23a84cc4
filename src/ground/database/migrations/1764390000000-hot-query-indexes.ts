import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Issue 12, latency independent of the number of users: the indexes test/e2e/query-plans.e2e-spec.ts
 * found missing (it reads the plan of every statement the hot paths run, on SQLite and PostgreSQL).
 * - `attempt_counters (window_started_at)`: the sweep of ended windows (AttemptLimiter.removeExpired,
 *   every few minutes) deleted with a full scan of every counter (one per client, target and key).
 * - `users (account_id, created_at, id)`: `GET /accounts/{id}/users` pages newest first by
 *   (created_at, id); with `account_id` alone every page sorted all the account's users. It also
 *   serves every `account_id` lookup, so it replaces `idx_users_account`.
 * Written with the QueryRunner API so the same code runs on SQLite and PostgreSQL; fully reversible.
 */
export class HotQueryIndexes1764390000000 implements MigrationInterface {
  name = 'HotQueryIndexes1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex('attempt_counters', new TableIndex({ name: 'idx_attempt_counters_window_started_at', columnNames: ['window_started_at'] }));
    await q.createIndex('users', new TableIndex({ name: 'idx_users_account_created', columnNames: ['account_id', 'created_at', 'id'] }));
    await q.dropIndex('users', 'idx_users_account');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createIndex('users', new TableIndex({ name: 'idx_users_account', columnNames: ['account_id'] }));
    await q.dropIndex('users', 'idx_users_account_created');
    await q.dropIndex('attempt_counters', 'idx_attempt_counters_window_started_at');
  }
}
