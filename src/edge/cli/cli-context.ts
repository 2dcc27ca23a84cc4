import { INestApplicationContext, Inject } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandRunner } from 'nest-commander';
import { DataSource } from 'typeorm';
import { AppModule } from '../../app.module';
import { SYSTEM_CALLER } from '../../access/caller';
import { createRootLogger, ServiceLogger } from '../../ground/common/logging';
import { sizeWorkerPool } from '../../ground/common/worker-pool-priority';
import { AppConfig, ConfigError, loadAppConfig } from '../../ground/config/app-config';
import { openMigratedDataSource } from '../../ground/database/migration-lock';
import { checkDatabase } from '../../ground/database/preflight';
import { FieldIssue } from '../../ground/common/errors/domain-errors';
import { toFieldIssues } from '../../ground/common/validation';
import { describeIssue } from '../dialects/service.presenter';

/** Where a command writes: its answer to stdout (for machines), everything else to stderr. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Exit codes: 0 done, 1 refused or failed, 2 usage error (unknown command or option, missing or bad argument). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Thrown by a command for a bad argument: exit 2. */
export class UsageError extends Error {}

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
  private announceDatabase(): void {
    const raw = this.env.DATABASE_URL;
    const shown = raw ? raw.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@') : 'sqlite:data/app.db (DATABASE_URL is not set: the default)';
    this.log(`database: ${shown}`);
  }

  /** The validated configuration (a ConfigError is a failure: exit 1). */
  config(): AppConfig {
    const config = loadAppConfig(this.env);
    // As the service's start does, for the process's own environment (the CLI's process): libuv's pool takes the
    // configured size (an empty UV_THREADPOOL_SIZE from .env would otherwise be 1 thread). Tests pass an env of their own.
    if (this.env === process.env) sizeWorkerPool(config.hashThreads);
    return config;
  }

  /**
   * The configuration of a command that uses the database: the database named on stderr, then checked as the
   * service's start checks it, so one it cannot use fails with one line naming DATABASE_URL (preflight.ts).
   */
  async checkedConfig(): Promise<AppConfig> {
    this.announceDatabase();
    const config = this.config();
    await checkDatabase(config.database);
    return config;
  }

  /** The whole service without HTTP (migrations run as at start-up; nothing listens), closed after `fn`. */
  async withApp<T>(fn: (app: INestApplicationContext) => Promise<T>): Promise<T> {
    const config = await this.checkedConfig();
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
    const { database } = await this.checkedConfig();
    const ds = await openMigratedDataSource(database);
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
export const SYSTEM = SYSTEM_CALLER;

export abstract class CliCommand extends CommandRunner {
  constructor(@Inject(CliContext) protected readonly ctx: CliContext) {
    super();
  }
  /**
   * A parent command without a known sub-command (`params`, what followed it): its help on stderr, exit 2;
   * an unknown one is named first, with the closest sub-command when one is a typo away.
   */
  protected usage(params: string[] = []): void {
    const [given] = params;
    if (given !== undefined) {
      const close = this.command.commands.map((c) => c.name()).find((name) => editDistance(name, given) <= 2);
      this.ctx.out.stderr(`error: unknown command '${given}'${close ? ` (did you mean '${close}'?)` : ''}\n`);
    }
    this.ctx.out.stderr(this.command.helpInformation());
    this.ctx.exitCode = EXIT.usage;
  }
}

export const jsonOption = { flags: '--json', description: 'print JSON' } as const;

export function iso(d: Date | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}

/** Invalid input in the words the service's own envelope uses for it over HTTP ("format must be one of: bcrypt, …"). */
export function describe(errors: import('class-validator').ValidationError[]): string {
  return describeIssues(toFieldIssues(errors));
}

export function describeIssues(issues: FieldIssue[]): string {
  return issues.map(describeIssue).join(' ');
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

/** Levenshtein distance of two short words (a sub-command's name and what was typed). */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
