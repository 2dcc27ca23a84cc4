import 'reflect-metadata';
import { DynamicModule, INestApplicationContext, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Command, CommandFactory, CommandRunner, CommandRunnerService, Option, SubCommand } from 'nest-commander';
import { DataSource, In, IsNull, MigrationExecutor } from 'typeorm';
import { AccountAdminService } from '../../features/accounts/account-admin.service';
import { CreateAccountDto } from '../../features/accounts/dto/create-account.dto';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../access/scopes';
import { ApiKey } from '../../features/api-keys/api-key.entity';
import { ApiKeysService } from '../../features/api-keys/api-keys.service';
import { AppModule } from '../../app.module';
import { SYSTEM_CALLER } from '../../access/caller';
import { createRootLogger, ServiceLogger } from '../../ground/common/logging';
import { AppConfig, ConfigError, loadAppConfig } from '../../ground/config/app-config';
import { buildDataSourceOptions } from '../../ground/database/data-source-options';
import { openMigratedDataSource, runMigrationsLocked } from '../../ground/database/migration-lock';
import { runKeysCli } from '../../core/keys/keys-cli';
import { OutboxMessage, type OutboxStatus } from '../../core/mail/outbox-message.entity';
import { RequestValidationError } from '../../ground/common/errors/domain-errors';
import { IMPORT_FORMATS } from '../../core/password/hash-schemes/imported-hash';
import { ImportPasswordHashDto } from '../../features/users/dto/import-password-hash.dto';
import { UserActionsService } from '../../features/users/user-actions.service';

/** Where a command writes: its answer to stdout (for machines), everything else to stderr. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Exit codes: 0 done, 1 refused or failed, 2 usage error (unknown command or option, missing or bad argument). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown by a command for a bad argument: exit 2. */
class UsageError extends Error {}

/** Per run: the environment, the output and the exit code the commands set. */
export class CliContext {
  exitCode: number = EXIT.ok;
  constructor(readonly env: Record<string, string | undefined>, readonly out: CliOutput) {}

  print(line: string): void {
    this.out.stdout(`${line}\n`);
  }
  log(line: string): void {
    this.out.stderr(`${line}\n`);
  }
  json(value: unknown): void {
    this.print(JSON.stringify(value, null, 2));
  }
  /** A list for people: a header row naming the columns, then one tab-separated row each (`--json` is for machines). */
  table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): void {
    for (const row of [header, ...rows]) this.print(row.join('\t'));
  }

  /**
   * Says on stderr which database a command works on (the password in a URL masked), so a forgotten
   * DATABASE_URL never goes unnoticed: the default is a SQLite file in the working directory.
   */
  announceDatabase(): void {
    const raw = this.env.DATABASE_URL;
    const shown = raw ? raw.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@') : 'sqlite:data/app.db (DATABASE_URL is not set: the default)';
    this.log(`database: ${shown}`);
  }

  /** The validated configuration (a ConfigError is a failure: exit 1). */
  config(): AppConfig {
    return loadAppConfig(this.env);
  }

  /** The whole service without HTTP (migrations run as at start-up; nothing listens), closed after `fn`. */
  async withApp<T>(fn: (app: INestApplicationContext) => Promise<T>): Promise<T> {
    this.announceDatabase();
    const config = this.config();
    const logger = createRootLogger(config, { write: (s: string) => this.out.stderr(s) });
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { logger }), { logger: ServiceLogger.over(logger), abortOnError: false });
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  }

  /** The migrated database alone (no Nest application), closed after `fn`. */
  async withDatabase<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
    this.announceDatabase();
    const ds = await openMigratedDataSource(this.config().database);
    try {
      return await fn(ds);
    } finally {
      await ds.destroy();
    }
  }

  /** Runs a command body: a UsageError is exit 2, any other error exit 1 (its message on stderr). */
  async guard(fn: () => Promise<void> | void): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.log(err instanceof ConfigError ? err.message : `error: ${describeFailure(err)}`);
      this.exitCode = err instanceof UsageError ? EXIT.usage : EXIT.failed;
    }
  }
}

/** The operator CLI acts as the system: audited with actor `system`, bound to no account. */
const SYSTEM = SYSTEM_CALLER;

abstract class CliCommand extends CommandRunner {
  constructor(@Inject(CliContext) protected readonly ctx: CliContext) {
    super();
  }
  /** A parent command without a sub-command: its help on stderr, exit 2. */
  protected usage(): void {
    this.ctx.out.stderr(this.command.helpInformation());
    this.ctx.exitCode = EXIT.usage;
  }
}

const jsonOption = { flags: '--json', description: 'print JSON' } as const;

// ---------------------------------------------------------------- api-key

@SubCommand({ name: 'create', description: 'create an API key; prints it once (and its id): store it now, only its hash is kept' })
class ApiKeyCreateCommand extends CliCommand {
  async run(_args: string[], o: { name: string; scopes: string; account?: string; json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const scopes = o.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
      if (!scopes.length || unknown.length) throw new UsageError(`--scopes: one or more of ${API_KEY_SCOPES.join(', ')} (got "${o.scopes}")`);
      if (!o.name.trim()) throw new UsageError('--name must not be empty');
      const { key, raw } = await this.ctx.withApp((app) =>
        app.get(ApiKeysService).create({ name: o.name, scopes: scopes as ApiKeyScope[], accountId: o.account ?? null }, SYSTEM),
      );
      if (o.json) this.ctx.json({ id: key.id, key: raw, name: key.name, scopes: key.scopes, account_id: key.accountId });
      else this.ctx.print(`${key.id}\t${raw}`);
      this.ctx.log('The key is shown this once: store it now.');
    });
  }
  @Option({ flags: '--name <name>', description: 'what the key is for', required: true }) parseName(v: string): string {
    return v;
  }
  @Option({ flags: '--scopes <a,b>', description: `comma-separated, of: ${API_KEY_SCOPES.join(', ')}`, required: true }) parseScopes(v: string): string {
    return v;
  }
  @Option({ flags: '--account <id>', description: 'bind the key to this account' }) parseAccount(v: string): string {
    return v;
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'list', description: 'the live API keys: id, name, scopes, account, created, last used (never the key or its hash)' })
class ApiKeyListCommand extends CliCommand {
  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const keys = await this.ctx.withDatabase((ds) => ds.getRepository(ApiKey).find({ where: { revokedAt: IsNull() }, order: { createdAt: 'ASC' } }));
      const rows = keys.map((k) => ({
        id: k.id, name: k.name, scopes: k.scopes, account_id: k.accountId, created_at: iso(k.createdAt), last_used_at: iso((k as { lastUsedAt?: Date | null }).lastUsedAt),
      }));
      if (o.json) this.ctx.json(rows);
      else this.ctx.table(['id', 'name', 'scopes', 'account_id', 'created_at', 'last_used_at'], rows.map((r) => [r.id, r.name, r.scopes.join(','), r.account_id ?? '-', r.created_at ?? '-', r.last_used_at ?? '-']));
    });
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'api-key', description: 'create and list API keys', subCommands: [ApiKeyCreateCommand, ApiKeyListCommand] })
class ApiKeyCommand extends CliCommand {
  async run(): Promise<void> {
    this.usage();
  }
}

// ---------------------------------------------------------------- account

@SubCommand({ name: 'create', description: 'create an account and its owner; the owner is invited by email (through the outbox)' })
class AccountCreateCommand extends CliCommand {
  async run(_args: string[], o: { name: string; ownerEmail: string; json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const dto = plainToInstance(CreateAccountDto, { name: o.name, owner: { email: o.ownerEmail } });
      const errors = validateSync(dto, { whitelist: true });
      if (errors.length) throw new UsageError(`invalid account: ${describe(errors)}`);
      const { data } = await this.ctx.withApp((app) => app.get(AccountAdminService).create(dto, SYSTEM));
      if (o.json) this.ctx.json({ account_id: data.account_id, owner_id: data.user_id });
      else this.ctx.print(`${data.account_id}\t${data.user_id}`);
    });
  }
  @Option({ flags: '--name <name>', description: 'the account name', required: true }) parseName(v: string): string {
    return v;
  }
  @Option({ flags: '--owner-email <email>', description: "the owner's email address (invited)", required: true }) parseOwner(v: string): string {
    return v;
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'account', description: 'create accounts', subCommands: [AccountCreateCommand] })
class AccountCommand extends CliCommand {
  async run(): Promise<void> {
    this.usage();
  }
}

// ---------------------------------------------------------------- migrations

/** A data source for the migration step (one connection, no statement timeout), closed after `fn`. */
async function withMigrationSource<T>(ctx: CliContext, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  ctx.announceDatabase();
  const ds = await new DataSource(buildDataSourceOptions(ctx.config().database, { purpose: 'migrations' })).initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

@SubCommand({ name: 'run', description: 'run the pending migrations (under the same lock as the start-up of every instance)' })
class MigrationsRunCommand extends CliCommand {
  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const ran = await withMigrationSource(this.ctx, (ds) => runMigrationsLocked(ds));
      if (o.json) this.ctx.json({ ran: ran.map((m) => m.name) });
      else for (const m of ran) this.ctx.print(m.name);
      this.ctx.log(ran.length ? `ran ${ran.length} migration(s)` : 'no pending migration');
    });
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'revert', description: 'revert the last migration run (stop every instance first)' })
class MigrationsRevertCommand extends CliCommand {
  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const reverted = await withMigrationSource(this.ctx, async (ds) => {
        const executed = await new MigrationExecutor(ds).getExecutedMigrations();
        if (!executed.length) return null;
        await ds.undoLastMigration({ transaction: 'all' });
        return executed.sort((a, b) => b.timestamp - a.timestamp)[0].name;
      });
      if (!reverted) throw new Error('no migration to revert');
      if (o.json) this.ctx.json({ reverted });
      else this.ctx.print(reverted);
    });
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'show', description: 'every migration, applied or pending' })
class MigrationsShowCommand extends CliCommand {
  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const rows = await withMigrationSource(this.ctx, async (ds) => {
        const executor = new MigrationExecutor(ds);
        const executed = new Set((await executor.getExecutedMigrations()).map((m) => m.name));
        return ds.migrations.map((m) => ({ name: m.name ?? m.constructor.name, applied: executed.has(m.name ?? m.constructor.name) }));
      });
      if (o.json) this.ctx.json(rows);
      else {
        // A checklist rather than columns: its header row is the legend.
        this.ctx.print('[X] applied, [ ] pending');
        for (const r of rows) this.ctx.print(`${r.applied ? '[X]' : '[ ]'} ${r.name}`);
      }
    });
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'migrations', description: 'run, revert and show the database migrations', subCommands: [MigrationsRunCommand, MigrationsRevertCommand, MigrationsShowCommand] })
class MigrationsCommand extends CliCommand {
  async run(): Promise<void> {
    this.usage();
  }
}

// ---------------------------------------------------------------- outbox

const OUTBOX_STATUSES: OutboxStatus[] = ['pending', 'dead', 'sent'];

@SubCommand({ name: 'show', description: 'outbox messages, newest first: id, kind, recipient domain, status, attempts, last error (never the body)' })
class OutboxShowCommand extends CliCommand {
  async run(_args: string[], o: { status?: OutboxStatus; limit?: number; json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const messages = await this.ctx.withDatabase((ds) =>
        ds.getRepository(OutboxMessage).find({
          where: o.status ? { status: o.status } : {},
          order: { createdAt: 'DESC', id: 'DESC' },
          take: o.limit ?? 50,
          select: ['id', 'kind', 'recipient', 'status', 'attempts', 'lastError', 'nextAttemptAt', 'createdAt', 'sentAt'],
        }),
      );
      const rows = messages.map((m) => ({
        id: m.id, kind: m.kind, recipient_domain: m.recipient.slice(m.recipient.lastIndexOf('@') + 1), status: m.status, attempts: m.attempts,
        last_error: m.lastError, next_attempt_at: iso(m.nextAttemptAt), created_at: iso(m.createdAt), sent_at: iso(m.sentAt),
      }));
      if (o.json) this.ctx.json(rows);
      else this.ctx.table(['id', 'kind', 'recipient_domain', 'status', 'attempts', 'last_error'], rows.map((r) => [r.id, r.kind, r.recipient_domain, r.status, r.attempts, r.last_error ?? '-']));
    });
  }
  @Option({ flags: '--status <status>', description: `only messages with this status: ${OUTBOX_STATUSES.join(', ')}` }) parseStatus(v: string): string {
    if (!(OUTBOX_STATUSES as string[]).includes(v)) throw new UsageError(`--status: one of ${OUTBOX_STATUSES.join(', ')} (got "${v}")`);
    return v;
  }
  @Option({ flags: '--limit <n>', description: 'at most n messages (default 50, at most 1000)' }) parseLimit(v: string): number {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--limit: an integer from 1 to 1000 (got "${v}")`);
    return n;
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'retry', arguments: '<id>', description: 'make a dead or pending message due now (a dead one starts its attempts again)' })
class OutboxRetryCommand extends CliCommand {
  async run([id]: string[], o: { json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      await this.ctx.withDatabase(async (ds) => {
        const repo = ds.getRepository(OutboxMessage);
        const message = await repo.findOne({ where: { id }, select: ['id', 'status', 'attempts'] });
        if (!message) throw new Error(`no outbox message ${id}`);
        if (message.status === 'sent') throw new Error(`outbox message ${id} was sent already`);
        if (message.status === 'dead' && (await repo.exists({ where: { id, sealedBody: IsNull() } }))) {
          throw new Error(`outbox message ${id} has no body left to send`);
        }
        const updated = await repo.update(
          { id, status: In(['pending', 'dead']) },
          { status: 'pending', nextAttemptAt: new Date(), lockedUntil: null, ...(message.status === 'dead' ? { attempts: 0 } : {}) },
        );
        if (updated.affected !== 1) throw new Error(`outbox message ${id} changed meanwhile: try again`);
      });
      if (o.json) this.ctx.json({ id, status: 'pending' });
      else this.ctx.print(id);
      this.ctx.log(`message ${id} is due now; a running instance with SMTP_URL sends it within its next pass`);
    });
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

@Command({ name: 'outbox', description: 'show the mail outbox and retry a message', subCommands: [OutboxShowCommand, OutboxRetryCommand] })
class OutboxCommand extends CliCommand {
  async run(): Promise<void> {
    this.usage();
  }
}

// ---------------------------------------------------------------- sessions

@SubCommand({ name: 'end', arguments: '<user-id>', description: "end every session of a user (as DELETE /users/{id}/sessions; audited with actor system)" })
class SessionsEndCommand extends CliCommand {
  async run([userId]: string[]): Promise<void> {
    await this.ctx.guard(async () => {
      await this.ctx.withApp((app) => app.get(UserActionsService).endSessions(userId, SYSTEM));
      this.ctx.print(userId);
    });
  }
}

@Command({ name: 'sessions', description: "end a user's sessions", subCommands: [SessionsEndCommand] })
class SessionsCommand extends CliCommand {
  async run(): Promise<void> {
    this.usage();
  }
}

// ---------------------------------------------------------------- users

interface ImportHashOptions { format: string; hash: string; salt?: string; saltSeparator?: string; signerKey?: string; rounds?: number; memCost?: number; json?: boolean }

@SubCommand({
  name: 'import-hash',
  arguments: '<user-id>',
  description:
    "import a user's existing password hash from another system (as PUT /users/{id}/password-hash; audited with actor system): " +
    `--format ${IMPORT_FORMATS.join('|')}; firebase-scrypt also takes the user's --salt and the project's --salt-separator, --signer-key, --rounds, --mem-cost`,
})
class UsersImportHashCommand extends CliCommand {
  async run([userId]: string[], o: ImportHashOptions): Promise<void> {
    await this.ctx.guard(async () => {
      const dto = plainToInstance(ImportPasswordHashDto, {
        format: o.format, hash: o.hash, salt: o.salt, salt_separator: o.saltSeparator, signer_key: o.signerKey, rounds: o.rounds, mem_cost: o.memCost,
      });
      const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
      if (errors.length) throw new UsageError(`invalid import: ${describe(errors)}`);
      const { data } = await this.ctx.withApp(async (app) => {
        try {
          return await app.get(UserActionsService).importPasswordHash(userId, dto, SYSTEM);
        } catch (err) {
          if (err instanceof RequestValidationError) {
            throw new UsageError(`invalid import: ${err.issues.map((i) => `${i.path}: not a valid ${i.params?.format ?? 'value'}`).join('; ')}`);
          }
          throw err;
        }
      });
      if (o.json) this.ctx.json(data);
      else this.ctx.print(`${data.user_id}\t${data.algorithm}`);
    });
  }
  @Option({ flags: '--format <format>', description: IMPORT_FORMATS.join(', '), required: true }) parseFormat(v: string): string {
    return v;
  }
  @Option({ flags: '--hash <hash>', description: "the hash (single-quote it: it holds $); Firebase: the user's base64 passwordHash", required: true }) parseHash(v: string): string {
    return v;
  }
  @Option({ flags: '--salt <base64>', description: "firebase-scrypt: the user's salt" }) parseSalt(v: string): string {
    return v;
  }
  @Option({ flags: '--salt-separator <base64>', description: "firebase-scrypt: the project's base64_salt_separator" }) parseSaltSeparator(v: string): string {
    return v;
  }
  @Option({ flags: '--signer-key <base64>', description: "firebase-scrypt: the project's base64_signer_key" }) parseSignerKey(v: string): string {
    return v;
  }
  @Option({ flags: '--rounds <n>', description: "firebase-scrypt: the project's rounds" }) parseRounds(v: string): number {
    return integerOption('--rounds', v);
  }
  @Option({ flags: '--mem-cost <n>', description: "firebase-scrypt: the project's mem_cost" }) parseMemCost(v: string): number {
    return integerOption('--mem-cost', v);
  }
  @Option(jsonOption) parseJson(): boolean {
    return true;
  }
}

function integerOption(name: string, v: string): number {
  if (!/^\d{1,6}$/.test(v)) throw new UsageError(`${name} must be a whole number`);
  return Number(v);
}

@Command({ name: 'users', description: "import a user's password hash", subCommands: [UsersImportHashCommand] })
class UsersCommand extends CliCommand {
  async run(): Promise<void> {
    this.usage();
  }
}

// ---------------------------------------------------------------- keys

/** Delegates to `npm run keys` (src/core/keys/keys-cli.ts), its answer on stdout. */
async function keys(ctx: CliContext, args: string[]): Promise<void> {
  ctx.exitCode = await runKeysCli(args, ctx.env, { log: (line) => ctx.print(line), error: (line) => ctx.log(line) });
}

@SubCommand({ name: 'list', description: 'the keys of the ring: id, purpose, algorithm, active or retired (never key material)' })
class KeysListCommand extends CliCommand {
  async run(): Promise<void> {
    await keys(this.ctx, ['list']);
  }
}

@SubCommand({ name: 'rotate', arguments: '<purpose>', description: 'a new active key for signing, lookup or seal; the old one is retired and keeps working for what it protected' })
class KeysRotateCommand extends CliCommand {
  async run([purpose]: string[]): Promise<void> {
    if (!['signing', 'lookup', 'seal'].includes(purpose)) {
      this.ctx.log(`error: <purpose> must be one of signing, lookup, seal (got "${purpose}")`);
      this.ctx.exitCode = EXIT.usage;
      return;
    }
    await keys(this.ctx, ['rotate', purpose]);
  }
}

@Command({ name: 'keys', description: 'list and rotate the key ring', subCommands: [KeysListCommand, KeysRotateCommand] })
class KeysCommand extends CliCommand {
  async run(): Promise<void> {
    this.usage();
  }
}

// ---------------------------------------------------------------- config

@Command({ name: 'config', description: 'the effective configuration as JSON, secrets masked' })
class ConfigCommand extends CliCommand {
  async run(): Promise<void> {
    await this.ctx.guard(() => this.ctx.json(maskConfig(this.ctx.config())));
  }
}

/**
 * The configuration's secrets: fields whose name ends in Secret, Key, Token or Password (jwtSecret,
 * masterKey, adminApiKey, metricsToken), matched on the end of the name so that `redisKeyPrefix` or
 * `passwordHash` (a scheme name) stay readable.
 */
const SECRET_FIELD = /(secret|key|token|password)$/i;

/**
 * The configuration as `cli config` prints it: every value as loaded, except secrets, which become
 * "***" (null stays null: "not set" is worth knowing), and the password of a URL (DATABASE_URL,
 * SMTP_URL, REDIS_URL), which becomes "***".
 */
export function maskConfig(config: object): unknown {
  const mask = (name: string, value: unknown): unknown => {
    if (value === null || value === undefined) return value;
    if (typeof value === 'string') {
      if (SECRET_FIELD.test(name)) return '***';
      if (/url$/i.test(name)) return maskUrl(value);
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => mask('', v));
    if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(k, v)]));
    return value;
  };
  return mask('', config);
}

function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

// ---------------------------------------------------------------- runner

const COMMANDS = [
  ApiKeyCommand, ApiKeyCreateCommand, ApiKeyListCommand,
  AccountCommand, AccountCreateCommand,
  MigrationsCommand, MigrationsRunCommand, MigrationsRevertCommand, MigrationsShowCommand,
  OutboxCommand, OutboxShowCommand, OutboxRetryCommand,
  SessionsCommand, SessionsEndCommand,
  UsersCommand, UsersImportHashCommand,
  KeysCommand, KeysListCommand, KeysRotateCommand,
  ConfigCommand,
];

/** The parts of nest-commander's commander (its own copy, v11) used here. */
interface Commander {
  commands: readonly Commander[];
  name(n: string): Commander;
  description(d: string): Commander;
  exitOverride(): Commander;
  configureOutput(o: { writeOut(s: string): void; writeErr(s: string): void }): Commander;
  parseAsync(argv: string[], o: { from: 'user' }): Promise<unknown>;
}

function isCommanderError(err: unknown): err is { code: string; exitCode: number } {
  return typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('commander.') && typeof (err as { exitCode?: unknown }).exitCode === 'number';
}

@Module({})
class CliModule {
  static forContext(ctx: CliContext): DynamicModule {
    return { module: CliModule, providers: [{ provide: CliContext, useValue: ctx }, ...COMMANDS] };
  }
}

/**
 * `npm run cli -- <argv>`: runs one command with `env` (the service's variables), writing to `out`.
 * Returns the exit code (EXIT); never calls process.exit.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined>, out: CliOutput): Promise<number> {
  const ctx = new CliContext(env, out);
  const app = await CommandFactory.createWithoutRunning(CliModule.forContext(ctx), { logger: false, cliName: 'cli' });
  try {
    const runner = app.get(CommandRunnerService);
    const root = (runner as unknown as { commander: Commander }).commander;
    root.name('npm run cli --').description('Operator commands for the password lifecycle service. Reads the same environment as the service (DATABASE_URL, MASTER_KEY, ...).');
    // Every command, sub-commands included: help to stdout, errors to stderr, and no process.exit.
    const configure = (c: Commander) => {
      c.exitOverride().configureOutput({ writeOut: (s: string) => out.stdout(s), writeErr: (s: string) => out.stderr(s) });
      c.commands.forEach(configure);
    };
    configure(root);
    try {
      await root.parseAsync(argv, { from: 'user' });
    } catch (err) {
      if (isCommanderError(err)) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      if (err instanceof UsageError) {
        out.stderr(`error: ${err.message}\n`);
        return EXIT.usage;
      }
      out.stderr(`error: ${(err as Error).message}\n`);
      return EXIT.failed;
    }
    return ctx.exitCode;
  } finally {
    await app.close();
  }
}

function iso(d: Date | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}

function describe(errors: import('class-validator').ValidationError[], prefix = ''): string {
  return errors
    .flatMap((e) => [
      ...Object.values(e.constraints ?? {}).map((m) => `${prefix}${e.property}: ${m}`),
      ...(e.children?.length ? [describe(e.children, `${prefix}${e.property}.`)] : []),
    ])
    .filter(Boolean)
    .join('; ');
}

/**
 * A failure in words: the message, or for a domain error without one its code in plain words
 * (USER_NOT_FOUND → "user not found"), never an empty "error: ".
 */
export function describeFailure(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code) return code.toLowerCase().replace(/_/g, ' ');
  return err instanceof Error ? err.name : String(err);
}
