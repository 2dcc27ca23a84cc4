import { QueryFailedError } from 'typeorm';
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

  it('a query error that is not about availability (unique violation) stays an internal error', () => {
    expect(toDomainError(failed(withCode('duplicate key value violates unique constraint "x"', '23505')))).toBeInstanceOf(InternalError);
  });
});
