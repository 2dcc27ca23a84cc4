import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self sign-up into an account (CONTRACT.md "No escalation"): `accounts.self_sign_up` (anyone may join
 * with POST /auth/signup) and `accounts.sign_up_domains` (a JSON array of email domains whose addresses
 * may join). Both default to closed: existing accounts accept no self sign-up until an admin opens them.
 * Plain `ALTER TABLE … ADD/DROP COLUMN` (see 1764340000000-links-and-locale.ts for why not addColumn).
 */
export class AccountSignUp1764411000000 implements MigrationInterface {
  name = 'AccountSignUp1764411000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts ADD COLUMN self_sign_up boolean NOT NULL DEFAULT false');
    await q.query("ALTER TABLE accounts ADD COLUMN sign_up_domains text NOT NULL DEFAULT '[]'");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts DROP COLUMN sign_up_domains');
    await q.query('ALTER TABLE accounts DROP COLUMN self_sign_up');
  }
}
