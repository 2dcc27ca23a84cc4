import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../accounts/account.entity';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { MailModule } from '../mail/mail.module';
import { Credential } from '../password/credential.entity';
import { PasswordModule } from '../password/password.module';
import { PasswordResetModule } from '../password-reset/password-reset.module';
import { User } from '../users/user.entity';
import { UsersModule } from '../users/users.module';
import { AccountUsersController, UserActionsController } from './user-actions.controller';
import { UserActionsService } from './user-actions.service';

/** Admin actions on users: resend the invitation, mail a reset code, end the sessions, import a password hash; list an account's users. */
@Module({
  imports: [TypeOrmModule.forFeature([User, Credential, Account]), UsersModule, ApiKeysModule, AuthModule, PasswordResetModule, PasswordModule, MailModule],
  controllers: [UserActionsController, AccountUsersController],
  providers: [UserActionsService],
})
export class UserActionsModule {}
