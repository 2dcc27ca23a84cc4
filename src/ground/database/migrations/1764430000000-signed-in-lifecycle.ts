import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * The signed-in half of the lifecycle (CONTRACT.md "Third round"):
 * - `credentials.must_change`: an administrator set the password as temporary; the next login gets
 *   403 PASSWORD_CHANGE_REQUIRED and a change token instead of a session.
 * - `credentials.expiry_warned_days`: the smallest PASSWORD_EXPIRY_WARNING_DAYS threshold whose warning
 *   this password was sent (null: none yet), so each threshold is mailed once per password.
 * - `idx_credentials_expires_at`: the warning job finds the passwords about to expire without a scan.
 * - `accounts.change_password_url` (`links.change_password`): where the account's users change their
 *   password; the notices link to it (null: the service's reset page).
 * Plain `ALTER TABLE … ADD/DROP COLUMN` (see 1764340000000-links-and-locale.ts for why not addColumn).
 */
export class SignedInLifecycle1764430000000 implements MigrationInterface {
  name = 'SignedInLifecycle1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE credentials ADD COLUMN must_change boolean NOT NULL DEFAULT false');
    await q.query('ALTER TABLE credentials ADD COLUMN expiry_warned_days integer NULL');
    await q.createIndex('credentials', new TableIndex({ name: 'idx_credentials_expires_at', columnNames: ['expires_at'] }));
    await q.query('ALTER TABLE accounts ADD COLUMN change_password_url varchar(2048) NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts DROP COLUMN change_password_url');
    await q.dropIndex('credentials', 'idx_credentials_expires_at');
    await q.query('ALTER TABLE credentials DROP COLUMN expiry_warned_days');
    await q.query('ALTER TABLE credentials DROP COLUMN must_change');
  }
}
