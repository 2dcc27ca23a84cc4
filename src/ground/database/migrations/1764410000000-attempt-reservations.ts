import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Issue 18 §5, budget reservations that leaked: `attempt_reservations` (src/ground/common/attempt-reservation.entity.ts)
 * holds the attempts in flight on a budget, each with the end of its lease, apart from the failures counted in
 * `attempt_counters`. Before, a reservation was a count in attempt_counters that a success gave back, so a
 * process killed mid-request left failures that never happened. The primary key (key, id) finds a key's holds;
 * the index on expires_at serves the sweep of lapsed ones. QueryRunner API: runs on SQLite and PostgreSQL.
 */
export class AttemptReservations1764410000000 implements MigrationInterface {
  name = 'AttemptReservations1764410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'attempt_reservations',
      columns: [
        { name: 'key', type: 'varchar', length: '200', isPrimary: true },
        { name: 'id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'expires_at', type: 'bigint' },
      ],
      indices: [new TableIndex({ name: 'idx_attempt_reservations_expires_at', columnNames: ['expires_at'] })],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('attempt_reservations', true, true, true);
  }
}
