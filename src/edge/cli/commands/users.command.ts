import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Command, Option, SubCommand } from 'nest-commander';
import { RequestValidationError } from '../../../ground/common/errors/domain-errors';
import { IMPORT_FORMATS } from '../../../core/password/hash-schemes/imported-hash';
import { ImportPasswordHashDto } from '../../../features/users/dto/import-password-hash.dto';
import { UserActionsService } from '../../../features/users/user-actions.service';
import { CliCommand, describe, describeIssues, jsonOption, SYSTEM, UsageError } from '../cli-context';

interface ImportHashOptions { format: string; hash: string; salt?: string; saltSeparator?: string; signerKey?: string; rounds?: number; memCost?: number; json?: boolean }

@SubCommand({
  name: 'import-hash',
  arguments: '<user-id>',
  description:
    "import a user's existing password hash from another system (as PUT /users/{id}/password-hash; audited with actor system): " +
    `--format ${IMPORT_FORMATS.join('|')}; firebase-scrypt also takes the user's --salt and the project's --salt-separator, --signer-key, --rounds, --mem-cost`,
})
export class UsersImportHashCommand extends CliCommand {
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
            throw new UsageError(`invalid import: ${describeIssues(err.issues)}`);
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
export class UsersCommand extends CliCommand {
  async run(params: string[]): Promise<void> {
    this.usage(params);
  }
}
