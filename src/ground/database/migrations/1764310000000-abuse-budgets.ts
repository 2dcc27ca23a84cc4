import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Abuse budgets (README "Abuse budgets"):
 * - `api_keys.rate_limit_per_minute`: the key's own request budget; null = API_KEY_RATE_LIMIT_PER_MINUTE.
 * - `one_time_tokens.issued_to_network`: a keyed hash of the client network that requested the secret
 *   (D5 reset codes, sign-up verification codes), so the owner can still redeem it from there when the
 *   global guessing budget is spent. Never the address itself.
 */
export class AbuseBudgets1764310000000 implements MigrationInterface {
  name = 'AbuseBudgets1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('api_keys', new TableColumn({ name: 'rate_limit_per_minute', type: 'integer', isNullable: true }));
    await q.addColumn('one_time_tokens', new TableColumn({ name: 'issued_to_network', type: 'varchar', length: '64', isNullable: true }));
    await q.createIndex('one_time_tokens', new TableIndex({ name: 'idx_one_time_tokens_issued_to_network', columnNames: ['issued_to_network'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('one_time_tokens', 'idx_one_time_tokens_issued_to_network');
    await q.dropColumn('one_time_tokens', 'issued_to_network');
    await q.dropColumn('api_keys', 'rate_limit_per_minute');
  }
}
