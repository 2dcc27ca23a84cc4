// Implicit conversion of the variables below reads their design types: load the metadata polyfill before the class is defined.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { IsLinkTemplate, IsSignInUrl, LinkTemplates } from './link-template';
import { PASSWORD_HASH_SCHEMES, PasswordHashScheme } from './password-hash-schemes';
import { defaultWorkerPoolSize } from './hash-threads';

/** The environment as documented in CONTRACT.md ("Running it") and .env.example. */
export class EnvironmentVariables {
  @IsOptional() @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'DATABASE_URL must be sqlite:<path> or postgres://user@host:port/db',
  })
  DATABASE_URL?: string;
  @IsOptional() @IsString() @Matches(/^https?:\/\/[^\s/?#@"<>\\]+(\/[^\s?#"<>\\]*)?$/, { message: 'PUBLIC_URL must be an http(s) URL without query, fragment or credentials' })
  PUBLIC_URL?: string;
  @IsOptional() @IsString() @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be smtp://host:port or smtps://host:port' })
  SMTP_URL?: string;
  @IsOptional() @IsString() @Matches(/^[^\s@<>]+@[^\s@<>]+$/, { message: 'MAIL_FROM must be an email address' })
  MAIL_FROM?: string;
  @IsOptional() @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters (256 bits); generate one with: openssl rand -base64 48' })
  JWT_SECRET?: string;
  @IsOptional() @IsString() @MinLength(32, { message: 'MASTER_KEY must be at least 32 characters (256 bits); generate one with: openssl rand -base64 48' })
  MASTER_KEY?: string;
  @IsOptional() @IsInt() @Min(4) @Max(15) BCRYPT_COST?: number;
  @IsOptional() @IsInt() @Min(0) @Max(19) HASH_THREAD_NICE?: number;
  // A string: libuv reads it with atoi(), so only plain decimals mean the same to it and to this check.
  @IsOptional() @IsString() @Matches(/^(?:[1-9]\d{0,2}|10[01]\d|102[0-4])$/, { message: 'UV_THREADPOOL_SIZE must be a whole number of threads from 1 to 1024' }) UV_THREADPOOL_SIZE?: string;
  @IsOptional() @IsIn(PASSWORD_HASH_SCHEMES, { message: `PASSWORD_HASH must be one of ${PASSWORD_HASH_SCHEMES.join(', ')}` }) PASSWORD_HASH?: PasswordHashScheme;
  @IsOptional() @IsString() @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be redis://host:port' })
  REDIS_URL?: string;
  @IsOptional() @IsString() @Matches(/^[\w:.-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 of letters, digits, _ : . -' })
  REDIS_KEY_PREFIX?: string;
  @IsOptional() @IsInt() @Min(10) @Max(10_000) REDIS_COMMAND_TIMEOUT_MS?: number;
  @IsOptional() @IsInt() @Min(1) @Max(300) SHUTDOWN_TIMEOUT_SECONDS?: number;
  @IsOptional() @IsString() @MinLength(32, { message: 'ADMIN_API_KEY must be at least 32 characters' })
  ADMIN_API_KEY?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @IsIn(['json', 'pretty']) LOG_FORMAT?: string;
  @IsOptional() @IsIn(['true', 'false']) TRUST_PROXY?: string;
  @IsOptional() @IsInt() @Min(1) @Max(720) INVITATION_TTL_HOURS?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1440) VERIFICATION_CODE_TTL_MINUTES?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1440) RECOVERY_CODE_TTL_MINUTES?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1440) RESET_CODE_TTL_MINUTES?: number;
  @IsOptional() @IsInt() @Min(6) @Max(32) RESET_CODE_LENGTH?: number;
  @IsOptional() @IsString() @Matches(/^(?:(.)(?!.*\1)){10,}$/, { message: 'RESET_CODE_ALPHABET must have at least 10 distinct characters' })
  RESET_CODE_ALPHABET?: string;
  @IsOptional() @IsInt() @Min(60) @Max(86400) ACCESS_TOKEN_TTL_SECONDS?: number;
  @IsOptional() @IsInt() @Min(1) @Max(365) REFRESH_TOKEN_TTL_DAYS?: number;
  @IsOptional() @IsInt() @Min(60) @Max(3600) CLIENT_TOKEN_TTL_SECONDS?: number;
  @IsOptional() @IsInt() @Min(1) RATE_LIMIT_PER_MINUTE?: number;
  @IsOptional() @IsInt() @Min(0) @Max(36500) AUDIT_RETENTION_DAYS?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1000) DATABASE_POOL_MAX?: number;
  @IsOptional() @IsInt() @Min(100) @Max(600_000) DATABASE_STATEMENT_TIMEOUT_MS?: number;
  @IsOptional() @IsInt() @Min(100) @Max(600_000) DATABASE_CONNECT_TIMEOUT_MS?: number;
  @IsOptional() @IsIn(['disable', 'require', 'verify-full'], { message: 'DATABASE_SSL must be one of disable, require, verify-full' })
  DATABASE_SSL?: string;
  @IsOptional() @IsString() DATABASE_SSL_CA?: string;
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) API_KEY_RATE_LIMIT_PER_MINUTE?: number;
  @IsOptional() @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters; generate one with: openssl rand -base64 32' })
  METRICS_TOKEN?: string;
  @IsOptional() @IsString() @IsLinkTemplate() INVITATION_LINK?: string;
  @IsOptional() @IsString() @IsLinkTemplate() VERIFICATION_LINK?: string;
  @IsOptional() @IsString() @IsLinkTemplate() RESET_LINK?: string;
  @IsOptional() @IsString() @IsLinkTemplate() RECOVERY_LINK?: string;
  @IsOptional() @IsString() @IsSignInUrl() SIGN_IN_URL?: string;
  @IsOptional() @IsString()
  @Matches(/^\s*(?:none|[1-9]\d{0,2}\s*(?:,\s*[1-9]\d{0,2}\s*)*)\s*$/, { message: 'PASSWORD_EXPIRY_WARNING_DAYS must be a comma-separated list of days before expiry, each 1..999 (e.g. 14,3), or none' })
  PASSWORD_EXPIRY_WARNING_DAYS?: string;
  @IsOptional() @IsIn(['true', 'false'], { message: 'WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false' }) WEBHOOK_ALLOW_PRIVATE_TARGETS?: string;
  @IsOptional() @IsInt() @Min(1) @Max(60) WEBHOOK_TIMEOUT_SECONDS?: number;
}

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | ({ kind: 'postgres'; url: string; schema?: string } & Partial<PostgresLimits>);

/**
 * Bounds on PostgreSQL, so a slow, frozen or unreachable server becomes a prompt 503 instead of a hang
 * (docs/database-faults.md). Unset fields take DEFAULT_POSTGRES_LIMITS.
 */
export interface PostgresLimits {
  /** Connections in the pool (DATABASE_POOL_MAX). */
  poolMax: number;
  /**
   * Longest a statement may run, in ms (DATABASE_STATEMENT_TIMEOUT_MS): the server's statement_timeout,
   * and, a little later, the client's own timeout, which also fires when the server does not answer at all.
   */
  statementTimeoutMs: number;
  /** Longest wait for a connection, in ms (DATABASE_CONNECT_TIMEOUT_MS): a free one from the pool, or a new one opened. */
  connectTimeoutMs: number;
  /** TLS to the server (DATABASE_SSL, DATABASE_SSL_CA); none by default. */
  tls: PostgresTls;
}

/**
 * TLS to PostgreSQL: `disable` (plain TCP), `require` (encrypted, the server's certificate not checked),
 * `verify-full` (encrypted, the certificate checked against the system CAs or `ca`, and its name
 * against the host). `ca` is the PEM content of DATABASE_SSL_CA, read at start.
 */
export interface PostgresTls {
  mode: 'disable' | 'require' | 'verify-full';
  ca?: string;
}

export const DEFAULT_POSTGRES_LIMITS: Readonly<PostgresLimits> = Object.freeze({ poolMax: 10, statementTimeoutMs: 5000, connectTimeoutMs: 3000, tls: Object.freeze({ mode: 'disable' }) as PostgresTls });

/** Typed, validated configuration. Services read this, never process.env. */
export interface AppConfig {
  port: number;
  database: DatabaseConfig;
  publicUrl: string;
  smtpUrl: string | null;
  mailFrom: string;
  /**
   * Read only at the first start with an empty key ring, to carry over the keys earlier versions
   * derived from it (src/core/keys); used for nothing else.
   */
  jwtSecret: string | null;
  /** Seals the key ring's material; unset means generated once and kept beside the database (service-secret.ts). */
  masterKey: string | null;
  bcryptCost: number;
  /** Nice value (0–19) of the hashing threads, so requests that hash nothing are not queued behind hashes (src/ground/common/worker-pool-priority.ts); 0 leaves them alone. */
  hashThreadNice: number;
  /** Hashing threads, libuv's pool (UV_THREADPOOL_SIZE, 1–1024; by default one a core, 2 to 4: ./hash-threads.ts): at most this many hashes at once. */
  hashThreads: number;
  /** Scheme of new password hashes (PASSWORD_HASH): `bcrypt` (bcrypt-sha384 at bcryptCost) or `argon2id` (m=19456 KiB, t=2, p=1); a login moves older hashes to it. */
  passwordHash: PasswordHashScheme;
  redisUrl: string | null;
  /** Prefix of the rate-limit keys in Redis, so several services can share one Redis. */
  redisKeyPrefix: string;
  /** Bound of one rate-limit command to Redis (ms); past it, or with Redis down, limits are counted in memory. */
  redisCommandTimeoutMs: number;
  /** On SIGTERM/SIGINT: how long in-flight requests may take before every connection is closed (seconds). */
  shutdownTimeoutSeconds: number;
  adminApiKey: string | null;
  logLevel: string;
  /** LOG_FORMAT; null: pretty on a terminal outside production, else JSON (src/ground/common/logging.ts). */
  logFormat: 'json' | 'pretty' | null;
  trustProxy: boolean;
  invitationTtlMs: number;
  verificationCodeTtlMs: number;
  recoveryCodeTtlMs: number;
  resetCodeTtlMs: number;
  resetCodeLength: number;
  resetCodeAlphabet: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlMs: number;
  /** Lifetime of client tokens from POST /oauth/token (client credentials); short, as each request re-checks the key anyway. */
  clientTokenTtlSeconds: number;
  /** Requests per minute per client address and route for callers without a valid credential. */
  rateLimitPerMinute: number;
  /** Audit events older than this many days are deleted (docs/audit.md); 0 keeps them for ever. */
  auditRetentionDays: number;
  /** Requests per minute per API key (all routes) for keys without their own `rate_limit_per_minute`. */
  apiKeyRateLimitPerMinute: number;
  /** Bearer token GET /metrics requires (METRICS_TOKEN); null: /metrics is open (protect it at the proxy). */
  metricsToken: string | null;
  /**
   * URL templates of the links in the emails that carry a secret, `{code}` standing for the URL-encoded
   * secret (INVITATION_LINK, …); by default the service's own pages under publicUrl. An account may
   * override them for its users (SecretLinks).
   */
  links: Readonly<LinkTemplates>;
  /**
   * Where people sign in (SIGN_IN_URL): the success pages link to it once a password is set. An
   * account's own `links.sign_in` takes its place for that account's users; null: no link.
   */
  signInUrl: string | null;
  /**
   * Days before a password expires (policy maxAgeDays) at which its user is emailed a warning, each
   * threshold once per password, largest first (PASSWORD_EXPIRY_WARNING_DAYS, default 14,3); `none`: no warnings.
   */
  passwordExpiryWarningDays: readonly number[];
  /**
   * WEBHOOK_ALLOW_PRIVATE_TARGETS: webhooks may go to loopback, private, link-local and other non-public
   * addresses, and over http:// (on-premises receivers, tests). Off: https:// to public addresses only.
   */
  webhookAllowPrivateTargets: boolean;
  /** Longest one webhook attempt may take, connecting and TLS included, until the answer's status (WEBHOOK_TIMEOUT_SECONDS). */
  webhookTimeoutMs: number;
}

export class ConfigError extends Error {}

const PLACEHOLDER = /^(change[-_ ]?me|secret|password|your[-_ ]?secret|jwt[-_ ]?secret|replace[-_ ]?me|x+)[-_ ]?\d*$/i;

/** Validates the environment and returns the typed configuration; throws ConfigError naming each bad variable. */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const vars = plainToInstance(EnvironmentVariables, raw, { enableImplicitConversion: true });
  const errors = validateSync(vars, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')} (got "${redact(e.property, raw[e.property])}")`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  if (vars.JWT_SECRET && (PLACEHOLDER.test(vars.JWT_SECRET) || new Set(vars.JWT_SECRET).size < 10)) {
    throw new ConfigError('Invalid configuration:\n  JWT_SECRET: looks like a placeholder; generate one with: openssl rand -base64 48');
  }
  if (vars.MASTER_KEY && (PLACEHOLDER.test(vars.MASTER_KEY) || new Set(vars.MASTER_KEY).size < 10)) {
    throw new ConfigError('Invalid configuration:\n  MASTER_KEY: looks like a placeholder; generate one with: openssl rand -base64 48');
  }
  const port = vars.PORT ?? 3000;
  // The default PUBLIC_URL is built from PORT: with PORT=0 every link in emails and pages would name port 0.
  if (port === 0 && !vars.PUBLIC_URL) throw new ConfigError('Invalid configuration:\n  PUBLIC_URL: required with PORT=0 (any free port): the links in emails and pages are built from it');
  const publicUrl = (vars.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const minutes = (n: number) => n * 60_000;
  return Object.freeze({
    port,
    database: parseDatabaseUrl(vars.DATABASE_URL ?? 'sqlite:data/app.db', {
      poolMax: vars.DATABASE_POOL_MAX ?? DEFAULT_POSTGRES_LIMITS.poolMax,
      statementTimeoutMs: vars.DATABASE_STATEMENT_TIMEOUT_MS ?? DEFAULT_POSTGRES_LIMITS.statementTimeoutMs,
      connectTimeoutMs: vars.DATABASE_CONNECT_TIMEOUT_MS ?? DEFAULT_POSTGRES_LIMITS.connectTimeoutMs,
      tls: parsePostgresTls(vars.DATABASE_SSL, vars.DATABASE_SSL_CA),
    }),
    publicUrl,
    smtpUrl: vars.SMTP_URL ?? null,
    mailFrom: vars.MAIL_FROM ?? 'no-reply@localhost',
    jwtSecret: vars.JWT_SECRET ?? null,
    masterKey: vars.MASTER_KEY ?? null,
    bcryptCost: vars.BCRYPT_COST ?? 12,
    hashThreadNice: vars.HASH_THREAD_NICE ?? 10,
    hashThreads: vars.UV_THREADPOOL_SIZE ? Number(vars.UV_THREADPOOL_SIZE) : defaultWorkerPoolSize(),
    passwordHash: vars.PASSWORD_HASH ?? 'bcrypt',
    redisUrl: vars.REDIS_URL ?? null,
    redisKeyPrefix: vars.REDIS_KEY_PREFIX ?? 'pls:',
    redisCommandTimeoutMs: vars.REDIS_COMMAND_TIMEOUT_MS ?? 250,
    shutdownTimeoutSeconds: vars.SHUTDOWN_TIMEOUT_SECONDS ?? 10,
    adminApiKey: vars.ADMIN_API_KEY ?? null,
    logLevel: vars.LOG_LEVEL ?? 'info',
    logFormat: (vars.LOG_FORMAT as 'json' | 'pretty' | undefined) ?? null,
    trustProxy: vars.TRUST_PROXY === 'true',
    invitationTtlMs: minutes(60 * (vars.INVITATION_TTL_HOURS ?? 72)),
    verificationCodeTtlMs: minutes(vars.VERIFICATION_CODE_TTL_MINUTES ?? 15),
    recoveryCodeTtlMs: minutes(vars.RECOVERY_CODE_TTL_MINUTES ?? 60),
    resetCodeTtlMs: minutes(vars.RESET_CODE_TTL_MINUTES ?? 15),
    resetCodeLength: vars.RESET_CODE_LENGTH ?? 6,
    resetCodeAlphabet: vars.RESET_CODE_ALPHABET ?? '0123456789',
    accessTokenTtlSeconds: vars.ACCESS_TOKEN_TTL_SECONDS ?? 900,
    clientTokenTtlSeconds: vars.CLIENT_TOKEN_TTL_SECONDS ?? 300,
    refreshTokenTtlMs: minutes(60 * 24 * (vars.REFRESH_TOKEN_TTL_DAYS ?? 30)),
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE ?? 60,
    auditRetentionDays: vars.AUDIT_RETENTION_DAYS ?? 365,
    // 40 requests a second: an integrator provisioning at 20 a second stays well inside it.
    apiKeyRateLimitPerMinute: vars.API_KEY_RATE_LIMIT_PER_MINUTE ?? 2400,
    metricsToken: vars.METRICS_TOKEN ?? null,
    // The secret goes in the fragment: a browser never sends it to a server, so it never reaches a log or a Referer.
    links: Object.freeze({
      invitation: vars.INVITATION_LINK ?? `${publicUrl}/set-password#token={code}`,
      verification: vars.VERIFICATION_LINK ?? `${publicUrl}/verify-email#code={code}`,
      reset: vars.RESET_LINK ?? `${publicUrl}/password-reset#code={code}`,
      recovery: vars.RECOVERY_LINK ?? `${publicUrl}/account/reset#validation_code={code}`,
    }),
    signInUrl: vars.SIGN_IN_URL ?? null,
    passwordExpiryWarningDays: parseWarningDays(vars.PASSWORD_EXPIRY_WARNING_DAYS ?? '14,3'),
    webhookAllowPrivateTargets: vars.WEBHOOK_ALLOW_PRIVATE_TARGETS === 'true',
    webhookTimeoutMs: (vars.WEBHOOK_TIMEOUT_SECONDS ?? 10) * 1000,
  });
}

/** PASSWORD_EXPIRY_WARNING_DAYS (already validated by shape): distinct days, largest first; `none`: no warnings. */
export function parseWarningDays(raw: string): number[] {
  if (raw.trim() === 'none') return [];
  const days = raw.split(',').map((d) => d.trim()).filter(Boolean).map(Number);
  return [...new Set(days)].sort((a, b) => b - a);
}

/**
 * DATABASE_SSL and DATABASE_SSL_CA (already validated by shape): the CA file is read now, so an
 * unreadable one stops the start with its name; a CA without DATABASE_SSL means verify-full.
 */
export function parsePostgresTls(mode: string | undefined, caPath: string | undefined, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): PostgresTls {
  const effective = (mode ?? (caPath ? 'verify-full' : 'disable')) as PostgresTls['mode'];
  if (!caPath) return { mode: effective };
  if (effective === 'disable') throw new ConfigError('Invalid configuration:\n  DATABASE_SSL_CA: set, but DATABASE_SSL=disable; set DATABASE_SSL=verify-full (or require) or unset DATABASE_SSL_CA');
  let ca: string;
  try {
    ca = readFile(caPath);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  DATABASE_SSL_CA: cannot read ${caPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`Invalid configuration:\n  DATABASE_SSL_CA: ${caPath} holds no PEM certificate`);
  return { mode: effective, ca };
}

export function parseDatabaseUrl(url: string, limits: PostgresLimits = DEFAULT_POSTGRES_LIMITS): DatabaseConfig {
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', path: url.slice('sqlite:'.length) };
  return { kind: 'postgres', url, ...limits };
}

function redact(name: string, value: string | undefined): string {
  if (value === undefined) return '';
  // URLs may carry passwords (DATABASE_URL, SMTP_URL, REDIS_URL); PUBLIC_URL and the link templates are public.
  return /SECRET|KEY|TOKEN/.test(name) || (/URL/.test(name) && name !== 'PUBLIC_URL') ? `<${value.length} characters, not shown>` : value;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
