import { Command, SubCommand } from 'nest-commander';
import { runKeysCli } from '../../../core/keys/keys-cli';
import { CliCommand, CliContext, EXIT } from '../cli-context';

/**
 * Delegates to `npm run keys` (src/core/keys/keys-cli.ts), its answer on stdout, after the database check
 * every command makes: a database it cannot reach is one line naming DATABASE_URL, exit 1.
 */
async function keys(ctx: CliContext, args: string[]): Promise<void> {
  await ctx.guard(async () => {
    await ctx.checkedConfig();
    ctx.exitCode = await runKeysCli(args, ctx.env, { log: (line) => ctx.print(line), error: (line) => ctx.log(line) });
  });
}

@SubCommand({ name: 'list', description: 'the keys of the ring: id, purpose, algorithm, active or retired (never key material)' })
export class KeysListCommand extends CliCommand {
  async run(): Promise<void> {
    await keys(this.ctx, ['list']);
  }
}

@SubCommand({ name: 'rotate', arguments: '<purpose>', description: 'a new active key for signing, lookup or seal; the old one is retired and keeps working for what it protected' })
export class KeysRotateCommand extends CliCommand {
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
export class KeysCommand extends CliCommand {
  async run(params: string[]): Promise<void> {
    this.usage(params);
  }
}
