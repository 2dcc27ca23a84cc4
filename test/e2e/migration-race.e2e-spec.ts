import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { ApiKey } from '../../src/features/api-keys/api-key.entity';
import { ApiKeysService } from '../../src/features/api-keys/api-keys.service';
import { SecretKeys } from '../../src/ground/common/secrets';
import { loadAppConfig } from '../../src/ground/config/app-config';
import { dataDirectory } from '../../src/ground/config/service-secret';
import { UnitOfWork } from '../../src/ground/database/unit-of-work';
import { MIGRATIONS } from '../../src/ground/database/data-source-options';
import { freePort } from '../support/private-postgres';
import { ensureBuilt, Instance, startInstance, stopInstance, waitReady } from './support/built-service';
import { describeEachDatabase } from './support/databases';
import { describeUnless, itUnless, postgresSkip } from '../support/skips';
import { sql } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 8 §3: two instances started at the same moment on one fresh, empty database. Each is a real
 * `node dist/start.js` process (the build CI makes with `npm ci`; rebuilt here when older than src/).
 * Both must become ready with no error logged, and each migration must be recorded once.
 */
const ADMIN_KEY = 'race-admin-key-0123456789abcdef0123456789';
const MIGRATION_NAMES = MIGRATIONS.map((m) => m.name).sort();
const READY_WITHIN_MS = 45_000;

/** Runs `work` on a connection of its own to `url` (the test's own, beside the instances'). */
async function withClient<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** One racer: the start gate makes both reach the database at the same moment. */
function startRacer(port: number, databaseUrl: string, cwd: string, gateDir: string): Instance {
  return startInstance(String(port), port, {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: 'race-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sA',
    ADMIN_API_KEY: ADMIN_KEY,
    BCRYPT_COST: '4',
    LOG_LEVEL: 'info',
    PUBLIC_URL: 'https://id.example.test',
    START_GATE_DIR: gateDir,
    START_GATE_COUNT: '2',
  }, cwd, true);
}

/** Log lines at error level or above (pino: 50), and any line naming the race's symptoms. */
function errorsIn(instance: Instance): string[] {
  return instance.output
    .join('')
    .split('\n')
    .filter((line) => /"level":\s*(5\d|60)\b|duplicate key|already exists|Unable to connect|SQLITE_BUSY|database is locked/i.test(line));
}

async function raceTwoInstances(databaseUrl: string, recorded: () => Promise<string[]>): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'pls-race-'));
  const [portA, portB] = [await freePort(), await freePort()];
  let a: Instance | undefined;
  let b: Instance | undefined;
  try {
    const gateDir = mkdtempSync(join(cwd, 'gate-'));
    a = startRacer(portA, databaseUrl, cwd, gateDir);
    b = startRacer(portB, databaseUrl, cwd, gateDir);
    const [readyA, readyB] = await Promise.all([waitReady(a, READY_WITHIN_MS), waitReady(b, READY_WITHIN_MS)]);
    const ran = [a, b].map((i) => Number(/ran (\d+) migration/.exec(i.output.join(''))?.[1] ?? 0)).sort();
    // gateArrivals: both were held at the start gate (a gate that never engaged would race nothing).
    const outcome = { readyA, readyB, gateArrivals: readdirSync(gateDir).length, errorsLogged: [...errorsIn(a), ...errorsIn(b)], recorded: (await recorded()).sort(), ranByEach: ran };
    try {
      // Each migration ran once: recorded once, run by one of the two; the other found nothing pending.
      expect(outcome).toEqual({ readyA: 200, readyB: 200, gateArrivals: 2, errorsLogged: [], recorded: MIGRATION_NAMES, ranByEach: [0, MIGRATION_NAMES.length] });
    } catch (error) {
      (error as Error).message += `\n\ninstance A:\n${a.output.join('')}\ninstance B:\n${b.output.join('')}`;
      throw error;
    }
  } finally {
    await Promise.all([stopInstance(a, 10_000), stopInstance(b, 10_000)]);
    rmSync(cwd, { recursive: true, force: true });
  }
}

describe('two instances started together on one fresh database (issue 8 §3: the migration race)', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('SQLite: both become ready, no error is logged, each migration is recorded once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pls-race-db-'));
    const file = join(dir, 'app.db');
    try {
      await raceTwoInstances(`sqlite:${file}`, async () => {
        const db = new Database(file, { readonly: true });
        try {
          return (db.prepare('SELECT name FROM migrations').all() as Array<{ name: string }>).map((r) => r.name);
        } finally {
          db.close();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  const pgUrl = process.env.TEST_DATABASE_URL;
  itUnless(postgresSkip(), 'PostgreSQL: both become ready, no error is logged, each migration is recorded once', async () => {
    const schema = `race_${randomBytes(6).toString('hex')}`;
    const admin = <T>(work: (c: Client) => Promise<T>) => withClient(pgUrl!, work);
    await admin((c) => c.query(`CREATE SCHEMA "${schema}"`));
    try {
      const url = new URL(pgUrl!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      await raceTwoInstances(url.toString(), () =>
        admin(async (c) => (await c.query(`SELECT name FROM "${schema}".migrations`)).rows.map((r: { name: string }) => r.name)),
      );
    } finally {
      await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    }
  }, 90_000);
});

// In one process SQLite transactions are serial, so only PostgreSQL can interleave two bootstraps here
// (two processes on one SQLite file are covered above).
describeUnless(postgresSkip(), 'instances started together: the bootstrap admin key (ADMIN_API_KEY) [postgres]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ kind: 'postgres' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is created once, and neither instance fails to start on a duplicate key, when both looked for it before either inserted it', async () => {
    await t.dataSource.query('DELETE FROM api_keys');
    // Both bootstraps read "no such key" before either writes: what two instances started together do.
    const uow = t.app.get(UnitOfWork);
    const run = uow.run.bind(uow);
    let looked = 0;
    /** What each look found: nothing, both times, if both looked before either inserted. */
    const found: unknown[] = [];
    let bothLooked!: () => void;
    const barrier = Promise.race([new Promise<void>((r) => (bothLooked = r)), new Promise<void>((r) => setTimeout(r, 5000))]);
    const spy = jest.spyOn(uow, 'run').mockImplementation((work) =>
      run(async (em) => {
        const findOneBy = em.findOneBy.bind(em);
        em.findOneBy = (async (...args: Parameters<typeof findOneBy>) => {
          const result = await findOneBy(...args);
          found.push(result);
          if (++looked === 2) bothLooked();
          await barrier;
          return result;
        }) as typeof em.findOneBy;
        return work(em);
      }) as never,
    );
    try {
      const service = t.app.get(ApiKeysService);
      const outcomes = await Promise.allSettled([service.onApplicationBootstrap(), service.onApplicationBootstrap()]);
      expect(looked).toBe(2);
      expect(found).toEqual([null, null]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    } finally {
      spy.mockRestore();
    }
    expect(await t.dataSource.query('SELECT id FROM api_keys')).toHaveLength(1);
  });
});

/**
 * Issue 18 §5: with no ADMIN_API_KEY, the first start creates an admin key and writes it to
 * `admin-api-key` in the data directory. Four instances started together created two admin keys in 2 of
 * 6 trials (the file named one of them): each looked for a live admin key, found none, and inserted its
 * own. The decision is now taken under a lock every instance takes on the database, and the winner
 * alone writes the file.
 */
describeEachDatabase('instances started together with no admin key configured: one admin key (issue 18 §5)', (kind) => {
  let t: TestApp;
  let file: string;
  beforeAll(async () => {
    t = await startTestApp({ kind, env: { ADMIN_API_KEY: undefined as unknown as string } });
    file = join(dataDirectory(t.config), 'admin-api-key');
  });
  afterAll(async () => {
    await t?.close();
    // PostgreSQL's data directory is under the working directory (data/postgres-<hash of the schema>): this test's own.
    if (kind === 'postgres') rmSync(dataDirectory(t.config), { recursive: true, force: true });
  });

  it('four bootstraps at once of a database without one, each held after its look until all have looked (or 500 ms), create exactly one admin key, and the file names it', async () => {
    await sql(t, 'DELETE FROM api_keys');
    rmSync(file, { force: true });
    // Each bootstrap, having looked for an admin key, waits until all four have looked (or 500 ms have
    // passed, for bootstraps that cannot look at once): what four instances started together do.
    const findBy = EntityManager.prototype.findBy;
    let looked = 0;
    let allLooked!: () => void;
    const barrier = Promise.race([new Promise<void>((r) => (allLooked = r)), new Promise<void>((r) => setTimeout(r, 500))]);
    const spy = jest.spyOn(EntityManager.prototype, 'findBy').mockImplementation(async function (this: EntityManager, ...args: Parameters<EntityManager['findBy']>) {
      const found = await findBy.apply(this, args);
      if (args[0] === ApiKey) {
        if (++looked === 4) allLooked();
        await barrier;
      }
      return found;
    } as never);
    const service = t.app.get(ApiKeysService);
    let outcomes: PromiseSettledResult<void>[];
    try {
      outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => service.onApplicationBootstrap()));
    } finally {
      spy.mockRestore();
    }
    expect(looked).toBeGreaterThanOrEqual(4);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const keys = await sql<{ id: string; key_hash: string }>(t, 'SELECT id, key_hash FROM api_keys WHERE revoked_at IS NULL');
    expect(keys).toHaveLength(1);
    const raw = readFileSync(file, 'utf8').trim();
    expect(t.app.get(SecretKeys).lookupHash(raw)).toBe(keys[0].key_hash);
    const listed = await t.http.get('/api-keys').set('X-Api-Key', raw).expect(200);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual([keys[0].id]);
  });

  it('a start that finds a live admin key creates none and leaves the file alone', async () => {
    const before = readFileSync(file, 'utf8');
    await t.app.get(ApiKeysService).onApplicationBootstrap();
    expect(await sql(t, 'SELECT id FROM api_keys WHERE revoked_at IS NULL')).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});

/**
 * The same with real processes: four `node dist/start.js` on one fresh database, with neither
 * ADMIN_API_KEY nor MASTER_KEY, held at the start gate so they reach the database together. All become
 * ready, the master-key file is one key that every instance uses, and there is one admin key: the one in
 * the admin-api-key file, which every instance accepts.
 */
describe('four instances started together with no keys configured (issue 18 §5)', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  async function raceFour(databaseUrl: string, cwd: string, dataDir: string, liveAdminKeys: () => Promise<number>): Promise<void> {
    const gateDir = mkdtempSync(join(cwd, 'gate-'));
    const ports = await Promise.all([1, 2, 3, 4].map(() => freePort()));
    const instances = ports.map((port) =>
      startInstance(String(port), port, {
        DATABASE_URL: databaseUrl, BCRYPT_COST: '4', LOG_LEVEL: 'info', PUBLIC_URL: 'https://id.example.test', START_GATE_DIR: gateDir, START_GATE_COUNT: '4',
      }, cwd, true),
    );
    try {
      const ready = await Promise.all(instances.map((i) => waitReady(i, 90_000)));
      const raw = existsSync(join(dataDir, 'admin-api-key')) ? readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim() : '';
      const accepted = await Promise.all(instances.map(async (i) => (await fetch(`http://127.0.0.1:${i.port}/api-keys`, { headers: { 'X-Api-Key': raw } })).status));
      const outcome = {
        ready, accepted, gateArrivals: readdirSync(gateDir).length, liveAdminKeys: await liveAdminKeys(),
        errorsLogged: instances.flatMap((i) => errorsIn(i)),
        masterKeyFile: readdirSync(dataDir).filter((f) => f.includes('master-key')),
      };
      try {
        expect(outcome).toEqual({ ready: [200, 200, 200, 200], accepted: [200, 200, 200, 200], gateArrivals: 4, liveAdminKeys: 1, errorsLogged: [], masterKeyFile: ['master-key'] });
      } catch (error) {
        (error as Error).message += instances.map((i) => `\n\ninstance ${i.name}:\n${i.output.join('')}`).join('');
        throw error;
      }
    } finally {
      await Promise.all(instances.map((i) => stopInstance(i, 10_000)));
    }
  }

  it('SQLite: all four ready, one master key, one admin key (the file\'s)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pls-race4-'));
    const dataDir = join(cwd, 'db');
    const file = join(dataDir, 'app.db');
    try {
      await raceFour(`sqlite:${file}`, cwd, dataDir, async () => {
        const db = new Database(file, { readonly: true });
        try {
          return (db.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL AND scopes LIKE '%admin%'").get() as { n: number }).n;
        } finally {
          db.close();
        }
      });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 150_000);

  const pgUrl = process.env.TEST_DATABASE_URL;
  itUnless(postgresSkip(), 'PostgreSQL: all four ready, one master key, one admin key (the file\'s)', async () => {
    const schema = `race4_${randomBytes(6).toString('hex')}`;
    const admin = <T>(work: (c: Client) => Promise<T>) => withClient(pgUrl!, work);
    await admin((c) => c.query(`CREATE SCHEMA "${schema}"`));
    const cwd = mkdtempSync(join(tmpdir(), 'pls-race4-'));
    try {
      const url = new URL(pgUrl!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const dataDir = join(cwd, dataDirectory(loadAppConfig({ DATABASE_URL: url.toString() })));
      await raceFour(url.toString(), cwd, dataDir, () =>
        admin(async (c) => Number((await c.query(`SELECT COUNT(*) AS n FROM "${schema}".api_keys WHERE revoked_at IS NULL AND scopes LIKE '%admin%'`)).rows[0].n)),
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      await admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    }
  }, 150_000);
});
