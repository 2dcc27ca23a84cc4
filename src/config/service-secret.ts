import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writePrivateFile(file, secret);
  logger.warn(`JWT_SECRET is not set: generated one and kept it in ${file}. Set JWT_SECRET when running more than one instance.`);
  return secret;
}

/** Where the service keeps its own files: beside the SQLite database, or ./data with PostgreSQL. */
export function dataDirectory(config: AppConfig): string {
  return config.database.kind === 'sqlite' ? dirname(config.database.path) : 'data';
}

/** Writes a secret to a file only its owner can read. */
export function writePrivateFile(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}
