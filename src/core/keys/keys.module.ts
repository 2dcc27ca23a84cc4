import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { SecretKeys } from '../../ground/common/secrets';
import type { AppConfig } from '../../ground/config/app-config';
import { readLegacyServiceSecret, resolveMasterKey } from '../../ground/config/service-secret';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { MasterKey } from './key-material';
import { KeyRing } from './key-ring';
import { KeyRingRow } from './key-ring.entity';
import { TokenSigner } from './token-signer';

/**
 * The key ring and what uses it: SecretKeys (lookup hashes, sealed bodies), TokenSigner (JWTs); the
 * public keys are served by src/features/keys (GET /.well-known/jwks.json). The ring opens once the database is migrated (it needs the data source).
 */
@Global()
@Module({})
export class KeysModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: KeysModule,
      providers: [
        {
          provide: KeyRing,
          inject: [DataSource, Clock, UnitOfWork],
          useFactory: async (dataSource: DataSource, clock: Clock, uow: UnitOfWork) => {
            const logger = new Logger('Keys');
            const ringIsEmpty = (await dataSource.getRepository(KeyRingRow).count()) === 0;
            if (!ringIsEmpty && config.jwtSecret) logger.log('JWT_SECRET is set but not used: the keys are in the key ring (README "Keys")');
            return KeyRing.open(dataSource, new MasterKey(resolveMasterKey(config, logger, ringIsEmpty)), {
              legacySecret: () => readLegacyServiceSecret(config, logger), clock, logger, autoReload: true, uow,
            });
          },
        },
        { provide: SecretKeys, inject: [KeyRing], useFactory: (ring: KeyRing) => new SecretKeys(ring) },
        TokenSigner,
      ],
      exports: [KeyRing, SecretKeys, TokenSigner],
    };
  }
}
