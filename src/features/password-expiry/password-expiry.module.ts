import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../../core/mail/mail.module';
import { Credential } from '../../core/password/credential.entity';
import { ExpiryWarnings } from './expiry-warnings.service';

/** Emails users before their passwords expire (PASSWORD_EXPIRY_WARNING_DAYS). */
@Module({
  imports: [TypeOrmModule.forFeature([Credential]), MailModule],
  providers: [ExpiryWarnings],
  exports: [ExpiryWarnings],
})
export class PasswordExpiryModule {}
