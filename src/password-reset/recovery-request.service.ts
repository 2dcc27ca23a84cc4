import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SecretKeys } from '../common/secrets';
import { UnitOfWork } from '../database/unit-of-work';
import type { MailContent } from '../mail/mail-templates';
import { MailService } from '../mail/mail.service';
import { normalizeEmail } from '../users/email';
import { User } from '../users/user.entity';
import { AttemptLimiter } from '../common/attempt-limiter.service';
import { clientKey } from '../common/client-ip';
import { mailLimit, requestLimit, ResetDialect } from './recovery-limits';

export interface RecoveryRequest {
  dialect: ResetDialect;
  email: string;
  clientIp: string;
  /** Issues the dialect's code for the user in the given transaction and returns the email carrying it. */
  issueCode(em: EntityManager, user: User): Promise<MailContent>;
}

/**
 * The request half of recovery, shared by D4 (recover) and D5 (request). The caller learns nothing
 * about the address: the answer does not depend on whether it exists (SECURITY.md C1), and the work
 * barely does (C2): one transaction that counts the request (per client: 429 past the limit; per
 * address: silently no mail past the limit, for known and unknown addresses alike, J4), looks the
 * user up by the normalized address (C5), and for an active user issues the code and queues the email
 * to the STORED address (C4) in the same transaction. No hashing, no SMTP on this path: the outbox
 * worker sends after commit (kick), and retries while SMTP is down (C10).
 */
@Injectable()
export class RecoveryRequestService {
  private readonly logger = new Logger('Recovery');

  constructor(
    private readonly uow: UnitOfWork,
    private readonly limiter: AttemptLimiter,
    private readonly mail: MailService,
    private readonly secrets: SecretKeys,
  ) {}

  async request(r: RecoveryRequest): Promise<void> {
    const normalized = normalizeEmail(r.email);
    const addressRef = this.secrets.lookupHash(`recovery-address:${normalized}`);
    const client = clientKey(r.clientIp);
    let outcome = 'error';
    let userId: string | undefined;
    try {
      outcome = await this.uow.run(async (em) => {
        await this.limiter.hitOrThrow(em, requestLimit(client));
        const { allowed } = await this.limiter.hit(em, mailLimit(addressRef));
        const user = await em.findOneBy(User, { emailNormalized: normalized });
        userId = user?.id;
        if (!user || !user.isActive) return 'no_such_user';
        if (!allowed) return 'address_limited';
        await this.mail.enqueue(em, user.email, await r.issueCode(em, user));
        return 'sent';
      });
    } catch (error) {
      outcome = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error';
      throw error;
    } finally {
      // SECURITY.md I2: event, user (or a hashed identifier), client, outcome; never the address or a code.
      this.logger.log(
        { event: 'password_reset.requested', dialect: r.dialect, userId, addressRef: addressRef.slice(0, 16), client, outcome },
        `password_reset.requested ${outcome}`,
      );
    }
    if (outcome === 'sent') this.mail.kick();
  }
}
