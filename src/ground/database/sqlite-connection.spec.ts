import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareSqliteConnection } from './sqlite-connection';

describe('prepareSqliteConnection (one SQLite connection: WAL, busy timeout, foreign keys)', () => {
  let dir: string;
  let open: Database.Database[];
  const connect = (file: string) => {
    const db = new Database(file, { timeout: 5000 });
    open.push(db);
    return db;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pls-sqlite-conn-'));
    open = [];
  });
  afterEach(() => {
    for (const db of open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('switches a new file to WAL, sets the busy timeout and turns foreign keys on', async () => {
    const db = connect(join(dir, 'app.db'));
    await prepareSqliteConnection(db);
    expect({ mode: db.pragma('journal_mode', { simple: true }), busy: db.pragma('busy_timeout', { simple: true }), fk: db.pragma('foreign_keys', { simple: true }) })
      .toEqual({ mode: 'wal', busy: 5000, fk: 1 });
  });

  it('waits for another connection\'s lock when switching a fresh file to WAL (two instances starting together answered "database is locked")', async () => {
    const file = join(dir, 'app.db');
    const other = connect(file);
    other.exec('CREATE TABLE t (x)');
    other.exec('BEGIN IMMEDIATE'); // the reserved lock, as another instance's start holds it for a moment
    const db = connect(file);
    // SQLite refuses the switch at once, without waiting for busy_timeout (its deadlock avoidance).
    const refusedAt = Date.now();
    expect(() => db.pragma('journal_mode = WAL')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    expect(Date.now() - refusedAt).toBeLessThan(1000);
    setTimeout(() => other.exec('COMMIT'), 50);
    await prepareSqliteConnection(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('gives up with SQLITE_BUSY once the busy timeout has passed', async () => {
    const file = join(dir, 'app.db');
    const other = connect(file);
    other.exec('CREATE TABLE t (x)');
    other.exec('BEGIN IMMEDIATE');
    await expect(prepareSqliteConnection(connect(file), 100)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    other.exec('COMMIT');
  });
});
