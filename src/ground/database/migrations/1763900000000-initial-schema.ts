import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

// Written with the QueryRunner API so one migration runs on SQLite and PostgreSQL.
const id = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true });
const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable });
const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const int = (name: string): TableColumnOptions => ({ name, type: 'integer', default: 0 });
const bool = (name: string, dflt: boolean): TableColumnOptions => ({ name, type: 'boolean', default: dflt });
const fk = (column: string, table: string, onDelete: 'CASCADE' | 'SET NULL' = 'CASCADE') =>
  new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete });

export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'accounts',
      columns: [id(), str('name', 200), { name: 'password_policy', type: 'text' }, time('created_at'), time('updated_at')],
    }));
    await q.createTable(new Table({
      name: 'users',
      columns: [
        id(), ref('account_id', true), str('email', 320), str('email_normalized', 320),
        str('first_name', 100, true), str('last_name', 100, true),
        bool('is_email_verified', false), bool('is_active', true), { ...str('provider', 20), default: "'email'" },
        time('credentials_changed_at', true), time('created_at'), time('updated_at'),
      ],
      foreignKeys: [fk('account_id', 'accounts', 'SET NULL')],
      indices: [new TableIndex({ name: 'uq_users_email_normalized', columnNames: ['email_normalized'], isUnique: true }),
        new TableIndex({ name: 'idx_users_account', columnNames: ['account_id'] })],
    }));
    await q.createTable(new Table({
      name: 'credentials',
      columns: [id('user_id'), str('hash', 100), str('algorithm', 40), time('set_at'), time('expires_at', true)],
      foreignKeys: [new TableForeignKey({ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
    }));
    await q.createTable(new Table({
      name: 'password_history',
      columns: [id(), ref('user_id'), { name: 'seq', type: 'integer' }, str('hash', 100), str('algorithm', 40), time('created_at')],
      foreignKeys: [fk('user_id', 'users')],
      indices: [new TableIndex({ name: 'idx_password_history_user_seq', columnNames: ['user_id', 'seq'], isUnique: true })],
    }));
    await q.createTable(new Table({
      name: 'one_time_tokens',
      columns: [id(), ref('user_id'), str('purpose', 40), str('secret_hash', 64), time('expires_at'), time('used_at', true), int('attempts'), time('created_at')],
      foreignKeys: [fk('user_id', 'users')],
      indices: [
        new TableIndex({ name: 'uq_one_time_tokens_secret_hash', columnNames: ['secret_hash'], isUnique: true }),
        new TableIndex({ name: 'idx_one_time_tokens_user_purpose', columnNames: ['user_id', 'purpose'] }),
      ],
    }));
    await q.createTable(new Table({
      name: 'refresh_tokens',
      columns: [id(), ref('user_id'), ref('family_id'), str('token_hash', 64), time('expires_at'), time('rotated_at', true), time('revoked_at', true), time('created_at')],
      foreignKeys: [fk('user_id', 'users')],
      indices: [
        new TableIndex({ name: 'uq_refresh_tokens_token_hash', columnNames: ['token_hash'], isUnique: true }),
        new TableIndex({ name: 'idx_refresh_tokens_user', columnNames: ['user_id'] }),
        new TableIndex({ name: 'idx_refresh_tokens_family', columnNames: ['family_id'] }),
      ],
    }));
    await q.createTable(new Table({
      name: 'api_keys',
      columns: [id(), str('name', 200), str('key_hash', 64), { name: 'scopes', type: 'text' }, ref('account_id', true), time('created_at'), time('last_used_at', true), time('revoked_at', true)],
      foreignKeys: [fk('account_id', 'accounts')],
      indices: [new TableIndex({ name: 'uq_api_keys_key_hash', columnNames: ['key_hash'], isUnique: true })],
    }));
    await q.createTable(new Table({
      name: 'mail_outbox',
      columns: [
        id(), str('recipient', 320), str('subject', 300), str('kind', 60), { name: 'sealed_body', type: 'text', isNullable: true },
        { ...str('status', 16), default: "'pending'" }, int('attempts'), time('next_attempt_at'), time('locked_until', true),
        str('last_error', 500, true), time('created_at'), time('sent_at', true),
      ],
      indices: [new TableIndex({ name: 'idx_mail_outbox_due', columnNames: ['status', 'next_attempt_at'] })],
    }));
    await q.createTable(new Table({
      name: 'attempt_counters',
      columns: [{ name: 'key', type: 'varchar', length: '200', isPrimary: true }, int('count'), time('window_started_at')],
    }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['attempt_counters', 'mail_outbox', 'api_keys', 'refresh_tokens', 'one_time_tokens', 'password_history', 'credentials', 'users', 'accounts']) {
      await q.dropTable(table);
    }
  }
}
