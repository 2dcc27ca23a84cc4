import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `accounts.sign_in_url`: where the account's users sign in (`links.sign_in` of the account API, an
 * absolute http(s) URL, at most 2,048 characters; null = SIGN_IN_URL, or no link). The pages' success
 * pages link to it.
 *
 * Plain `ALTER TABLE … ADD/DROP COLUMN`, valid on SQLite (3.35+) and PostgreSQL alike (see
 * LinksAndLocale1764340000000): nullable, so rows written by an older instance during a rolling
 * upgrade need nothing.
 */
export class AccountSignInUrl1764420000000 implements MigrationInterface {
  name = 'AccountSignInUrl1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts ADD COLUMN sign_in_url varchar(2048) NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts DROP COLUMN sign_in_url');
  }
}
