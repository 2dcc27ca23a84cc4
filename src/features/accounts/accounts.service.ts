import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import type { AuditActor } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { AccountNotFoundError, InvalidPolicyError } from '../../ground/common/errors/domain-errors';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { MailService } from '../../core/mail/mail.service';
import { Credential } from '../../core/password/credential.entity';
import { completePolicy, PasswordPolicy, policyProblems } from '../../core/password/password-policy';
import { NewUser, UsersService } from '../users/users.service';
import type { AuditCursor } from '../audit/audit-cursor';
import { Account, type AccountLinks } from '../../core/entities/account.entity';
import { CLOSED_SIGN_UP, type SignUpSettings } from './sign-up-rule';
import type { User } from '../../core/entities/user.entity';

@Injectable()
export class AccountsService {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    private readonly users: UsersService,
    private readonly mail: MailService,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  /** Creates the account and its owner, and queues the owner's invitation, in one transaction; `actor` created it. */
  async create(
    input: { name: string; owner: Omit<NewUser, 'accountId'>; policy?: Partial<PasswordPolicy>; links?: AccountLinks; signUp?: SignUpSettings },
    actor: AuditActor,
  ): Promise<{ account: Account; owner: User }> {
    const policy = validPolicy(input.policy);
    const now = this.clock.now();
    const signUp = input.signUp ?? CLOSED_SIGN_UP;
    const account = Object.assign(new Account(), {
      id: randomUUID(), name: input.name, passwordPolicy: policy, links: input.links?.links ?? null, signInUrl: input.links?.signInUrl ?? null, changePasswordUrl: input.links?.changePasswordUrl ?? null,
      selfSignUp: signUp.selfSignUp, signUpDomains: [...signUp.signUpDomains], createdAt: now, updatedAt: now,
    });
    const owner = await this.uow.run(async (em) => {
      await em.insert(Account, account);
      const user = await this.users.insert(em, { ...input.owner, accountId: account.id, role: 'owner' }, { via: 'account', actor });
      await this.users.invite(em, user, account);
      return user;
    });
    this.mail.kick();
    return { account, owner };
  }

  /**
   * Accounts newest first (created_at, then id, descending), `limit` per page after `cursor`; `only`:
   * just that account (a caller bound to it). Keyset paging: never skips or repeats an account.
   */
  async page(o: { limit: number; cursor?: AuditCursor; only: string | null }): Promise<{ rows: Account[]; next: AuditCursor | null }> {
    const qb = this.accounts.createQueryBuilder('a');
    if (o.only) qb.andWhere('a.id = :only', { only: o.only });
    if (o.cursor) qb.andWhere('(a.createdAt < :at OR (a.createdAt = :at AND a.id < :id))', { at: o.cursor.atMs, id: o.cursor.id });
    const rows = await qb.orderBy('a.createdAt', 'DESC').addOrderBy('a.id', 'DESC').limit(o.limit + 1).getMany();
    const page = rows.slice(0, o.limit);
    const last = page[page.length - 1];
    return { rows: page, next: rows.length > o.limit && last ? { atMs: last.createdAt.getTime(), id: last.id } : null };
  }

  async get(id: string): Promise<Account> {
    const account = await this.accounts.findOneBy({ id });
    if (!account) throw new AccountNotFoundError();
    return account;
  }

  /** Replaces the whole policy; fields left out take the service default. */
  /**
   * Replaces the whole policy; fields left out take the service default. The users' current passwords follow
   * a new maxAgeDays at once (CONTRACT.md: a password is due once it is older than the policy's maxAgeDays):
   * each expires maxAgeDays after it was set (never with 0), and its expiry warnings start over.
   */
  async replacePolicy(id: string, partial: Partial<PasswordPolicy>): Promise<Account> {
    const account = await this.get(id);
    account.passwordPolicy = validPolicy(partial);
    account.updatedAt = this.clock.now();
    const maxAgeMs = account.passwordPolicy.maxAgeDays * 86_400_000;
    await this.uow.run(async (em) => {
      await em.update(Account, { id }, { passwordPolicy: account.passwordPolicy, updatedAt: account.updatedAt });
      await em.createQueryBuilder().update(Credential)
        // A whole number of milliseconds the policy allows (validated), not input text.
        .set({ expiresAt: maxAgeMs > 0 ? () => `set_at + ${Math.trunc(maxAgeMs)}` : null, expiryWarnedDays: null })
        .where('user_id IN (SELECT u.id FROM users u WHERE u.account_id = :id)', { id })
        .execute();
    });
    return account;
  }

  /** Replaces the account's link templates and sign-in address (validated by the caller's DTO); null: the configured ones. */
  async replaceLinks(id: string, { links, signInUrl, changePasswordUrl }: AccountLinks): Promise<Account> {
    const account = await this.get(id);
    Object.assign(account, { links, signInUrl, changePasswordUrl, updatedAt: this.clock.now() });
    await this.uow.run((em) => em.update(Account, { id }, { links, signInUrl, changePasswordUrl, updatedAt: account.updatedAt }));
    return account;
  }

  /** Replaces who may join the account by self sign-up. */
  async replaceSignUp(id: string, settings: SignUpSettings): Promise<Account> {
    const account = await this.get(id);
    Object.assign(account, { selfSignUp: settings.selfSignUp, signUpDomains: [...settings.signUpDomains], updatedAt: this.clock.now() });
    await this.uow.run((em) => em.update(Account, { id }, { selfSignUp: account.selfSignUp, signUpDomains: account.signUpDomains, updatedAt: account.updatedAt }));
    return account;
  }
}

function validPolicy(partial: Partial<PasswordPolicy> | undefined): PasswordPolicy {
  const policy = completePolicy(partial);
  const problems = policyProblems(policy);
  if (problems.length > 0) throw new InvalidPolicyError(problems);
  return policy;
}
