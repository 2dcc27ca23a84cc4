import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module';
import { RecoveryRequestService } from './recovery-request.service';

/**
 * Recovery requests (docs/recovery.md): the per-address and per-client limits of D4/D5 requests and the
 * admin's "mail a reset code", and the mail each one queues. Used by src/edge/password-reset and
 * src/features/users (user actions).
 */
@Module({
  imports: [MailModule],
  providers: [RecoveryRequestService],
  exports: [RecoveryRequestService],
})
export class RecoveryModule {}
