import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as Pg from 'pg';
import { DEFAULT_POSTGRES_LIMITS, type DatabaseConfig } from '../config/app-config';
import { ensurePrivateFile } from '../config/service-secret';
import { errorCode, StartupError } from '../config/startup-error';
import { postgresSsl } from './data-source-options';

/** Errors worth another attempt within DATABASE_CONNECT_TIMEOUT_MS: the server may be starting. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', '57P03']);
const RETRY_DELAY_MS = 250;

/**
 * Checks, before the app is built, that the database DATABASE_URL names can be used, so a wrong
 * setting stops the start in a few seconds with one line naming it (StartupError) instead of
 * TypeORM's retries and stack traces:
 *
 * - SQLite: the file's directory can be created and written, the file created (the database holds
 *   password hashes: private to this user, see ensurePrivateFile);
 * - PostgreSQL: a connection opens, retried while the server refuses or is starting, for at most
 *   DATABASE_CONNECT_TIMEOUT_MS.
 */
export async function checkDatabase(db: DatabaseConfig): Promise<void> {
  if (db.kind === 'sqlite') return checkSqliteFile(db.path);
  await checkPostgres(db);
}

export function checkSqliteFile(path: string): void {
  if (path === ':memory:') return;
  const file = resolve(path);
  const dir = dirname(file);
  try {
    ensurePrivateFile(file);
  } catch (error) {
    const code = errorCode(error) ?? (error as Error).message;
    if (isDirectory(dir)) throw new StartupError('DATABASE_URL', `cannot create the SQLite file ${file} (${code})`);
    if (code === 'ENOTDIR') throw new StartupError('DATABASE_URL', `cannot create the directory ${dir} for the SQLite file: a path component is not a directory (ENOTDIR)`);
    throw new StartupError('DATABASE_URL', `cannot create the directory ${dir} for the SQLite file (${code})`);
  }
  for (const [target, what] of [[dir, 'directory'], [file, 'file']] as const) {
    try {
      accessSync(target, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new StartupError('DATABASE_URL', `the SQLite ${what} ${target} is not writable (${errorCode(error) ?? (error as Error).message})`);
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function checkPostgres(db: Extract<DatabaseConfig, { kind: 'postgres' }>, opts: { retryDelayMs?: number } = {}): Promise<void> {
  const timeoutMs = db.connectTimeoutMs ?? DEFAULT_POSTGRES_LIMITS.connectTimeoutMs;
  const deadline = Date.now() + timeoutMs;
  const where = postgresAddress(db.url);
  // Loaded here, not at the top: a service on SQLite never loads node-postgres (~20 ms of every start).
  const { Client } = require('pg') as typeof Pg;
  for (;;) {
    const remaining = Math.max(100, deadline - Date.now());
    const client = new Client({ connectionString: db.url, connectionTimeoutMillis: remaining, ssl: postgresSsl(db.tls ?? DEFAULT_POSTGRES_LIMITS.tls) || undefined });
    // A connection that dies after the check must not crash the process with an unhandled 'error'.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end().catch(() => undefined);
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const code = errorCode(error);
      if (code && TRANSIENT.has(code) && Date.now() + (opts.retryDelayMs ?? RETRY_DELAY_MS) < deadline) {
        await new Promise((r) => setTimeout(r, opts.retryDelayMs ?? RETRY_DELAY_MS));
        continue;
      }
      throw new StartupError('DATABASE_URL', `cannot connect to PostgreSQL at ${where} (${describePgError(error, code)})`);
    }
  }
}

function describePgError(error: unknown, code: string | undefined): string {
  const message = (error as Error)?.message ?? String(error);
  if (!code) return /timeout/i.test(message) ? 'timed out: DATABASE_CONNECT_TIMEOUT_MS' : message;
  // Server errors (SQLSTATE, e.g. 28P01 wrong password, 3D000 no such database) say what is wrong; socket errors are their code.
  return /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E') ? `${code} ${message}` : code;
}

/** host:port of a postgres:// URL, without the credentials. */
export function postgresAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
  } catch {
    return 'the DATABASE_URL address';
  }
}
