import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../../core/entities/account.entity';
import { ApiKey } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeyCallerIdentifier } from './api-key-caller.identifier';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyAuthenticator, CallerResolver } from '../../access/caller-resolver';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey, Account])],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, { provide: ApiKeyAuthenticator, useExisting: ApiKeysService }, ApiKeyCallerIdentifier, CallerResolver],
  exports: [ApiKeysService, ApiKeyCallerIdentifier, CallerResolver],
})
export class ApiKeysModule {}
