import { DataSource } from 'typeorm';
import { ResetCodeNetworks1764320000000 } from '../../src/ground/database/migrations/1764320000000-reset-code-networks';
import { describeEachDatabase, useMigratedDatabase } from './support/databases';

/** STYLE.md 11: the one_time_token_networks migration runs on both databases and has a working down(). */
describeEachDatabase('one_time_token_networks migration', (kind) => {
  const migrated = useMigratedDatabase(kind);
  const migration = new ResetCodeNetworks1764320000000();
  const future = Date.now() + 3_600_000;


  async function withRunner<T>(fn: (q: ReturnType<DataSource['createQueryRunner']>) => Promise<T>): Promise<T> {
    const runner = migrated.ds.createQueryRunner();
    try {
      return await fn(runner);
    } finally {
      await runner.release();
    }
  }

  it('up() carries the requesting network of live reset codes over; down() puts it back; tokens cascade; requests get mail = true', async () => {
    await withRunner((q) => migration.down(q));
    expect(await withRunner((q) => q.hasTable('one_time_token_networks'))).toBe(false);
    expect(await withRunner((q) => q.hasColumn('recovery_requests', 'mail'))).toBe(false);
    await migrated.ds.query(`INSERT INTO users (id, email, email_normalized, created_at, updated_at) VALUES ('u-1', 'a@example.test', 'a@example.test', 1, 1)`);
    await migrated.ds.query(`INSERT INTO one_time_tokens (id, user_id, purpose, secret_hash, expires_at, used_at, attempts, created_at, issued_to_network)
      VALUES ('t-live', 'u-1', 'reset_code', 'h1', ${future}, NULL, 0, 5, 'net-a'), ('t-used', 'u-1', 'reset_code', 'h2', ${future}, 7, 0, 4, 'net-b'),
             ('t-signup', 'u-1', 'email_verification', 'h3', ${future}, NULL, 0, 6, 'net-c')`);

    await withRunner((q) => migration.up(q));
    const rows = await migrated.ds.query('SELECT token_id, network, added_at FROM one_time_token_networks ORDER BY token_id');
    expect(rows.map((r: { token_id: string; network: string; added_at: string | number }) => [r.token_id, r.network, Number(r.added_at)])).toEqual([['t-live', 'net-a', 5]]);
    await migrated.ds.query(`INSERT INTO recovery_requests (dialect, sealed_address, client, created_at) VALUES ('D5', 'x', 'c', 1)`);
    const [request] = await migrated.ds.query('SELECT mail FROM recovery_requests');
    expect([true, 1]).toContain(request.mail);
    await migrated.ds.query('DELETE FROM recovery_requests');

    // A D5 code issued after the migration has no issued_to_network: down() takes its first network.
    await migrated.ds.query(`INSERT INTO one_time_tokens (id, user_id, purpose, secret_hash, expires_at, used_at, attempts, created_at) VALUES ('t-new', 'u-1', 'reset_code', 'h4', ${future}, NULL, 0, 8)`);
    await migrated.ds.query(`INSERT INTO one_time_token_networks (token_id, network, added_at) VALUES ('t-new', 'net-late', 9), ('t-new', 'net-early', 8)`);
    await withRunner((q) => migration.down(q));
    const tokens = await migrated.ds.query('SELECT id, issued_to_network FROM one_time_tokens ORDER BY id');
    expect(tokens.map((r: { id: string; issued_to_network: string | null }) => [r.id, r.issued_to_network])).toEqual([
      ['t-live', 'net-a'], ['t-new', 'net-early'], ['t-signup', 'net-c'], ['t-used', 'net-b'],
    ]);
    expect(await withRunner((q) => q.hasTable('one_time_token_networks'))).toBe(false);

    await withRunner((q) => migration.up(q));
    const table = await withRunner((q) => q.getTable('one_time_token_networks'));
    expect(table?.primaryColumns.map((c) => c.name).sort()).toEqual(['network', 'token_id']);
    expect(table?.indices.map((i) => i.name)).toContain('idx_one_time_token_networks_network_added');
    expect(table?.foreignKeys.map((f) => [f.referencedTableName.split('.').pop(), f.onDelete])).toEqual([['one_time_tokens', 'CASCADE']]);
    await migrated.ds.query(`DELETE FROM one_time_tokens WHERE id = 't-new'`);
    await migrated.ds.query(`DELETE FROM one_time_tokens WHERE id = 't-live'`);
    expect(await migrated.ds.query('SELECT * FROM one_time_token_networks')).toHaveLength(0);
  });
});
