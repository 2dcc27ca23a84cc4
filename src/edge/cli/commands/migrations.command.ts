import { Command, Option, SubCommand } from 'nest-commander';
import { DataSource, MigrationExecutor } from 'typeorm';
import { buildDataSourceOptions } from '../../../ground/database/data-source-options';
import { runMigrationsLocked } from '../../../ground/database/migration-lock';
import { CliCommand, CliContext, jsonOption } from '../cli-context';

/** A data source for the migration step (one connection, no statement timeout), closed after `fn`. */
async function withMigrationSource<T>(ctx: CliContext, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const { database } = await ctx.checkedConfig();
  const ds = await new DataSource(buildDataSourceOptions(database, { purpose: 'migrations' })).initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

@SubCommand({ name: 'run', description: 'run the pending migrations (under the same lock as the start-up of every instance)' })
export class MigrationsRunCommand extends CliCommand {
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
export class MigrationsRevertCommand extends CliCommand {
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
export class MigrationsShowCommand extends CliCommand {
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
export class MigrationsCommand extends CliCommand {
  async run(params: string[]): Promise<void> {
    this.usage(params);
  }
}
