/**
 * The operator CLI's runner (README "Operator CLI"): one command per file in ./commands, each calling the
 * services (or, for the database alone, the core's helpers); the shared context (output, exit codes, the
 * app or the database for one command) in ./cli-context.ts.
 */
import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { CliContext, type CliOutput, EXIT, UsageError } from './cli-context';
import { ApiKeyCommand, ApiKeyCreateCommand, ApiKeyListCommand } from './commands/api-key.command';
import { AccountCommand, AccountCreateCommand } from './commands/account.command';
import { MigrationsCommand, MigrationsRevertCommand, MigrationsRunCommand, MigrationsShowCommand } from './commands/migrations.command';
import { OutboxCommand, OutboxRetryCommand, OutboxShowCommand } from './commands/outbox.command';
import { SessionsCommand, SessionsEndCommand } from './commands/sessions.command';
import { UsersCommand, UsersImportHashCommand } from './commands/users.command';
import { KeysCommand, KeysListCommand, KeysRotateCommand } from './commands/keys.command';
import { ConfigCommand } from './commands/config.command';

export { EXIT, type CliOutput } from './cli-context';

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
  allowExcessArguments(allow: boolean): Commander;
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
    // Every command, sub-commands included: help to stdout, errors to stderr, no process.exit; and on a command
    // without sub-commands, an argument it does not declare is a usage error (commander 11 ignores it by default;
    // a group keeps commander's "unknown command", with its suggestion).
    const configure = (c: Commander) => {
      if (c.commands.length === 0) c.allowExcessArguments(false);
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
