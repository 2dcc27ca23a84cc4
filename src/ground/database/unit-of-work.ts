import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { runSql, tableOf } from './sql';

/**
 * Runs work in one database transaction.
 *
 * TypeORM's better-sqlite3 driver has a single connection shared by every request, so two
 * transactions open at once would nest into each other. On SQLite the unit of work therefore queues
 * transactions one after another (per database file, across the process); on PostgreSQL each gets its own
 * pooled connection.
 *
 * Rules for callers: every write goes through here; nothing slow (bcrypt, SMTP) happens inside.
 */
/** Tries of one SQLite transaction that lost its snapshot to another process's commit. */
export const STALE_SNAPSHOT_ATTEMPTS = 5;

/** First half of the advisory-lock key of runExclusive() ("plt"); the migration lock uses "pls". */
const EXCLUSIVE_LOCK_CLASS = 0x706c74;
/** Tries of runExclusive() on SQLite while another process holds the write lock (each waits up to busy_timeout). */
const EXCLUSIVE_BUSY_ATTEMPTS = 6;

/** Below this, a SQLITE_BUSY was answered at once (a lost write race), not after the busy timeout (5 s). */
const IMMEDIATE_BUSY_MS = 1_000;

function isLostWriteRace(error: unknown, elapsedMs: number): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return code === 'SQLITE_BUSY_SNAPSHOT' || (code === 'SQLITE_BUSY' && elapsedMs < IMMEDIATE_BUSY_MS);
}

/**
 * SQLite: the queue of transactions of each database file, shared by every unit of work in this process.
 * Two app instances in one process on one file (as the multi-instance tests run them) would otherwise
 * interleave their transactions, and better-sqlite3's busy wait for the other's write lock blocks the
 * event loop that other needs to commit: every such meeting stalled the process for the busy timeout.
 */
const sqliteQueues = new Map<string, Promise<unknown>>();

@Injectable()
export class UnitOfWork {
  private readonly serial: boolean;
  /** Work to do once the transaction of each open manager has committed. */
  private readonly committed = new WeakMap<EntityManager, Array<() => void>>();
  /** once()'s values, by the transaction (its hooks array: SQLite reuses one manager for all). */
  private readonly memos = new WeakMap<Array<() => void>, Map<string, unknown>>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.serial = dataSource.options.type === 'better-sqlite3';
  }

  run<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (!this.serial) return this.transaction(work);
    const file = String(this.dataSource.options.database);
    const result = (sqliteQueues.get(file) ?? Promise.resolve()).then(() => this.runRetryingStaleSnapshots(work));
    const tail = result.catch(() => undefined);
    sqliteQueues.set(file, tail);
    void tail.then(() => {
      if (sqliteQueues.get(file) === tail) sqliteQueues.delete(file);
    });
    return result;
  }

  /**
   * Runs `work` whose statements are each atomic on their own and need no transaction around them (one
   * DELETE of a reservation's holds, one audit event's INSERT): on PostgreSQL in autocommit, on a pooled
   * connection without BEGIN and COMMIT (one round trip per statement instead of three for one); on SQLite
   * queued like any transaction (run()), since its one connection is shared.
   */
  runAutocommit<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.serial) return this.run(work);
    return work(this.dataSource.manager);
  }

  /**
   * Runs `fn` once the transaction of `em` has committed (never when it rolls back), e.g. waking the
   * outbox worker for mail queued in it. Outside a unit of work's transaction: on the next tick. `fn`
   * must not throw.
   */
  afterCommit(em: EntityManager, fn: () => void): void {
    const hooks = this.committed.get(em);
    if (hooks) hooks.push(fn);
    else setImmediate(fn);
  }

  /**
   * `compute()` once per transaction of `em` and `key` (a read several steps of one change need, e.g. the
   * account's webhook subscriptions for each of its domain events); outside a unit of work's transaction,
   * at every call.
   */
  once<T>(em: EntityManager, key: string, compute: () => T): T {
    const hooks = this.committed.get(em);
    if (!hooks) return compute();
    let memo = this.memos.get(hooks);
    if (!memo) this.memos.set(hooks, (memo = new Map()));
    if (!memo.has(key)) memo.set(key, compute());
    return memo.get(key) as T;
  }

  /** One transaction, then its after-commit hooks. */
  private async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    const hooks: Array<() => void> = [];
    let manager: EntityManager | null = null;
    let result: T;
    try {
      result = await this.dataSource.transaction((em) => {
        manager = em;
        this.committed.set(em, hooks);
        return work(em);
      });
    } finally {
      // SQLite's one connection has one manager for every transaction: once this one has ended, the manager is outside any.
      if (manager && this.committed.get(manager) === hooks) this.committed.delete(manager);
    }
    for (const hook of hooks) hook();
    return result;
  }

  /**
   * Another process writing the same SQLite file (a second instance, the migration CLI) can make a
   * transaction that read first fail when it then writes: in WAL mode SQLite answers at once, without
   * the busy timeout, SQLITE_BUSY_SNAPSHOT (the other commit made its snapshot stale) or SQLITE_BUSY
   * (the other holds the write lock; waiting could deadlock). The whole transaction rolled back, so it
   * is run again (work inside a unit of work touches only the database), a few times. A SQLITE_BUSY
   * that came only after the busy timeout is a real lock timeout and is not retried.
   */
  private async runRetryingStaleSnapshots<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const startedAt = Date.now();
      try {
        return await this.transaction(work);
      } catch (error) {
        if (attempt >= STALE_SNAPSHOT_ATTEMPTS || !isLostWriteRace(error, Date.now() - startedAt)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt));
      }
    }
  }

  /**
   * Runs `work` in one transaction that holds the lock named `name` across every instance on this
   * database, for decisions that must be taken once however many instances start together (e.g. "no
   * admin key exists yet: create one"): read, decide and write inside `work`.
   * - PostgreSQL: a transaction-level advisory lock (`pg_advisory_xact_lock`, keyed by the schema and the
   *   name), released at commit or rollback, or when a dead process's session ends.
   * - SQLite: the database's write lock, taken by the transaction's first statement (a write that
   *   changes nothing), so the reads after it see every other process's committed writes; another
   *   process holding it is waited for (busy_timeout, 5 s), and a busy answer is tried again a few times.
   */
  async runExclusive<T>(name: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.run(async (em) => {
          if (this.serial) {
            const table = em.connection.driver.escape(this.dataSource.options.migrationsTableName ?? 'migrations');
            await em.query(`UPDATE ${table} SET "id" = "id" WHERE 0 = 1`);
          } else {
            await em.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema() || $2))', [EXCLUSIVE_LOCK_CLASS, `:${name}`]);
          }
          return work(em);
        });
      } catch (error) {
        const code = (error as { driverError?: { code?: string }; code?: string })?.driverError?.code ?? (error as { code?: string })?.code;
        if (!this.serial || attempt >= EXCLUSIVE_BUSY_ATTEMPTS || !code?.startsWith('SQLITE_BUSY')) throw error;
      }
    }
  }

  /**
   * Locks one row (by its `id`) for the rest of the transaction and reads `columns` of it as it is now,
   * in one statement: PostgreSQL SELECT … FOR UPDATE; on SQLite, whose transactions are serial, a plain
   * read. For work that acted on an earlier read and must find the row unchanged before it writes.
   * Null when the row is gone; values as the driver returns them (columns by their SQL names).
   */
  async lockAndRead<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, id: string, columns: string[]): Promise<Record<string, unknown> | null> {
    const list = columns.map((c) => em.connection.driver.escape(c)).join(', ');
    const { rows } = await runSql(em, `SELECT ${list} FROM ${tableOf(em, entity)} WHERE "id" = :id${this.serial ? '' : ' FOR UPDATE'}`, { id });
    return rows[0] ?? null;
  }

  /**
   * Locks one row for the rest of the transaction (PostgreSQL SELECT … FOR UPDATE), so concurrent
   * changes to the same user queue up. On SQLite transactions are already serial.
   */
  async lock<E extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<E>, id: string): Promise<void> {
    if (this.serial) return;
    await this.lockAndRead(em, entity, id, ['id']);
  }
}
