import { Injectable } from '@nestjs/common';
import { actorOf, type Caller } from '../../access/caller';
import { authorize } from '../../access/policy';
import { Clock } from '../../ground/common/clock';
import { DomainEvents, eventUser } from '../../ground/common/domain-events';
import { LastOwnerError, UserNotFoundError } from '../../ground/common/errors/domain-errors';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { CREDENTIAL_SECRETS, OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { User } from '../../core/entities/user.entity';

/**
 * The end of a user's life (CONTRACT.md "Third round: The end of a user's life"): disabling and enabling,
 * and erasing. Each asks the access policy on the loaded user (`users.disable`, `users.delete`: reach,
 * and never a user above the caller), changes the user in one transaction and publishes the domain
 * event (`user.disabled`, `user.enabled`, `user.deleted`) whose subscribers end sessions, drop what
 * other modules keep about the user, record the audit event and notify webhooks.
 */
@Injectable()
export class UserLifecycleService {
  constructor(private readonly uow: UnitOfWork, private readonly clock: Clock, private readonly tokens: OneTimeTokensService, private readonly events: DomainEvents) {}

  /**
   * Disabled: every session and earlier access token ends, every outstanding invitation, verification and
   * recovery secret dies, login with the right password answers 403 USER_DISABLED, recovery mails nothing,
   * no dialect sets a password. No email. Enabling lets the user sign in again (with the same password).
   * Setting what is already set changes nothing and publishes nothing.
   */
  async setDisabled(id: string, disabled: boolean, caller: Caller): Promise<User> {
    return this.uow.run(async (em) => {
      await this.uow.lock(em, User, id);
      const user = await em.findOneBy(User, { id });
      if (!user) throw new UserNotFoundError();
      authorize(caller, 'users.disable', { user });
      if (user.isActive === !disabled) return user;
      const now = this.clock.now();
      const changes = disabled ? { isActive: false, credentialsChangedAt: now, updatedAt: now } : { isActive: true, updatedAt: now };
      await em.update(User, { id }, changes);
      if (disabled) await this.tokens.voidLive(em, id, CREDENTIAL_SECRETS);
      await this.events.publish(em, { type: disabled ? 'user.disabled' : 'user.enabled', user: eventUser(user), actor: actorOf(caller), at: now });
      return Object.assign(user, changes);
    });
  }

  /**
   * Erases the user: its row and, with it, its password, history, secrets and sessions (foreign keys on
   * delete cascade); the subscribers of `user.deleted` drop what names it elsewhere (remembered networks,
   * mail to its address, webhook deliveries about it, before queueing its `user.deleted` webhook event) and strip the client address from its audit events, which keep their ids.
   * The address can be invited again. An account's owner cannot be erased (409 LAST_OWNER): ownership is
   * transferred first (PATCH /users/{id} {"role":"owner"} on another user).
   */
  async erase(id: string, caller: Caller): Promise<void> {
    await this.uow.run(async (em) => {
      await this.uow.lock(em, User, id);
      const user = await em.findOneBy(User, { id });
      if (!user) throw new UserNotFoundError();
      authorize(caller, 'users.delete', { user });
      if (user.accountId && user.role === 'owner') throw new LastOwnerError();
      await this.events.publish(em, { type: 'user.deleted', user: eventUser(user), actor: actorOf(caller), at: this.clock.now() });
      await em.delete(User, { id });
    });
  }
}
