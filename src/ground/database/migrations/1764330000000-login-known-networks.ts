import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * `login_known_networks` (src/features/auth/known-login-networks.service.ts): the networks each login target
 * logged in from, as keyed hashes, with the time of the latest success (epoch ms). The index serves
 * the periodic removal of entries older than 90 days. QueryRunner API: runs on SQLite and PostgreSQL.
 */
export class LoginKnownNetworks1764330000000 implements MigrationInterface {
  name = 'LoginKnownNetworks1764330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'login_known_networks',
      columns: [
        { name: 'target_ref', type: 'varchar', length: '64', isPrimary: true },
        { name: 'network_ref', type: 'varchar', length: '64', isPrimary: true },
        { name: 'last_success_at', type: 'bigint' },
      ],
      indices: [new TableIndex({ name: 'idx_login_known_networks_last_success_at', columnNames: ['last_success_at'] })],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('login_known_networks', true, true, true);
  }
}
