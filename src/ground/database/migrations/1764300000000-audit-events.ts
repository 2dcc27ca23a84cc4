import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Stored audit events (src/features/audit). Every filter of `GET /audit-events` has an index ending in
 * (at, id), so each page is one index range scan, newest first. Written with the QueryRunner API so
 * one migration runs on SQLite and PostgreSQL.
 */
export class AuditEvents1764300000000 implements MigrationInterface {
  name = 'AuditEvents1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'audit_events',
      columns: [
        { name: 'id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'type', type: 'varchar', length: '40' },
        { name: 'at', type: 'bigint' },
        { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
        { name: 'account_id', type: 'varchar', length: '36', isNullable: true },
        { name: 'actor_kind', type: 'varchar', length: '16' },
        { name: 'actor_id', type: 'varchar', length: '36', isNullable: true },
        { name: 'client_ip', type: 'varchar', length: '64', isNullable: true },
        { name: 'outcome', type: 'varchar', length: '40' },
        { name: 'details', type: 'text' },
      ],
      indices: [
        new TableIndex({ name: 'idx_audit_events_at', columnNames: ['at', 'id'] }),
        new TableIndex({ name: 'idx_audit_events_account_at', columnNames: ['account_id', 'at', 'id'] }),
        new TableIndex({ name: 'idx_audit_events_user_at', columnNames: ['user_id', 'at', 'id'] }),
        new TableIndex({ name: 'idx_audit_events_type_at', columnNames: ['type', 'at', 'id'] }),
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_events', true, true, true);
  }
}
