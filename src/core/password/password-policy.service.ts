import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Account } from '../entities/account.entity';
import { User } from '../entities/user.entity';
import { columnsOf, hydrate, runSql, tableOf } from '../../ground/database/sql';
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
    // Written as SQL (issue 22): a login and every password change start here, and the query builder's
    // building of a three-table join and its mapping of the row cost more than the statement itself.
    const em = this.users.manager;
    const byId = 'id' in where;
    const { rows } = await runSql(
      em,
      `SELECT ${columnsOf(em, User, 'u', 'u_')}, ${columnsOf(em, Credential, 'c', 'c_')},
              "a"."id" AS "a_id", "a"."name" AS "a_name", "a"."password_policy" AS "a_password_policy", "a"."change_password_url" AS "a_change_password_url"
       FROM ${tableOf(em, User)} "u" LEFT JOIN ${tableOf(em, Credential)} "c" ON "c"."user_id" = "u"."id" LEFT JOIN ${tableOf(em, Account)} "a" ON "a"."id" = "u"."account_id"
       WHERE ${byId ? '"u"."id" = :key' : '"u"."email_normalized" = :key'}`,
      { key: byId ? where.id : where.emailNormalized },
    );
    const row = rows[0];
    if (!row) return null;
    const user = hydrate(em, User, row, 'u_');
    const credential = row.c_user_id == null ? null : hydrate(em, Credential, row, 'c_');
    const found = row.a_id == null ? null : hydrate(em, Account, row, 'a_');
    const policy = user.accountId ? completePolicy(found?.passwordPolicy ?? null) : DEFAULT_PASSWORD_POLICY;
    const account = found ? { id: found.id, name: found.name, changePasswordUrl: found.changePasswordUrl } : null;
    return { user, credential, policy, account };
  }
}
