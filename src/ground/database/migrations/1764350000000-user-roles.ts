import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `users.role`: 'owner' | 'admin' | 'member' (src/features/users/user-role.ts). Existing users: the first user of
 *   each account (oldest created_at, then id) becomes its owner, every other user a member (also users
 *   without an account).
 * - `users.is_admin`: super admins (their access token acts with scope admin on every account).
 * - `uq_users_account_owner`: at most one owner per account, even under concurrent transfers (a partial
 *   unique index, which SQLite and PostgreSQL both support).
 *
 * Plain `ALTER TABLE … ADD/DROP COLUMN` (see 1764340000000-links-and-locale.ts for why not addColumn).
 */
export class UserRoles1764350000000 implements MigrationInterface {
  name = 'UserRoles1764350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE users ADD COLUMN role varchar(10) NOT NULL DEFAULT 'member'");
    await q.query('ALTER TABLE users ADD COLUMN is_admin boolean NOT NULL DEFAULT false');
    await q.query(
      "UPDATE users SET role = 'owner' WHERE account_id IS NOT NULL AND id = " +
        '(SELECT f.id FROM users f WHERE f.account_id = users.account_id ORDER BY f.created_at, f.id LIMIT 1)',
    );
    await q.query("CREATE UNIQUE INDEX uq_users_account_owner ON users (account_id) WHERE role = 'owner'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX uq_users_account_owner');
    await q.query('ALTER TABLE users DROP COLUMN is_admin');
    await q.query('ALTER TABLE users DROP COLUMN role');
  }
}
