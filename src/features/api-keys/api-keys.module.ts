import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../../core/entities/account.entity';
import { ApiKey } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { CallerIdentifier } from '../../ground/common/rate-limit/caller-identity';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyAuthenticator, CallerResolver } from '../../access/caller-resolver';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey, Account])],
  controllers: [ApiKeysController],
  providers: [
    ApiKeysService,
    { provide: ApiKeyAuthenticator, useExisting: ApiKeysService },
    CallerResolver,
    { provide: CallerIdentifier, useExisting: CallerResolver },
  ],
  exports: [ApiKeysService, CallerResolver, CallerIdentifier],
})
export class ApiKeysModule {}
