import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Stored hashes now carry their key id (`<kid>:<hex>`, up to 40 + 1 + 64 characters): the columns widen. */
const HASH_COLUMNS: Array<[table: string, column: string, nullable: boolean]> = [
  ['one_time_tokens', 'secret_hash', false],
  ['one_time_tokens', 'issued_to_network', true],
  ['one_time_token_networks', 'network', false],
  ['refresh_tokens', 'token_hash', false],
  ['api_keys', 'key_hash', false],
  ['login_known_networks', 'target_ref', false],
  ['login_known_networks', 'network_ref', false],
];

/**
 * `key_ring` (src/core/keys/key-ring.ts): the signing, lookup and seal keys, their material sealed with
 * the master key, one active key per purpose (a partial unique index), retired keys kept. Widens the
 * hash columns to hold a key id prefix. QueryRunner API and plain ALTERs: runs on SQLite and PostgreSQL
 * (SQLite does not enforce varchar lengths, so only PostgreSQL's columns change).
 */
export class KeyRing1764360000000 implements MigrationInterface {
  name = 'KeyRing1764360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(new Table({
      name: 'key_ring',
      columns: [
        { name: 'id', type: 'varchar', length: '40', isPrimary: true },
        { name: 'purpose', type: 'varchar', length: '16' },
        { name: 'algorithm', type: 'varchar', length: '16' },
        { name: 'public_jwk', type: 'text', isNullable: true },
        { name: 'sealed_material', type: 'text' },
        { name: 'active', type: 'boolean' },
        { name: 'created_at', type: 'bigint' },
        { name: 'retired_at', type: 'bigint', isNullable: true },
      ],
    }));
    const isPostgres = q.connection.options.type === 'postgres';
    await q.createIndex('key_ring', new TableIndex({
      name: 'uq_key_ring_active_purpose', columnNames: ['purpose'], isUnique: true, where: isPostgres ? 'active = true' : 'active = 1',
    }));
    if (isPostgres) {
      for (const [table, column] of HASH_COLUMNS) await q.query(`ALTER TABLE "${table}" ALTER COLUMN "${column}" TYPE varchar(128)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // The ring holds the only copies of the keys every stored hash, sealed body and token depends on:
    // dropping it would void every API key, code, session and pending email. Refuse while it holds keys.
    const [{ n }] = (await q.query('SELECT COUNT(*) AS n FROM key_ring')) as Array<{ n: string | number }>;
    if (Number(n) > 0) {
      throw new Error(
        `refusing to revert KeyRing1764360000000: key_ring holds ${n} keys, the only copies of what every API key, code, session and pending email depends on (export a backup and empty the table first if you really mean it)`,
      );
    }
    await q.dropTable('key_ring', true, true, true);
    // Prefixed hashes would not fit 64 characters again: the columns stay wide (harmless for the older code).
  }
}
