import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Account } from '../entities/account.entity';
import { DEFAULT_PASSWORD_POLICY, PasswordPolicy, completePolicy } from './password-policy';

/** The policy that governs a user: their account's, or the service default. */
@Injectable()
export class PasswordPolicyService {
  constructor(@InjectRepository(Account) private readonly accounts: Repository<Account>) {}

  async forAccount(accountId: string | null): Promise<PasswordPolicy> {
    if (!accountId) return DEFAULT_PASSWORD_POLICY;
    const account = await this.accounts.findOneBy({ id: accountId });
    return completePolicy(account?.passwordPolicy ?? null);
  }
}
