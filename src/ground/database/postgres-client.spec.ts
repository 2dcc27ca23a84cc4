import { randomBytes } from 'node:crypto';
import { Client, Pool, PoolClient } from 'pg';
import { DiscardOnTimeoutClient, MAX_NAMED_STATEMENTS_PER_CONNECTION, NamedStatementClient, QUERY_TIMEOUT_MESSAGE } from './postgres-client';
import { describeUnless, postgresSkip } from '../../../test/support/skips';

/** Issue 8 §3 (SECURITY.md H3): a connection whose query timed out on the client is thrown away, never reused out of sync. */
const url = process.env.TEST_DATABASE_URL;
describeUnless(postgresSkip(), 'DiscardOnTimeoutClient', () => {
  let pool: Pool;
  beforeEach(() => {
    pool = new Pool({ connectionString: url, Client: DiscardOnTimeoutClient, max: 1, query_timeout: 300, connectionTimeoutMillis: 2000 });
  });
  afterEach(async () => {
    await pool.end();
  });

  it('H3 a query the server does not answer in time fails with the client timeout, so do the queries queued behind it, and the connection is closed', async () => {
    const client = await pool.connect();
    await client.query('SET statement_timeout = 0'); // only the client's timeout can fire
    const started = Date.now();
    const slow = client.query('SELECT pg_sleep(3)');
    const queued = client.query('SELECT 1 AS one');
    await expect(slow).rejects.toThrow(QUERY_TIMEOUT_MESSAGE);
    await expect(queued).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
    client.release();
    expect(pool.totalCount).toBe(0); // not back in the pool
  });

  it('H3 the next request gets a fresh connection that answers at once, not the one still waiting for its late answer', async () => {
    const client = await pool.connect();
    await client.query('SET statement_timeout = 0');
    await expect(client.query('SELECT pg_sleep(3)')).rejects.toThrow(QUERY_TIMEOUT_MESSAGE);
    client.release();
    const started = Date.now();
    const { rows } = await pool.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a query answered in time leaves the connection in the pool', async () => {
    await pool.query('SELECT 1');
    expect(pool.totalCount).toBe(1);
    expect(pool.idleCount).toBe(1);
  });
});

/** Issue 22: TypeORM's statements are prepared once per connection, within a bound, and a stale one costs only its connection. */
describeUnless(postgresSkip(), 'NamedStatementClient', () => {
  let pool: Pool;
  let table: string;
  beforeEach(async () => {
    pool = new Pool({ connectionString: url, Client: NamedStatementClient, max: 1, connectionTimeoutMillis: 2000 });
    table = `named_stmt_${randomBytes(5).toString('hex')}`;
    await pool.query(`CREATE TABLE ${table} (a int)`);
    await pool.query(`INSERT INTO ${table} SELECT g FROM generate_series(1, 10) AS g`);
  });
  afterEach(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });
  /** Runs `fn` on the pool's one connection and always gives it back (a failed expectation must not leave pool.end() waiting). */
  async function withClient(fn: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await pool.connect();
    try {
      await fn(client);
    } finally {
      client.release();
    }
  }
  /** This connection's prepared statements (the pool holds one), with how often each ran. */
  const prepared = async (client: PoolClient) =>
    (await client.query<{ name: string; statement: string; runs: number }>('SELECT name, statement, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements')).rows;

  it('a statement with parameters, as TypeORM sends it (text, values), is parsed once and run as the same prepared statement', () =>
    withClient(async (client) => {
      const sql = `SELECT count(*)::int AS n FROM ${table} WHERE a > $1`;
      for (let i = 0; i < 7; i++) expect((await client.query(sql, [i])).rows).toEqual([{ n: 10 - i }]);
      expect(await prepared(client)).toEqual([{ name: expect.stringMatching(/^pls_[\w-]{22}$/), statement: sql, runs: 7 }]);
    }));

  it('statements without parameters (BEGIN, COMMIT, DDL) and config objects are sent as before, never named', () =>
    withClient(async (client) => {
      await client.query('BEGIN');
      await client.query(`SELECT count(*) FROM ${table}`);
      await client.query({ text: `SELECT count(*) FROM ${table} WHERE a > $1`, values: [1] });
      await client.query('COMMIT');
      expect(await prepared(client)).toEqual([]);
    }));

  it(`keeps at most ${MAX_NAMED_STATEMENTS_PER_CONNECTION} statements prepared per connection: texts past the bound (an IN list of any length) run unnamed and still answer`, () =>
    withClient(async (client) => {
      const inList = (n: number) => `SELECT count(*)::int AS n FROM ${table} WHERE a IN (${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ')})`;
      const total = MAX_NAMED_STATEMENTS_PER_CONNECTION + 20;
      for (let n = 1; n <= total; n++) {
        const { rows } = await client.query(inList(n), Array.from({ length: n }, (_, i) => i + 1));
        expect(rows).toEqual([{ n: Math.min(n, 10) }]);
      }
      expect((await prepared(client)).length).toBe(MAX_NAMED_STATEMENTS_PER_CONNECTION);
      // A statement named before the bound was reached is still run prepared.
      await client.query(inList(1), [1]);
      expect((await prepared(client)).find((s) => s.statement === inList(1))?.runs).toBe(2);
    }));

  it('a prepared statement whose result type a schema change altered (0A000) fails once and costs its connection: the next query prepares again on a fresh one', async () => {
    const sql = `SELECT * FROM ${table} WHERE a = $1`;
    expect((await pool.query(sql, [3])).rows).toEqual([{ a: 3 }]);
    const other = new Client({ connectionString: url });
    await other.connect();
    await other.query(`ALTER TABLE ${table} ADD COLUMN b int`);
    await other.end();
    await expect(pool.query(sql, [3])).rejects.toMatchObject({ code: '0A000' });
    // The refused connection is closing; the pool replaces it with one that prepares the new result type.
    await new Promise((resolve) => setImmediate(resolve));
    expect((await pool.query(sql, [3])).rows).toEqual([{ a: 3, b: null }]);
  });

  it('a statement the server refuses to parse leaves the connection usable, and the same name can be prepared later', () =>
    withClient(async (client) => {
      await expect(client.query(`SELECT nope FROM ${table} WHERE a = $1`, [1])).rejects.toMatchObject({ code: '42703' });
      const sql = `SELECT a FROM ${table} WHERE a = $1`;
      expect((await client.query(sql, [2])).rows).toEqual([{ a: 2 }]);
      expect((await client.query(sql, [2])).rows).toEqual([{ a: 2 }]);
      expect(await prepared(client)).toEqual([expect.objectContaining({ statement: sql, runs: 2 })]);
    }));
});

describe('DiscardOnTimeoutClient and NamedStatementClient: an error nobody else listens to', () => {
  it.each([DiscardOnTimeoutClient, NamedStatementClient])('%p does not end the process with an unhandled error event (a connection the pool already threw away)', (Kind) => {
    const client = new Kind({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    expect(() => client.emit('error', new Error('terminating connection due to administrator command'))).not.toThrow();
  });
});
