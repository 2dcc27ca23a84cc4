import { Command, Option, SubCommand } from 'nest-commander';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../../access/scopes';
import { ApiKey } from '../../../features/api-keys/api-key.entity';
import { ApiKeysService, liveApiKeys } from '../../../features/api-keys/api-keys.service';
import { CliCommand, iso, jsonOption, SYSTEM, UsageError } from '../cli-context';

@SubCommand({ name: 'create', description: 'create an API key; prints it once (and its id): store it now, only its hash is kept' })
export class ApiKeyCreateCommand extends CliCommand {
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
export class ApiKeyListCommand extends CliCommand {
  async run(_args: string[], o: { json?: boolean }): Promise<void> {
    await this.ctx.guard(async () => {
      const keys = await this.ctx.withDatabase((ds) => liveApiKeys(ds.getRepository(ApiKey)));
      const rows = keys.map((k) => ({
        id: k.id, name: k.name, scopes: k.scopes, account_id: k.accountId, created_at: iso(k.createdAt), last_used_at: iso(k.lastUsedAt),
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
export class ApiKeyCommand extends CliCommand {
  async run(params: string[]): Promise<void> {
    this.usage(params);
  }
}
