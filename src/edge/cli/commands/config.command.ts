import { Command } from 'nest-commander';
import { CliCommand } from '../cli-context';

@Command({ name: 'config', description: 'the effective configuration as JSON, secrets masked' })
export class ConfigCommand extends CliCommand {
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
