import { HttpException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import {
  CannotExecuteNotConnectedError, ConnectionIsNotSetError, QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError,
} from 'typeorm';
import {
  DomainError, ForbiddenError, InternalError, MalformedBodyError, MethodNotAllowedError, PayloadTooLargeError,
  RateLimitedError, RouteNotFoundError, StorageUnavailableError, UnauthenticatedError,
} from './domain-errors';

/**
 * Error codes that mean "storage is unavailable", whether a socket's (node), a server's (SQLSTATE) or
 * SQLite's. Socket: refused, reset, timed out, unreachable, name lookup, a write to a closed socket.
 * Server: too many connections (53300), read-only transaction (25006, a standby after failover), a
 * statement or lock wait past its bound (57014 statement_timeout, 55P03 lock_timeout); every code of
 * SQLSTATE class 08 (connection exception) and 57P (operator intervention: admin or crash shutdown,
 * cannot connect now, database dropped, idle session timeout) is matched by its prefix below.
 */
const STORAGE_DOWN_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN',
  'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_SOCKET_CLOSED',
  '53300', '25006', '57014', '55P03',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_CORRUPT',
]);
const STORAGE_DOWN_SQLSTATE_CLASSES = /^(08[0-9A-Z]{3}|57P[0-9A-Z]{2})$/;

/**
 * TypeORM's own errors for a connection that went away. PostgreSQL ending a session (a fast shutdown,
 * a failover, a killed backend) makes node-postgres emit `error` on the client; TypeORM then releases
 * the query runner holding it, so the transaction's next statement, or its manager, throws one of
 * these instead of a driver error. Without a connection at all (the data source closed) it throws
 * CannotExecuteNotConnectedError or ConnectionIsNotSetError.
 */
const CONNECTION_GONE_ERRORS = [QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError, CannotExecuteNotConnectedError, ConnectionIsNotSetError];

/**
 * Messages of the driver's errors that carry no code: node-postgres's client timeout (the server did
 * not answer), a connection closed under a query (also every query queued on a connection discarded
 * after a timeout), a client that is no longer queryable, no connection within the pool's bound, a
 * pool already ended (shutdown); TypeORM's "Driver not Connected" and better-sqlite3's closed database.
 */
const STORAGE_DOWN_MESSAGES =
  /Query read timeout|Connection terminated|not queryable|connect ECONNREFUSED|timeout exceeded when trying to connect|Cannot use a pool after calling end on the pool|The database connection is not open|Driver not Connected|Connection is not established/i;

/** Turns anything thrown while serving a request into one of the service's domain errors. */
export function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof ThrottlerException) return new RateLimitedError();
  const anyErr = err as { status?: number; expose?: boolean };
  // Body-parser errors (bad JSON 400, too large or too many fields 413, unsupported charset or encoding 415,
  // a corrupt gzip body 400) arrive as http-errors marked `expose` with their status.
  if (isExposedClientError(anyErr)) return anyErr.status === 413 ? new PayloadTooLargeError() : new MalformedBodyError(anyErr.status === 415 ? 'content-type' : 'json');
  if (isStorageDown(err)) return new StorageUnavailableError();
  if (err instanceof HttpException) {
    switch (err.getStatus()) {
      case 401: return new UnauthenticatedError();
      case 403: return new ForbiddenError();
      case 404: return new RouteNotFoundError();
      case 405: return new MethodNotAllowedError();
      case 413: return new PayloadTooLargeError();
      case 415: return new MalformedBodyError('content-type');
      case 429: return new RateLimitedError();
      case 400: return new MalformedBodyError('json');
      case 503: return new StorageUnavailableError();
    }
  }
  return new InternalError();
}

/** An http-errors error raised for the request itself (body-parser marks those `expose`). */
function isExposedClientError(err: { status?: number; expose?: boolean } | undefined): err is { status: number; expose: true } {
  return !!err && err.expose === true && typeof err.status === 'number' && err.status >= 400 && err.status < 500;
}

type ErrorLike = { code?: unknown; driverError?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

/**
 * Whether `err` says the database cannot be reached or used right now (the answer is 503, the request
 * may be retried), as opposed to a query that is wrong (500). Looks through TypeORM's QueryFailedError
 * (`driverError`), an error's `cause` and an AggregateError's `errors` (a connect to several addresses).
 */
export function isStorageDown(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  if (CONNECTION_GONE_ERRORS.some((type) => err instanceof type)) return true;
  const e = err as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && (STORAGE_DOWN_CODES.has(code) || STORAGE_DOWN_SQLSTATE_CLASSES.test(code))) return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  if (err instanceof QueryFailedError && /database is locked|disk I\/O error|readonly database/.test(msg)) return true;
  if (STORAGE_DOWN_MESSAGES.test(msg)) return true;
  if (isStorageDown(e.driverError, depth + 1) || isStorageDown(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((inner) => isStorageDown(inner, depth + 1));
}
