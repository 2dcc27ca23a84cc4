import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `accounts.links`: the account's own link templates for its users' emails (JSON text, null = the
 *   configured ones; src/core/mail/secret-links.ts).
 * - `users.locale`: the language the user is written to in (src/ground/common/locale.ts; null = not chosen).
 *
 * Plain `ALTER TABLE … ADD/DROP COLUMN`, valid on SQLite (3.35+) and PostgreSQL alike: on SQLite the
 * QueryRunner's addColumn rebuilds the table, and rebuilding `users` would run the ON DELETE actions of
 * the tables that reference it.
 */
export class LinksAndLocale1764340000000 implements MigrationInterface {
  name = 'LinksAndLocale1764340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE accounts ADD COLUMN links text NULL');
    await q.query('ALTER TABLE users ADD COLUMN locale varchar(10) NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE users DROP COLUMN locale');
    await q.query('ALTER TABLE accounts DROP COLUMN links');
  }
}
