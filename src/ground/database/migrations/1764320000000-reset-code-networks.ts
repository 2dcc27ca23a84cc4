import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';

/**
 * Lockout fix for the D5 guessing budget (docs/recovery.md, "Guessing budget"):
 * - `one_time_token_networks`: every client network (keyed hash) that vouched for a D5 code, i.e. asked
 *   for a code for that user while it was live. Filled from `one_time_tokens.issued_to_network` for the
 *   live reset codes, which D5 no longer writes (sign-up verification codes still do).
 * - `recovery_requests.mail`: false when the address's mail cap was spent; such a request is still
 *   stored and resolved, without a mail.
 */
export class ResetCodeNetworks1764320000000 implements MigrationInterface {
  name = 'ResetCodeNetworks1764320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'one_time_token_networks',
      columns: [
        { name: 'token_id', type: 'varchar', length: '36', isPrimary: true },
        { name: 'network', type: 'varchar', length: '64', isPrimary: true },
        { name: 'added_at', type: 'bigint' },
      ],
      foreignKeys: [new TableForeignKey({ columnNames: ['token_id'], referencedTableName: 'one_time_tokens', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      indices: [new TableIndex({ name: 'idx_one_time_token_networks_network_added', columnNames: ['network', 'added_at'] })],
    }));
    await q.query(
      `INSERT INTO one_time_token_networks (token_id, network, added_at)
       SELECT id, issued_to_network, created_at FROM one_time_tokens
       WHERE purpose = 'reset_code' AND issued_to_network IS NOT NULL AND used_at IS NULL`,
    );
    await q.addColumn('recovery_requests', new TableColumn({ name: 'mail', type: 'boolean', default: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('recovery_requests', 'mail');
    // Back to one network per code: the one that requested it, as before (null when none did).
    await q.query(
      `UPDATE one_time_tokens SET issued_to_network = (
         SELECT n.network FROM one_time_token_networks n WHERE n.token_id = one_time_tokens.id ORDER BY n.added_at ASC, n.network ASC LIMIT 1
       ) WHERE purpose = 'reset_code' AND issued_to_network IS NULL`,
    );
    await q.dropTable('one_time_token_networks');
  }
}
