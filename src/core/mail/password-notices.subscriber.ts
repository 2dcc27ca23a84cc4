import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Account } from '../entities/account.entity';
import { DomainEvents, type Recorded } from '../../ground/common/domain-events';
import { APP_CONFIG, type AppConfig } from '../../ground/config/app-config';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { passwordChangedMail } from './mail-templates';
import { MailService } from './mail.service';
import { OutboxMessage } from './outbox-message.entity';

/**
 * Mail on a user's changes, in the change's transaction:
 * - every password set is announced to its user (CONTRACT.md: the first is "set", later ones "changed"),
 *   with what to do if it was not them and a link to the account's change address (`links.change_password`,
 *   else the reset page); the outbox worker is woken once it commits. An imported or removed password
 *   sends nothing;
 * - erasing the user deletes every message to its address from the outbox, sent or not.
 */
@Injectable()
export class PasswordNotices implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly mail: MailService,
    private readonly uow: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.subscribe('record', 'mail: password notices', (em, event) => this.handle(em, event));
  }

  private async handle(em: EntityManager, event: Recorded): Promise<void> {
    if (event.type === 'user.deleted') {
      await em.delete(OutboxMessage, { recipient: event.user.email });
      return;
    }
    if (event.type !== 'password.set') return;
    const { user } = event;
    // As read with the user when the change carries it; else read here.
    const changePasswordUrl = event.changePasswordUrl !== undefined ? event.changePasswordUrl : await this.changeAddressOf(em, user.accountId);
    await this.mail.enqueue(em, user.email, passwordChangedMail({
      publicUrl: this.config.publicUrl, changedAt: event.at, first: !event.replaced, firstName: user.firstName, locale: user.locale, changePasswordUrl,
    }));
    this.uow.afterCommit(em, () => this.mail.kick());
  }

  private async changeAddressOf(em: EntityManager, accountId: string | null): Promise<string | null> {
    if (!accountId) return null;
    return (await em.findOne(Account, { where: { id: accountId }, select: { id: true, changePasswordUrl: true } }))?.changePasswordUrl ?? null;
  }
}
