import { Logger } from '@nestjs/common';
import { SystemClock } from '../../ground/common/clock';
import { ConfigError, loadAppConfig } from '../../ground/config/app-config';
import { readLegacyServiceSecret, resolveMasterKey } from '../../ground/config/service-secret';
import { openMigratedDataSource } from '../../ground/database/migration-lock';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { MasterKey } from './key-material';
import { KEY_PURPOSES, KeyRing } from './key-ring';
import { KeyRingRow, type KeyPurpose } from './key-ring.entity';

export const KEYS_USAGE = `Usage: npm run keys -- <command>

  list                              the keys of the ring: id, purpose, algorithm, active or retired (never key material)
  rotate <signing|lookup|seal>      a new active key for that purpose; the old one is retired and keeps
                                    verifying, looking up or opening what it protected
  --help                            this text

Reads the same environment as the service (DATABASE_URL, MASTER_KEY, ...). Other instances pick up
a rotation within 30 seconds (at once for a token naming the new signing key).`;

type Out = { log(line: string): void; error(line: string): void };

/** `npm run keys -- …` (scripts/keys.ts). Returns the exit code: 0 done, 1 refused or failed. */
export async function runKeysCli(args: string[], env: Record<string, string | undefined>, out: Out = console): Promise<number> {
  const [command, purpose, ...rest] = args;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out.log(KEYS_USAGE);
    return command ? 0 : 1;
  }
  if (command !== 'list' && command !== 'rotate') return usageError(out, `unknown command "${command}"`);
  if (command === 'list' && (purpose !== undefined || rest.length)) return usageError(out, 'list takes no arguments');
  if (command === 'rotate' && (!KEY_PURPOSES.includes(purpose as KeyPurpose) || rest.length)) return usageError(out, 'rotate takes one of: signing, lookup, seal');
  let config;
  try {
    config = loadAppConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(out, err.message);
    throw err;
  }
  const logger = new Logger('Keys');
  const dataSource = await openMigratedDataSource(config.database);
  try {
    const ringIsEmpty = (await dataSource.getRepository(KeyRingRow).count()) === 0;
    const ring = await KeyRing.open(dataSource, new MasterKey(resolveMasterKey(config, logger, ringIsEmpty)), {
      legacySecret: () => readLegacyServiceSecret(config, logger), clock: new SystemClock(), uow: new UnitOfWork(dataSource),
    });
    if (command === 'list') {
      out.log(['kid', 'purpose', 'algorithm', 'state', 'created_at', 'retired_at'].join('\t'));
      for (const k of ring.list()) out.log([k.kid, k.purpose, k.algorithm, k.active ? 'active' : 'retired', k.createdAt, k.retiredAt ?? '-'].join('\t'));
      return 0;
    }
    const kid = await ring.rotate(purpose as KeyPurpose);
    out.log(kid);
    return 0;
  } catch (err) {
    return fail(out, (err as Error).message);
  } finally {
    await dataSource.destroy();
  }
}

function usageError(out: Out, message: string): number {
  out.error(`${message}\n\n${KEYS_USAGE}`);
  return 1;
}

function fail(out: Out, message: string): number {
  out.error(message);
  return 1;
}
