import { Module } from '@nestjs/common';
import { AuthModule } from '../../features/auth/auth.module';
import { MailModule } from '../../core/mail/mail.module';
import { PasswordModule } from '../../core/password/password.module';
import { TokensModule } from '../../core/tokens/tokens.module';
import { AccountRecoveryController } from './account-recovery.controller';
import { PasswordResetController } from './password-reset.controller';
import { RecoverAccountUseCase } from './recover-account.usecase';
import { RecoveryModule } from '../../core/recovery/recovery.module';
import { RequestResetCodeUseCase } from './request-reset-code.usecase';
import { ResetWithCodeUseCase } from './reset-with-code.usecase';
import { ResetWithValidationCodeUseCase } from './reset-with-validation-code.usecase';

/**
 * D4 and D5: the reset requests and the resets themselves (docs/recovery.md). Both run the shared
 * set-password pipeline; the limits live in recovery-limits.ts, counted in attempt_counters.
 */
@Module({
  imports: [PasswordModule, TokensModule, MailModule, AuthModule, RecoveryModule],
  controllers: [AccountRecoveryController, PasswordResetController],
  providers: [RecoverAccountUseCase, RequestResetCodeUseCase, ResetWithValidationCodeUseCase, ResetWithCodeUseCase],
  exports: [RecoverAccountUseCase, RequestResetCodeUseCase, ResetWithValidationCodeUseCase, ResetWithCodeUseCase],
})
export class PasswordResetModule {}
