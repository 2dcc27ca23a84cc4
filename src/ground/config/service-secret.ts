import { Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, type AppConfig, type DatabaseConfig } from './app-config';

/**
 * MASTER_KEY, or when unset one generated once and kept beside the database (`<data directory>/master-key`),
 * so the key ring (src/core/keys) opens after a restart. Several instances on one database need the same one.
 */
export function resolveMasterKey(config: AppConfig, logger = new Logger('Config'), ringIsEmpty = true): string {
  if (config.masterKey) return config.masterKey;
  if (config.database.kind === 'sqlite' && config.database.path === ':memory:') return randomBytes(48).toString('base64url');
  const file = join(dataDirectory(config), 'master-key');
  if (existsSync(file)) {
    logger.log(`MASTER_KEY is not set: using the master key in ${file}`);
    return readStoredSecret(file, 'MASTER_KEY');
  }
  // A ring that exists was made with some master key: a new one could never open it, so none is written.
  // (The same PostgreSQL database reached under another host name has another data directory.)
  if (!ringIsEmpty) {
    const others = existsSync('data') ? readdirSync('data').map((d) => join('data', d, 'master-key')).filter((f) => f !== file && existsSync(f)) : [];
    throw new ConfigError(
      `MASTER_KEY: not set, and ${file} does not exist, but this database already has a key ring made with a master key: set MASTER_KEY, ` +
        `or copy the master-key file of the install that made it to ${file}${others.length ? ` (found: ${others.join(', ')})` : ''}`,
    );
  }
  const secret = randomBytes(48).toString('base64url');
  try {
    // Atomic: the file appears with its whole content or not at all, and only one instance creates it.
    writePrivateFile(file, secret, 'wx');
  } catch (err) {
    // Another instance starting beside this one created it first: use theirs (complete), so both agree.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readStoredSecret(file, 'MASTER_KEY');
    throw err;
  }
  logger.warn(`MASTER_KEY is not set: generated one and kept it in ${file}. Back it up; set MASTER_KEY when running more than one instance.`);
  return secret;
}

/**
 * The service secret of earlier versions (JWT_SECRET, or the jwt-secret file they generated), read only
 * to carry over the keys they derived from it when the key ring is still empty; null when there is none.
 * Earlier versions kept PostgreSQL's file in ./data/jwt-secret, which is still looked at.
 */
export function readLegacyServiceSecret(config: AppConfig, logger = new Logger('Config')): string | null {
  if (config.jwtSecret) return config.jwtSecret;
  const candidates = [join(dataDirectory(config), 'jwt-secret'), ...(config.database.kind === 'postgres' ? [join('data', 'jwt-secret')] : [])];
  const file = candidates.find((f) => existsSync(f));
  if (!file) return null;
  logger.log(`carrying over the keys earlier versions derived from ${file}`);
  return readStoredSecret(file, 'JWT_SECRET');
}

/**
 * Where the service keeps its own files: beside the SQLite database; for PostgreSQL a directory of its
 * own per database (`data/postgres-<hash of host:port/database/schema>`), so two databases never share
 * (or overwrite) each other's files.
 */
export function dataDirectory(config: Pick<AppConfig, 'database'>): string {
  return config.database.kind === 'sqlite' ? dirname(config.database.path) : join('data', `postgres-${postgresIdentity(config.database).hash}`);
}

/** `host:port/database/schema` of a PostgreSQL configuration (no credentials) and a short hash of it. */
export function postgresIdentity(db: Extract<DatabaseConfig, { kind: 'postgres' }>): { name: string; hash: string } {
  const url = new URL(db.url);
  const name = `${url.hostname}:${url.port || '5432'}/${decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres'}/${db.schema ?? 'public'}`;
  return { name, hash: createHash('sha256').update(name).digest('hex').slice(0, 12) };
}

/** Keys come from these files: a truncated or emptied file must stop the service, not weaken it. */
function readStoredSecret(file: string, name: string): string {
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds no usable secret (fewer than 32 characters): restore it, or set ${name}`);
  return secret;
}

/**
 * Creates `dir` (and its parents) readable by this user only; an existing directory is left as it is,
 * including one another process (an instance starting beside this one) creates meanwhile.
 */
export function ensurePrivateDirectory(dir: string): void {
  // One level at a time, not mkdirSync's `recursive`: under /proc that never returns (it retries ENOENT for ever).
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw err;
    }
  }
}

/** Creates an empty file only its owner can read, unless it exists (e.g. the SQLite database, which holds hashes). */
export function ensurePrivateFile(file: string): void {
  ensurePrivateDirectory(dirname(file));
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
}

/**
 * Writes a secret to a file only its owner can read, never visible half-written: the content goes to a
 * temporary file beside it (written and flushed to disk), which then takes the name in one step.
 * - `'w'`: replaces the file (rename): a reader sees the old content or the new one.
 * - `'wx'`: only if no file has the name (a hard link, which fails with EEXIST like O_EXCL): of processes
 *   creating it together exactly one succeeds, and the others' EEXIST comes when the winner's content is
 *   already complete, so they can read it at once.
 */
export function writePrivateFile(file: string, content: string, flag: 'w' | 'wx' = 'w'): void {
  ensurePrivateDirectory(dirname(file));
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, content + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(temp, 0o600); // the mode above is subject to the umask
    const fd = openSync(temp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (flag === 'w') renameSync(temp, file);
    else linkOrCreate(temp, file, content);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** linkSync(temp, file); on a file system without hard links, an exclusive create of `file` instead (not atomic for readers). */
function linkOrCreate(temp: string, file: string, content: string): void {
  try {
    linkSync(temp, file);
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    writeFileSync(file, content + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
}
