import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { SecretKeys } from '../../ground/common/secrets';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { mailLogRef, sealMailBody } from './mail-body';
import { MailContent, mailPriority } from './mail-templates';
import { OutboxMessage } from './outbox-message.entity';
import { OutboxWorker } from './outbox.worker';
import { insertRows } from '../../ground/database/sql';

/** One bare address: no display name, no list, no whitespace (SECURITY.md C4, C6). */
const SINGLE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;

/**
 * The request side of mail: writes the message into the durable outbox inside the caller's
 * transaction, so the message exists exactly when the code it carries does. Sending is the
 * OutboxWorker's job; requests never wait for SMTP.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly secrets: SecretKeys,
    private readonly worker: OutboxWorker,
  ) {}

  /**
   * Inserts a pending outbox row (body sealed) using the caller's transaction manager. `to` is the
   * stored address of the user, never the string from the request (SECURITY.md C4).
   */
  async enqueue(em: EntityManager, to: string, content: MailContent): Promise<void> {
    if (typeof to !== 'string' || to.length > 320 || !SINGLE_ADDRESS.test(to)) throw new Error('mail recipient must be a single email address');
    if (!content.kind || content.kind.length > 60) throw new Error('mail kind must be 1..60 characters');
    const now = this.clock.now();
    const message: OutboxMessage = {
      id: randomUUID(),
      recipient: to,
      // eslint-disable-next-line no-control-regex
      subject: content.subject.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300),
      kind: content.kind,
      priority: mailPriority(content.kind),
      sealedBody: sealMailBody(this.secrets, { text: content.text, html: content.html }),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      lastError: null,
      createdAt: now,
      sentAt: null,
    };
    await insertRows(em, OutboxMessage, [message]);
    if (!this.config.smtpUrl) {
      // Development mode (SMTP_URL unset, announced at start): the only place a code is ever logged.
      // eslint-disable-next-line no-control-regex
      const body = content.text.trim().split(/\r?\n/).join(' | ').replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ');
      this.logger.log(`[SMTP_URL unset, not sent] ${mailLogRef(message)} "${message.subject}": ${body}`);
    }
  }

  /** Wakes the worker after the caller's transaction committed. Never throws, never awaited by callers. */
  kick(): void {
    try {
      this.worker.kick();
    } catch {
      // never on the request path
    }
  }
}
