import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../../core/entities/account.entity';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { MailModule } from '../../core/mail/mail.module';
import { Credential } from '../../core/password/credential.entity';
import { TokensModule } from '../../core/tokens/tokens.module';
import { MeController } from './me.controller';
import { MeService } from './me.service';
import { UserAdminService } from './user-admin.service';
import { UserLifecycleService } from './user-lifecycle.service';
import { User } from '../../core/entities/user.entity';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User, Credential, Account]), TokensModule, MailModule, ApiKeysModule],
  // MeController first: GET /users/me must not be matched as GET /users/:id.
  controllers: [MeController, UsersController],
  providers: [UsersService, UserAdminService, UserLifecycleService, MeService],
  exports: [UsersService, UserAdminService],
})
export class UsersModule {}
