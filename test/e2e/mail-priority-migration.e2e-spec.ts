import { DataSource } from 'typeorm';
import { MailPriority1764380000000 } from '../../src/ground/database/migrations/1764380000000-mail-priority';
import { MAIL_PRIORITY, mailPriority } from '../../src/core/mail/mail-templates';
import { describeEachDatabase, useMigratedDatabase } from './support/databases';

/** STYLE.md 11: the mail_outbox.priority migration runs on both databases, backfills by kind, and has a working down(). */
describeEachDatabase('mail_outbox priority migration', (kind) => {
  const migrated = useMigratedDatabase(kind);
  const migration = new MailPriority1764380000000();
  const KINDS = ['invitation', 'email-verification', 'recovery', 'reset-code', 'password-set', 'password-changed'];

  async function withRunner<T>(fn: (q: ReturnType<DataSource['createQueryRunner']>) => Promise<T>): Promise<T> {
    const runner = migrated.ds.createQueryRunner();
    try {
      return await fn(runner);
    } finally {
      await runner.release();
    }
  }

  const indexNames = async () => ((await withRunner((q) => q.getTable('mail_outbox')))?.indices ?? []).map((i) => i.name).sort();

  it('up() backfills the priority of existing rows from their kind, as mailPriority decides it; down() restores the old index', async () => {
    await withRunner((q) => migration.down(q));
    expect(await withRunner((q) => q.hasColumn('mail_outbox', 'priority'))).toBe(false);
    expect(await indexNames()).toEqual(['idx_mail_outbox_due']);
    for (const [i, k] of KINDS.entries()) {
      await migrated.ds.query(
        `INSERT INTO mail_outbox (id, recipient, subject, kind, sealed_body, status, attempts, next_attempt_at, created_at) VALUES ('m-${i}', 'a@example.test', 's', '${k}', 'x', 'pending', 0, 1, 1)`,
      );
    }

    await withRunner((q) => migration.up(q));
    const rows: Array<{ kind: string; priority: string | number }> = await migrated.ds.query('SELECT kind, priority FROM mail_outbox ORDER BY id');
    expect(rows.map((r) => [r.kind, Number(r.priority)])).toEqual(KINDS.map((k) => [k, mailPriority(k)]));
    expect(rows.filter((r) => Number(r.priority) === MAIL_PRIORITY.notice).map((r) => r.kind)).toEqual(['password-set', 'password-changed']);
    expect(await indexNames()).toEqual(['idx_mail_outbox_claim']);
    // a row written without a priority (an older instance during a rolling upgrade) is never sent late
    await migrated.ds.query(`INSERT INTO mail_outbox (id, recipient, subject, kind, status, attempts, next_attempt_at, created_at) VALUES ('m-old', 'a@example.test', 's', 'password-changed', 'pending', 0, 1, 1)`);
    const [old] = await migrated.ds.query(`SELECT priority FROM mail_outbox WHERE id = 'm-old'`);
    expect(Number(old.priority)).toBe(MAIL_PRIORITY.secret);

    await withRunner((q) => migration.down(q));
    expect(await withRunner((q) => q.hasColumn('mail_outbox', 'priority'))).toBe(false);
    expect(await indexNames()).toEqual(['idx_mail_outbox_due']);
    await withRunner((q) => migration.up(q));
    await migrated.ds.query('DELETE FROM mail_outbox');
  });

  // On a database of its own, migrated from empty: the test above rebuilds the index right after up()'s backfill
  // UPDATEs, and while any other transaction on the server is open (another jest worker's) those rows' old
  // versions stay, so PostgreSQL marks the new index indcheckxmin and no snapshot older than it may use it: the
  // plan was then a sequential scan (seen under two jest workers; reproduced in psql with one open transaction).
  const fresh = useMigratedDatabase(kind);

  it('the claim index serves the worker’s query: pending rows in priority, then due order', async () => {
    const claim =
      `SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= 5 AND (locked_until IS NULL OR locked_until <= 5) ` +
      `ORDER BY priority ASC, next_attempt_at ASC LIMIT 20`;
    if (kind === 'sqlite') {
      const plan: Array<{ detail: string }> = await fresh.ds.query(`EXPLAIN QUERY PLAN ${claim}`);
      const details = plan.map((p) => p.detail).join('\n');
      expect(details).toMatch(/USING INDEX idx_mail_outbox_claim/);
      expect(details).not.toMatch(/TEMP B-TREE/); // no sort: the index gives the order
    } else {
      const plan = await fresh.ds.transaction(async (em) => {
        await em.query('SET LOCAL enable_seqscan = off');
        return (await em.query(`EXPLAIN ${claim}`)) as Array<{ 'QUERY PLAN': string }>;
      });
      expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toMatch(/idx_mail_outbox_claim/);
    }
  });
});
