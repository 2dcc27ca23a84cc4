import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Account } from '../../core/entities/account.entity';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { MailModule } from '../../core/mail/mail.module';
import { Credential } from '../../core/password/credential.entity';
import { PasswordModule } from '../../core/password/password.module';
import { TokensModule } from '../../core/tokens/tokens.module';
import { User } from '../../core/entities/user.entity';
import { UsersModule } from '../users/users.module';
import { KnownLoginNetworks } from './known-login-networks.service';
import { LoginKnownNetwork } from './login-known-network.entity';
import { LoginUseCase } from './login.usecase';
import { LogoutUseCase } from './logout.usecase';
import { RefreshSessionUseCase } from './refresh-session.usecase';
import { RefreshToken } from '../../core/entities/refresh-token.entity';
import { SessionsController } from './sessions.controller';
import { SessionsModule } from '../../core/sessions/sessions.module';
import { SetPasswordWithVerificationUseCase } from './set-password-with-verification.usecase';
import { SetPasswordWithVerificationController } from './set-password-with-verification.controller';
import { SignUpController } from './sign-up.controller';
import { SignUpUseCase } from './sign-up.usecase';
import { SessionsOnUserChange } from './sessions-on-user-change.subscriber';
import { ChangePasswordUseCase } from './change-password.usecase';
import { ChangeTokens } from './change-tokens';
import { PasswordChangeController } from './password-change.controller';
import { PasswordCheckBudget } from './password-check-budget';
import { JwtChangeStrategy } from './strategies/jwt-change.strategy';
import { JwtAccessStrategy } from './strategies/jwt-access.strategy';
import { JwtVerificationStrategy } from './strategies/jwt-verification.strategy';
import { UserTokenCallers } from './user-token.callers';
import { VerifyEmailUseCase } from './verify-email.usecase';

@Module({
  imports: [
    SessionsModule,
    PassportModule,
    TypeOrmModule.forFeature([RefreshToken, User, Credential, Account, LoginKnownNetwork]),
    UsersModule,
    ApiKeysModule,
    PasswordModule,
    TokensModule,
    MailModule,
  ],
  controllers: [SignUpController, SetPasswordWithVerificationController, SessionsController, PasswordChangeController],
  providers: [
    SessionsOnUserChange,
    PasswordCheckBudget,
    ChangeTokens,
    JwtChangeStrategy,
    ChangePasswordUseCase,
    JwtAccessStrategy,
    UserTokenCallers,
    JwtVerificationStrategy,
    SignUpUseCase,
    VerifyEmailUseCase,
    SetPasswordWithVerificationUseCase,
    KnownLoginNetworks,
    LoginUseCase,
    RefreshSessionUseCase,
    LogoutUseCase,
  ],
  exports: [SessionsModule, KnownLoginNetworks, VerifyEmailUseCase, SetPasswordWithVerificationUseCase],
})
export class AuthModule {}
