import 'reflect-metadata';
import { loadAppConfig } from '../config/app-config';
import { buildDataSourceOptions, CLIENT_TIMEOUT_MARGIN_MS } from './data-source-options';
import { DiscardOnTimeoutClient, NamedStatementClient } from './postgres-client';

/** Issue 8 §3 (SECURITY.md H3): every PostgreSQL wait is bounded, from validated settings. */
const PG = 'postgres://app@db.example.test:5432/app';
const extraOf = (env: Record<string, string>, purpose?: 'app' | 'migrations') =>
  (buildDataSourceOptions(loadAppConfig({ DATABASE_URL: PG, ...env }).database, { purpose }) as { extra: Record<string, unknown> }).extra;

describe('PostgreSQL bounds (DATABASE_POOL_MAX, DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_CONNECT_TIMEOUT_MS)', () => {
  it('H3 by default: 10 connections, statements cut at 5 s by the server and a little later by the client, a connection within 3 s; statements prepared once per connection', () => {
    expect(extraOf({})).toMatchObject({
      Client: NamedStatementClient,
      max: 10,
      statement_timeout: 5000,
      lock_timeout: 5000,
      query_timeout: 5000 + CLIENT_TIMEOUT_MARGIN_MS,
      connectionTimeoutMillis: 3000,
      keepAlive: true,
    });
  });

  it('H3 takes the configured values', () => {
    expect(extraOf({ DATABASE_POOL_MAX: '4', DATABASE_STATEMENT_TIMEOUT_MS: '1500', DATABASE_CONNECT_TIMEOUT_MS: '800' })).toMatchObject({
      max: 4,
      statement_timeout: 1500,
      query_timeout: 1500 + CLIENT_TIMEOUT_MARGIN_MS,
      connectionTimeoutMillis: 800,
    });
  });

  it('refuses values that would leave a wait unbounded or absurd, naming the variable', () => {
    for (const [name, value] of [['DATABASE_POOL_MAX', '0'], ['DATABASE_STATEMENT_TIMEOUT_MS', '0'], ['DATABASE_STATEMENT_TIMEOUT_MS', '5s'], ['DATABASE_CONNECT_TIMEOUT_MS', '10']]) {
      expect(() => loadAppConfig({ DATABASE_URL: PG, [name]: value })).toThrow(new RegExp(name));
    }
  });

  it('the migration step: one connection, no statement bound (a migration may run long or wait for another instance), connecting still bounded, nothing kept prepared', () => {
    const extra = extraOf({ DATABASE_CONNECT_TIMEOUT_MS: '800' }, 'migrations');
    expect(extra).toMatchObject({ Client: DiscardOnTimeoutClient, max: 1, connectionTimeoutMillis: 800 });
    expect(extra).not.toHaveProperty('statement_timeout');
    expect(extra).not.toHaveProperty('query_timeout');
  });

  it('a schema still reaches the search_path', () => {
    const options = buildDataSourceOptions({ kind: 'postgres', url: PG, schema: 'tenant_a' }) as { schema?: string; extra: Record<string, unknown> };
    expect(options.schema).toBe('tenant_a');
    expect(options.extra).toMatchObject({ options: '-c search_path=tenant_a', max: 10, statement_timeout: 5000 });
  });
});
