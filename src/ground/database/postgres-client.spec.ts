import { Pool } from 'pg';
import { DiscardOnTimeoutClient, QUERY_TIMEOUT_MESSAGE } from './postgres-client';
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
