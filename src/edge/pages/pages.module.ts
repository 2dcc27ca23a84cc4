import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../../core/entities/account.entity';
import { AccountsModule } from '../../features/accounts/accounts.module';
import { AuthModule } from '../../features/auth/auth.module';
import { Credential } from '../../core/password/credential.entity';
import { PasswordModule } from '../../core/password/password.module';
import { PasswordResetModule } from '../password-reset/password-reset.module';
import { TokensModule } from '../../core/tokens/tokens.module';
import { User } from '../../core/entities/user.entity';
import { AssetsController } from './assets.controller';
import { PagesController } from './pages.controller';
import { SecretPagesService } from './secret-pages.service';

/**
 * The person's half of every flow: the pages behind the email links (docs/pages.md). One more client
 * of the dialects' use cases; the password core does not know it exists.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User, Account, Credential]), PasswordModule, TokensModule, AccountsModule, AuthModule, PasswordResetModule],
  controllers: [PagesController, AssetsController],
  providers: [SecretPagesService],
})
export class PagesModule {}
