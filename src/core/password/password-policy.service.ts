import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Account } from '../entities/account.entity';
import { User } from '../entities/user.entity';
import { Credential } from './credential.entity';
import { DEFAULT_PASSWORD_POLICY, PasswordPolicy, completePolicy } from './password-policy';

/** A user with what a password check or change needs of it: its current credential and the policy that governs it. */
export interface PasswordSubject {
  user: User;
  /** The current password's hash, or null for a user without a password. */
  credential: Credential | null;
  policy: PasswordPolicy;
  /** The user's account (its id, name and change-password address), or null for a user without one. */
  account: Pick<Account, 'id' | 'name' | 'changePasswordUrl'> | null;
}

/** The policy that governs a user: their account's, or the service default. */
@Injectable()
export class PasswordPolicyService {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async forAccount(accountId: string | null): Promise<PasswordPolicy> {
    if (!accountId) return DEFAULT_PASSWORD_POLICY;
    const account = await this.accounts.findOneBy({ id: accountId });
    return completePolicy(account?.passwordPolicy ?? null);
  }

  /**
   * The user named by its id or its normalized address, with its credential and its account's policy, in
   * one statement (a login and every password change start here); null when no such user exists.
   */
  async subject(where: { id: string } | { emailNormalized: string }): Promise<PasswordSubject | null> {
    const found = (await this.users
      .createQueryBuilder('u')
      .leftJoinAndMapOne('u.subjectCredential', Credential, 'c', 'c.userId = u.id')
      .leftJoinAndMapOne('u.subjectAccount', Account, 'a', 'a.id = u.accountId')
      .select(['u', 'c', 'a.id', 'a.name', 'a.passwordPolicy', 'a.changePasswordUrl'])
      .where('id' in where ? 'u.id = :id' : 'u.emailNormalized = :emailNormalized', where)
      .getOne()) as (User & { subjectCredential?: Credential | null; subjectAccount?: Pick<Account, 'id' | 'name' | 'passwordPolicy' | 'changePasswordUrl'> | null }) | null;
    if (!found) return null;
    const { subjectCredential, subjectAccount } = found;
    // The joined rows travel beside the user, not on it.
    delete found.subjectCredential;
    delete found.subjectAccount;
    const policy = found.accountId ? completePolicy(subjectAccount?.passwordPolicy ?? null) : DEFAULT_PASSWORD_POLICY;
    const account = subjectAccount ? { id: subjectAccount.id, name: subjectAccount.name, changePasswordUrl: subjectAccount.changePasswordUrl } : null;
    return { user: found, credential: subjectCredential ?? null, policy, account };
  }
}
