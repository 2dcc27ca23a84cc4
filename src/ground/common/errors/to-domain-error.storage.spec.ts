import {
  CannotExecuteNotConnectedError, ConnectionIsNotSetError, QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import { InternalError, StorageUnavailableError } from './domain-errors';
import { toDomainError } from './to-domain-error';

/** Issue 8 §3 (SECURITY.md H3): every way a bounded wait on PostgreSQL ends is a 503, and a real query error stays a 500. */
const failed = (driverError: Error & { code?: string }) => new QueryFailedError('SELECT 1', [], driverError);
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('toDomainError: storage faults become StorageUnavailableError (503)', () => {
  it.each([
    ['the client gave up on a server that does not answer', failed(new Error('Query read timeout'))],
    ['a query queued on a connection discarded after a timeout', failed(new Error('Connection terminated'))],
    ['a query on a connection already broken', failed(new Error('Client has encountered a connection error and is not queryable'))],
    ['no connection within the pool\'s bound', new Error('timeout exceeded when trying to connect')],
    ['a new connection not established in time', new Error('Connection terminated due to connection timeout')],
    ['the server cancelled a statement past statement_timeout (57014)', failed(withCode('canceling statement due to statement timeout', '57014'))],
    ['a lock not obtained within lock_timeout (55P03)', failed(withCode('canceling statement due to lock timeout', '55P03'))],
  ])('H3 %s', (_what, error) => {
    expect(toDomainError(error)).toBeInstanceOf(StorageUnavailableError);
  });
});

/**
 * Issue 18 §5: stopping PostgreSQL (`pg_ctl stop -m fast`) under load answered 500 with TypeORM's errors for
 * a query runner the lost connection released. Every way the driver or TypeORM reports a lost connection is a 503.
 */
describe('toDomainError: every connection-loss error of node-postgres and TypeORM is StorageUnavailableError (503)', () => {
  it.each([
    ['the next statement of a transaction whose connection the server ended', new QueryRunnerAlreadyReleasedError()],
    ['the manager of that transaction used again', new QueryRunnerProviderAlreadyReleasedError()],
    ['the data source not connected (closed at shutdown)', new CannotExecuteNotConnectedError('default')],
    ['no connection set (SQLite closed)', new ConnectionIsNotSetError('better-sqlite3')],
    ['the server ended the session: admin shutdown (57P01)', failed(withCode('terminating connection due to administrator command', '57P01'))],
    ['the server is shutting down or starting (57P03)', withCode('the database system is shutting down', '57P03')],
    ['the session ended by idle_session_timeout (57P05)', failed(withCode('terminating connection due to idle-session timeout', '57P05'))],
    ['a protocol violation on the connection (08P01)', withCode('unexpected message', '08P01')],
    ['the socket closed under a query', failed(new Error('Connection terminated unexpectedly'))],
    ['the server refused the connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['the host is unreachable', withCode('connect EHOSTUNREACH 10.0.0.9:5432', 'EHOSTUNREACH')],
    ['a write on a destroyed socket', withCode('Cannot call write after a stream was destroyed', 'ERR_STREAM_DESTROYED')],
    ['a connect to every address of a name refused (AggregateError)', Object.assign(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED')], ''), { code: undefined })],
    ['the pool ended (shutdown in progress)', new Error('Cannot use a pool after calling end on the pool')],
    ['the driver error only as the cause', new Error('could not run the query', { cause: withCode('terminating connection due to administrator command', '57P01') })],
  ])('H3 %s', (_what, error) => {
    expect(toDomainError(error)).toBeInstanceOf(StorageUnavailableError);
  });

  it.each([
    ['a unique violation (23505)', failed(withCode('duplicate key value violates unique constraint "x"', '23505'))],
    ['a syntax error (42601)', failed(withCode('syntax error at or near "SELEC"', '42601'))],
    ['an AggregateError of which one cause is not about availability', new AggregateError([withCode('a', 'ECONNREFUSED'), new TypeError('x is undefined')], '')],
    ['a plain programming error', new TypeError('Cannot read properties of undefined')],
  ])('%s stays an internal error (500)', (_what, error) => {
    expect(toDomainError(error)).toBeInstanceOf(InternalError);
  });
});
