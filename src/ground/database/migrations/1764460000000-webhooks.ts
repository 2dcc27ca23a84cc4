import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';

/**
 * Webhooks (CONTRACT.md "Webhooks", src/features/webhooks): `webhooks`, an account's subscriptions (secrets
 * sealed, never hashed: the service signs with them), and `webhook_deliveries`, the durable outbox the
 * domain events write into in the transaction of each change and the delivery worker claims from.
 * Both go with their account (and the deliveries with their webhook): ON DELETE CASCADE. Written with
 * the QueryRunner API so one migration runs on SQLite and PostgreSQL.
 */
export class Webhooks1764460000000 implements MigrationInterface {
  name = 'Webhooks1764460000000';

  async up(q: QueryRunner): Promise<void> {
    const time = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });
    await q.createTable(new Table({
      name: 'webhooks',
      columns: [
        { name: 'id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'account_id', type: 'varchar', length: '36' },
        { name: 'url', type: 'varchar', length: '2048' },
        { name: 'events', type: 'text', isNullable: true },
        { name: 'sealed_secret', type: 'text' },
        { name: 'sealed_previous_secret', type: 'text', isNullable: true },
        time('previous_secret_expires_at', true),
        { name: 'enabled', type: 'boolean', default: true },
        { name: 'paused_reason', type: 'varchar', length: '16', isNullable: true },
        time('paused_at', true),
        time('failing_since', true),
        time('created_at'),
        time('updated_at'),
      ],
      foreignKeys: [new TableForeignKey({ columnNames: ['account_id'], referencedTableName: 'accounts', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      indices: [new TableIndex({ name: 'idx_webhooks_account', columnNames: ['account_id'] })],
    }));
    await q.createTable(new Table({
      name: 'webhook_deliveries',
      columns: [
        { name: 'id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'webhook_id', type: 'varchar', length: '36' },
        { name: 'event_id', type: 'varchar', length: '36' },
        { name: 'event_type', type: 'varchar', length: '40' },
        { name: 'payload', type: 'text' },
        { name: 'status', type: 'varchar', length: '16', default: "'pending'" },
        { name: 'attempts', type: 'integer', default: 0 },
        time('next_attempt_at'),
        time('locked_until', true),
        { name: 'last_status', type: 'integer', isNullable: true },
        { name: 'last_error', type: 'varchar', length: '300', isNullable: true },
        time('created_at'),
        time('finished_at', true),
      ],
      foreignKeys: [new TableForeignKey({ columnNames: ['webhook_id'], referencedTableName: 'webhooks', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      indices: [
        new TableIndex({ name: 'idx_webhook_deliveries_claim', columnNames: ['status', 'next_attempt_at'] }),
        new TableIndex({ name: 'idx_webhook_deliveries_webhook', columnNames: ['webhook_id', 'status'] }),
        new TableIndex({ name: 'idx_webhook_deliveries_finished', columnNames: ['finished_at'] }),
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_deliveries', true, true, true);
    await q.dropTable('webhooks', true, true, true);
  }
}
