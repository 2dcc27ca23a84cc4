import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, Repository } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { AccountNotFoundError, EmailTakenError, RoleConflictError, UserNotFoundError } from '../../ground/common/errors/domain-errors';
import { AuditActor, AuditTrail } from '../../ground/common/audit-trail';
import { DomainEvents, eventUser } from '../../ground/common/domain-events';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { Account } from '../../core/entities/account.entity';
import type { Locale } from '../../ground/common/locale';
import { invitationMail } from '../../core/mail/mail-templates';
import { MailService } from '../../core/mail/mail.service';
import { SecretLinks } from '../../core/mail/secret-links';
import { Credential } from '../../core/password/credential.entity';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { normalizeEmail } from '../../core/entities/email';
import { User } from '../../core/entities/user.entity';
import type { UserRole } from './user-role';

export interface NewUser {
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  accountId: string | null;
  isEmailVerified?: boolean;
  locale?: Locale | null;
  /** Default 'member'. */
  role?: UserRole;
}

/** How a user came to be (the `user.created` domain event): its `via` and who created it. */
export interface UserCreation {
  /** `account`: the owner of a new account; `invitation`: invited into an account; `signup`: self sign-up. */
  via: 'account' | 'invitation' | 'signup';
  actor: AuditActor;
}

/** A user as the API shows it: the entity plus whether a password is set. Never a hash. */
export interface UserView {
  user: User;
  hasPassword: boolean;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: OneTimeTokensService,
    private readonly mail: MailService,
    private readonly links: SecretLinks,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditTrail,
    private readonly events: DomainEvents,
  ) {}

  /** Creates a user without a password and emails a D1 invitation; `actor` invited it. */
  async createInvited(accountId: string, input: Omit<NewUser, 'accountId'>, actor: AuditActor): Promise<User> {
    const account = await this.accounts.findOneBy({ id: accountId });
    if (!account) throw new AccountNotFoundError();
    const user = await this.uow.run(async (em) => {
      const created = await this.insert(em, { ...input, accountId }, { via: 'invitation', actor });
      await this.invite(em, created, account);
      return created;
    });
    this.mail.kick();
    return user;
  }

  /**
   * Inserts a user in the caller's transaction and publishes `user.created` in it (the one place users
   * are created: its subscribers, webhooks among them, learn of every new user, and of none that was
   * rolled back); EmailTakenError when the normalized email exists (SECURITY.md H6).
   */
  async insert(em: EntityManager, input: NewUser, creation: UserCreation): Promise<User> {
    const emailNormalized = normalizeEmail(input.email);
    if (await em.existsBy(User, { emailNormalized })) throw new EmailTakenError();
    const now = this.clock.now();
    const user = Object.assign(new User(), {
      id: randomUUID(), accountId: input.accountId, email: input.email.trim(), emailNormalized,
      firstName: input.firstName ?? null, lastName: input.lastName ?? null, isEmailVerified: input.isEmailVerified ?? false,
      isActive: true, provider: 'email', locale: input.locale ?? null, role: input.role ?? 'member', isAdmin: false, credentialsChangedAt: null, createdAt: now, updatedAt: now,
    });
    await em.insert(User, user);
    await this.events.publish(em, { type: 'user.created', user: eventUser(user), actor: creation.actor, at: now, via: creation.via });
    return user;
  }

  /** Issues a D1 set-password token and queues the invitation (its link per the account's templates), in the caller's transaction. */
  async invite(em: EntityManager, user: User, account: Pick<Account, 'name' | 'links'> | null): Promise<void> {
    const token = await this.tokens.issue(em, { purpose: 'invitation', userId: user.id, ttlMs: this.config.invitationTtlMs });
    await this.mail.enqueue(em, user.email, invitationMail({
      accountName: account?.name ?? null,
      token,
      link: this.links.build('invitation', token, account),
      ttlHours: Math.round(this.config.invitationTtlMs / 3_600_000),
      firstName: user.firstName,
      locale: user.locale,
    }));
  }

  /** Sets (or with null clears) the locale of a user read with get(); answers the updated view. */
  async setLocale(view: UserView, locale: Locale | null): Promise<UserView> {
    const updatedAt = this.clock.now();
    await this.uow.run((em) => em.update(User, { id: view.user.id }, { locale, updatedAt }));
    return { ...view, user: Object.assign(view.user, { locale, updatedAt }) };
  }

  /**
   * Changes the user's role in its account, audited as `user.role_changed`. `owner` transfers ownership:
   * the previous owner becomes admin in the same transaction, so the account keeps exactly one owner.
   * The owner's own role changes only that way (RoleConflictError), and users without an account have none.
   */
  async changeRole(view: UserView, role: UserRole, actor: AuditActor): Promise<UserView> {
    const user = await this.uow.run(async (em) => {
      const current = await em.findOneBy(User, { id: view.user.id });
      if (!current) throw new UserNotFoundError();
      if (!current.accountId) throw new RoleConflictError('no_account');
      if (current.role === role) return current;
      if (current.role === 'owner') throw new RoleConflictError('owner_demotion');
      const updatedAt = this.clock.now();
      if (role === 'owner') {
        for (const previous of await em.findBy(User, { accountId: current.accountId, role: 'owner' })) {
          await em.update(User, { id: previous.id }, { role: 'admin', updatedAt });
          await this.recordRoleChange(em, previous, 'owner', 'admin', actor);
        }
      }
      await em.update(User, { id: current.id }, { role, updatedAt });
      await this.recordRoleChange(em, current, current.role, role, actor);
      return Object.assign(current, { role, updatedAt });
    });
    return { ...view, user };
  }

  /** Makes the user a super admin or not (audited as `user.role_changed` with `is_admin`). */
  async setSuperAdmin(view: UserView, isAdmin: boolean, actor: AuditActor): Promise<UserView> {
    if (view.user.isAdmin === isAdmin) return view;
    const updatedAt = this.clock.now();
    await this.uow.run(async (em) => {
      await em.update(User, { id: view.user.id }, { isAdmin, updatedAt });
      await this.audit.record(em, { type: 'user.role_changed', userId: view.user.id, accountId: view.user.accountId, actor, outcome: 'success', details: { is_admin: isAdmin } });
    });
    return { ...view, user: Object.assign(view.user, { isAdmin, updatedAt }) };
  }

  private recordRoleChange(em: EntityManager, user: User, from: UserRole, to: UserRole, actor: AuditActor): Promise<void> {
    return this.audit.record(em, { type: 'user.role_changed', userId: user.id, accountId: user.accountId, actor, outcome: 'success', details: { from, to } });
  }

  async get(id: string): Promise<UserView> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new UserNotFoundError();
    return { user, hasPassword: await this.credentials.existsBy({ userId: id }) };
  }
}
