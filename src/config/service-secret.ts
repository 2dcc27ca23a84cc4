import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppConfig } from './app-config';

/**
 * JWT_SECRET, or when unset one generated once and kept beside the database (data/jwt-secret for
 * PostgreSQL), so tokens survive restarts. Every other key (secret lookup, outbox sealing) is
 * derived from it.
 */
export function resolveServiceSecret(config: AppConfig, logger = new Logger('Config')): string {
  if (config.jwtSecret) return config.jwtSecret;
  if (config.database.kind === 'sqlite' && config.database.path === ':memory:') return randomBytes(48).toString('base64url');
  const dir = dataDirectory(config);
  const file = join(dir, 'jwt-secret');
  if (existsSync(file)) return readStoredSecret(file);
  const secret = randomBytes(48).toString('base64url');
  try {
    writePrivateFile(file, secret, 'wx');
  } catch (err) {
    // Another instance starting beside this one wrote it first: use theirs, so both agree.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readStoredSecret(file);
    throw err;
  }
  logger.warn(`JWT_SECRET is not set: generated one and kept it in ${file}. Set JWT_SECRET when running more than one instance.`);
  return secret;
}

/** Where the service keeps its own files: beside the SQLite database, or ./data with PostgreSQL. */
export function dataDirectory(config: AppConfig): string {
  return config.database.kind === 'sqlite' ? dirname(config.database.path) : 'data';
}

/** Every key is derived from this secret: a truncated or emptied file must stop the service, not weaken it. */
function readStoredSecret(file: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds no usable secret (fewer than 32 characters): restore it, or remove it to generate a new one (this ends every session and code)`);
  return secret;
}

/** Creates `dir` (and its parents) readable by this user only; an existing directory is left as it is. */
export function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Creates an empty file only its owner can read, unless it exists (e.g. the SQLite database, which holds hashes). */
export function ensurePrivateFile(file: string): void {
  ensurePrivateDirectory(dirname(file));
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
}

/** Writes a secret to a file only its owner can read; flag 'wx' fails if the file exists. */
export function writePrivateFile(file: string, content: string, flag: 'w' | 'wx' = 'w'): void {
  ensurePrivateDirectory(dirname(file));
  writeFileSync(file, content + '\n', { mode: 0o600, flag });
  chmodSync(file, 0o600);
}
