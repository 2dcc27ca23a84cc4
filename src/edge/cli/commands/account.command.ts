import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Command, Option, SubCommand } from 'nest-commander';
import { AccountAdminService } from '../../../features/accounts/account-admin.service';
import { CreateAccountDto } from '../../../features/accounts/dto/create-account.dto';
import { CliCommand, describe, jsonOption, SYSTEM, UsageError } from '../cli-context';

@SubCommand({ name: 'create', description: 'create an account and its owner; the owner is invited by email (through the outbox)' })
export class AccountCreateCommand extends CliCommand {
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
export class AccountCommand extends CliCommand {
  async run(params: string[]): Promise<void> {
    this.usage(params);
  }
}
