import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../../core/entities/account.entity';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { SessionsModule } from '../../core/sessions/sessions.module';
import { MailModule } from '../../core/mail/mail.module';
import { Credential } from '../../core/password/credential.entity';
import { PasswordModule } from '../../core/password/password.module';
import { RecoveryModule } from '../../core/recovery/recovery.module';
import { User } from '../../core/entities/user.entity';
import { UsersModule } from './users.module';
import { AccountUsersController, UserActionsController } from './user-actions.controller';
import { UserActionsService } from './user-actions.service';

/** Admin actions on users: resend the invitation, mail a reset code, end the sessions, import a password hash; list an account's users. */
@Module({
  imports: [TypeOrmModule.forFeature([User, Credential, Account]), UsersModule, ApiKeysModule, SessionsModule, RecoveryModule, PasswordModule, MailModule],
  controllers: [UserActionsController, AccountUsersController],
  providers: [UserActionsService],
})
export class UserActionsModule {}
