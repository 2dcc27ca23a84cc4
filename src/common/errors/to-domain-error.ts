import { HttpException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError } from 'typeorm';
import {
  DomainError, ForbiddenError, InternalError, MalformedBodyError, MethodNotAllowedError, PayloadTooLargeError,
  RateLimitedError, RouteNotFoundError, StorageUnavailableError, UnauthenticatedError,
} from './domain-errors';

// Connection failures, admin shutdown, too many connections, read-only transaction (a standby after failover),
// a statement or lock wait past its bound (57014 statement_timeout, 55P03 lock_timeout), SQLite busy/IO.
const STORAGE_DOWN_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '53300', '25006', '08000', '08001', '08003', '08004', '08006',
  '57014', '55P03',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_CORRUPT',
]);

/** Turns anything thrown while serving a request into one of the service's domain errors. */
export function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof ThrottlerException) return new RateLimitedError();
  const anyErr = err as { status?: number; expose?: boolean; code?: string; driverError?: { code?: string }; message?: string };
  // Body-parser errors (bad JSON 400, too large or too many fields 413, unsupported charset or encoding 415,
  // a corrupt gzip body 400) arrive as http-errors marked `expose` with their status.
  if (isExposedClientError(anyErr)) return anyErr.status === 413 ? new PayloadTooLargeError() : new MalformedBodyError(anyErr.status === 415 ? 'content-type' : 'json');
  if (isStorageDown(anyErr)) return new StorageUnavailableError();
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

function isStorageDown(err: { code?: string; driverError?: { code?: string }; message?: string } | undefined): boolean {
  if (!err) return false;
  const code = err.driverError?.code ?? err.code;
  if (code && STORAGE_DOWN_CODES.has(code)) return true;
  const msg = err.message ?? '';
  if (err instanceof QueryFailedError && /database is locked|disk I\/O error|readonly database/.test(msg)) return true;
  // node-postgres: the client's query timeout (the server did not answer), a connection closed under a query
  // (also every query queued on a connection discarded after a timeout), no connection within the pool's bound.
  return /Query read timeout|Connection terminated|not queryable|connect ECONNREFUSED|timeout exceeded when trying to connect|The database connection is not open|Driver not Connected|Connection is not established/i.test(msg);
}
