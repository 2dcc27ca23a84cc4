import type { DataSource, EntityManager } from 'typeorm';
import { STALE_SNAPSHOT_ATTEMPTS, UnitOfWork } from './unit-of-work';

const staleSnapshot = () => Object.assign(new Error('database is locked'), { driverError: { code: 'SQLITE_BUSY_SNAPSHOT' } });

function fakeDataSource(type: string, failures: Error[]): { ds: DataSource; calls: () => number } {
  let calls = 0;
  const ds = {
    options: { type },
    transaction: async <T>(work: (em: EntityManager) => Promise<T>) => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return work({} as EntityManager);
    },
  } as unknown as DataSource;
  return { ds, calls: () => calls };
}

describe('UnitOfWork on SQLite', () => {
  it('runs a transaction again when another process\'s commit made its snapshot stale (two instances on one file)', async () => {
    const { ds, calls } = fakeDataSource('better-sqlite3', [staleSnapshot(), staleSnapshot()]);
    await expect(new UnitOfWork(ds).run(async () => 'done')).resolves.toBe('done');
    expect(calls()).toBe(3);
  });

  it('runs it again when SQLite answered SQLITE_BUSY at once (another process holds the write lock a reader wants)', async () => {
    const busy = () => Object.assign(new Error('database is locked'), { driverError: { code: 'SQLITE_BUSY' } });
    const { ds, calls } = fakeDataSource('better-sqlite3', [busy()]);
    await expect(new UnitOfWork(ds).run(async () => 'done')).resolves.toBe('done');
    expect(calls()).toBe(2);
  });

  it('gives up after a few tries, and never retries any other failure', async () => {
    const stale = fakeDataSource('better-sqlite3', Array.from({ length: 10 }, staleSnapshot));
    await expect(new UnitOfWork(stale.ds).run(async () => 'done')).rejects.toThrow('database is locked');
    expect(stale.calls()).toBe(STALE_SNAPSHOT_ATTEMPTS);
    const other = fakeDataSource('better-sqlite3', [Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' })]);
    await expect(new UnitOfWork(other.ds).run(async () => 'done')).rejects.toThrow('constraint');
    expect(other.calls()).toBe(1);
  });

  it('does not retry on PostgreSQL (no such error there; each transaction has its own connection)', async () => {
    const { ds, calls } = fakeDataSource('postgres', [staleSnapshot()]);
    await expect(new UnitOfWork(ds).run(async () => 'done')).rejects.toThrow();
    expect(calls()).toBe(1);
  });
});

describe('UnitOfWork.runAutocommit', () => {
  it('on PostgreSQL runs the work on the data source\'s own manager, with no transaction opened (no BEGIN, no COMMIT)', async () => {
    const { ds, calls } = fakeDataSource('postgres', []);
    const manager = {} as EntityManager;
    Object.assign(ds, { manager });
    let given: EntityManager | undefined;
    await expect(new UnitOfWork(ds).runAutocommit(async (em) => ((given = em), 'done'))).resolves.toBe('done');
    expect(given).toBe(manager);
    expect(calls()).toBe(0);
  });

  it('on SQLite queues it as a transaction like run() (one connection shared by every request)', async () => {
    const { ds, calls } = fakeDataSource('better-sqlite3', [staleSnapshot()]);
    Object.assign(ds, { manager: {} as EntityManager });
    await expect(new UnitOfWork(ds).runAutocommit(async () => 'done')).resolves.toBe('done');
    expect(calls()).toBe(2);
  });
});

describe('UnitOfWork.once', () => {
  // SQLite's driver hands every transaction the same manager: the memo must still end with each transaction.
  const shared = {} as EntityManager;
  function sharedManagerSource(): DataSource {
    return { options: { type: 'better-sqlite3', database: `:once-${Math.random()}` }, transaction: async <T>(work: (em: EntityManager) => Promise<T>) => work(shared) } as unknown as DataSource;
  }

  it('computes a value once per transaction and key, and again in the next transaction on the same manager', async () => {
    const uow = new UnitOfWork(sharedManagerSource());
    let computed = 0;
    const read = (em: EntityManager, key = 'k') => uow.once(em, key, () => ++computed);
    const first = await uow.run(async (em) => [read(em), read(em), read(em, 'other')]);
    expect(first).toEqual([1, 1, 2]);
    expect(await uow.run(async (em) => read(em))).toBe(3);
  });

  it('computes at every call outside a transaction, also with the manager a finished (or rolled back) transaction used', async () => {
    const uow = new UnitOfWork(sharedManagerSource());
    let computed = 0;
    await uow.run(async (em) => uow.once(em, 'k', () => ++computed));
    await expect(uow.run(async (em) => {
      uow.once(em, 'k', () => ++computed);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect([uow.once(shared, 'k', () => ++computed), uow.once(shared, 'k', () => ++computed)]).toEqual([3, 4]);
  });

  it('runs an after-commit hook registered with a finished transaction\'s manager on the next tick, not never', async () => {
    const uow = new UnitOfWork(sharedManagerSource());
    await uow.run(async () => undefined);
    const ran = new Promise<boolean>((resolve) => uow.afterCommit(shared, () => resolve(true)));
    await expect(ran).resolves.toBe(true);
  });
});
