/** What TypeORM's better-sqlite3 driver hands `prepareDatabase`: the connection's `pragma`. */
export interface SqlitePragmas {
  pragma(statement: string): unknown;
}

/** How long a SQLite connection waits for another's lock (busy_timeout, and the WAL switch below), in ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
const WAL_RETRY_MS = 10;

/**
 * Sets up one SQLite connection: write-ahead log, busy timeout, foreign keys.
 *
 * Switching a new file to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at once, without its
 * busy handler, while another connection holds the reserved lock (its deadlock avoidance): two instances
 * opening one fresh file together failed start-up with "database is locked" (18 of 20 tries with two
 * processes released at the same millisecond). The switch is retried every 10 ms for up to
 * `busyTimeoutMs`; on a file already in WAL it is a no-op. Throws the last SQLITE_BUSY after that, and any
 * other error at once.
 */
export async function prepareSqliteConnection(conn: SqlitePragmas, busyTimeoutMs = SQLITE_BUSY_TIMEOUT_MS): Promise<void> {
  conn.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      conn.pragma('journal_mode = WAL');
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, WAL_RETRY_MS));
    }
  }
  conn.pragma('foreign_keys = ON');
}
