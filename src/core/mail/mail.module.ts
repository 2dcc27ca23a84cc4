import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailService } from './mail.service';
import { MailTransport } from './mail-transport';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxWorker } from './outbox.worker';
import { PasswordNotices } from './password-notices.subscriber';
import { SecretLinks } from './secret-links';

/**
 * Mail: templates, the links they carry (SecretLinks), the durable outbox (MailService.enqueue inside the caller's transaction) and the
 * worker that delivers it over SMTP_URL. Needs CoreModule (config, clock, keys, unit of work).
 */
@Module({
  imports: [TypeOrmModule.forFeature([OutboxMessage])],
  providers: [MailService, OutboxWorker, MailTransport, SecretLinks, PasswordNotices],
  exports: [MailService, OutboxWorker, SecretLinks],
})
export class MailModule {}
