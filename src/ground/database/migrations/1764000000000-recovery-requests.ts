import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Recovery requests waiting to be resolved after the response (see recovery-request.entity.ts). */
export class RecoveryRequests1764000000000 implements MigrationInterface {
  name = 'RecoveryRequests1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'recovery_requests',
      columns: [
        { name: 'seq', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: 'dialect', type: 'varchar', length: '2' },
        { name: 'sealed_address', type: 'text' },
        { name: 'client', type: 'varchar', length: '64' },
        { name: 'created_at', type: 'bigint' },
      ],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('recovery_requests');
  }
}
