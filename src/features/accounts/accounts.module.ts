import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { MailModule } from '../../core/mail/mail.module';
import { PasswordModule } from '../../core/password/password.module';
import { TokensModule } from '../../core/tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AccountAdminService } from './account-admin.service';
import { Account } from '../../core/entities/account.entity';
import { AccountsController } from './accounts.controller';
import { AccountsService } from './accounts.service';
import { SetPasswordWithInvitationUseCase } from './set-password-with-invitation.usecase';
import { SetPasswordWithInvitationController } from './set-password-with-invitation.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Account]), UsersModule, MailModule, ApiKeysModule, PasswordModule, TokensModule],
  controllers: [SetPasswordWithInvitationController, AccountsController],
  providers: [AccountsService, AccountAdminService, SetPasswordWithInvitationUseCase],
  exports: [AccountsService, SetPasswordWithInvitationUseCase],
})
export class AccountsModule {}
