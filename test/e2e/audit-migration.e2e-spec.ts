import { AuditEvents1764300000000 } from '../../src/ground/database/migrations/1764300000000-audit-events';
import { describeEachDatabase, useMigratedDatabase } from './support/databases';

/** STYLE.md 11: the audit_events migration runs on both databases and has a working down(). */
describeEachDatabase('audit_events migration', (kind) => {
  const migrated = useMigratedDatabase(kind);


  const indexes = async () => (await migrated.ds.createQueryRunner().getTable('audit_events'))?.indices.map((i) => i.name).sort();

  it('up() creates audit_events with an index per filter, each ending in (at, id)', async () => {
    expect(await indexes()).toEqual(['idx_audit_events_account_at', 'idx_audit_events_at', 'idx_audit_events_type_at', 'idx_audit_events_user_at']);
    // The column order as the database holds it (TypeORM's getTable() lists PostgreSQL index columns in table order).
    const columns = async (index: string): Promise<string[]> =>
      kind === 'sqlite'
        ? (await migrated.ds.query(`PRAGMA index_info('${index}')`)).map((c: { name: string }) => c.name)
        : /\(([^)]*)\)/.exec((await migrated.ds.query('SELECT indexdef FROM pg_indexes WHERE indexname = $1 AND schemaname = current_schema()', [index]))[0].indexdef)![1]
            .split(',').map((c: string) => c.trim().replace(/"/g, ''));
    expect(await columns('idx_audit_events_at')).toEqual(['at', 'id']);
    expect(await columns('idx_audit_events_account_at')).toEqual(['account_id', 'at', 'id']);
    expect(await columns('idx_audit_events_user_at')).toEqual(['user_id', 'at', 'id']);
    expect(await columns('idx_audit_events_type_at')).toEqual(['type', 'at', 'id']);
  });

  it('down() drops the table and up() brings it back', async () => {
    const runner = migrated.ds.createQueryRunner();
    try {
      await new AuditEvents1764300000000().down(runner);
      expect(await runner.hasTable('audit_events')).toBe(false);
      await new AuditEvents1764300000000().up(runner);
      expect(await runner.hasTable('audit_events')).toBe(true);
    } finally {
      await runner.release();
    }
    expect(await indexes()).toHaveLength(4);
  });
});
