import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/** The kinds of the notices when this migration was written (NOTICE_KINDS in src/core/mail/mail-templates.ts). */
const NOTICE_KINDS = ['password-set', 'password-changed'];

/**
 * `mail_outbox.priority`: the send order, lower first (0 carries a secret, 1 is a notice), so a
 * burst of "password changed" notices never delays a code. Existing rows are backfilled from their
 * kind. The claim index `idx_mail_outbox_claim (status, priority, next_attempt_at)` replaces
 * `idx_mail_outbox_due (status, next_attempt_at)`: it serves the worker's claim (pending rows in
 * priority, then due order) on SQLite and PostgreSQL alike.
 *
 * Plain `ALTER TABLE … ADD/DROP COLUMN`, valid on SQLite (3.35+) and PostgreSQL: the default 0 means
 * a row written by an older instance during a rolling upgrade is never sent late.
 */
export class MailPriority1764380000000 implements MigrationInterface {
  name = 'MailPriority1764380000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE mail_outbox ADD COLUMN priority smallint NOT NULL DEFAULT 0');
    const kinds = NOTICE_KINDS.map((k) => `'${k}'`).join(', ');
    await q.query(`UPDATE mail_outbox SET priority = 1 WHERE kind IN (${kinds})`);
    await q.query('DROP INDEX idx_mail_outbox_due');
    await q.createIndex('mail_outbox', new TableIndex({ name: 'idx_mail_outbox_claim', columnNames: ['status', 'priority', 'next_attempt_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX idx_mail_outbox_claim');
    await q.query('ALTER TABLE mail_outbox DROP COLUMN priority');
    await q.createIndex('mail_outbox', new TableIndex({ name: 'idx_mail_outbox_due', columnNames: ['status', 'next_attempt_at'] }));
  }
}
