import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { ApiKeyPrincipal } from '../auth/decorators/auth.decorators';
import { ForbiddenError } from '../common/errors/domain-errors';
import { AccountsService } from './accounts.service';
import { AccountLinksDto, AccountLinksResponseDto, storedLinks } from './dto/account-links.dto';
import { AccountDto, AccountEnvelopeDto, CreatedAccountEnvelopeDto } from './dto/account-response.dto';
import { CreateAccountDto } from './dto/create-account.dto';
import { PasswordPolicyDto } from './dto/password-policy.dto';

/** The admin API's use of accounts: the calling key's account boundary, then the accounts service. */
@Injectable()
export class AccountAdminService {
  constructor(private readonly accounts: AccountsService, private readonly apiKeys: ApiKeysService) {}

  async create(dto: CreateAccountDto, caller: ApiKeyPrincipal): Promise<CreatedAccountEnvelopeDto> {
    // An account-bound key cannot create other accounts.
    if (caller.accountId) throw new ForbiddenError();
    const { account, owner } = await this.accounts.create({ name: dto.name, owner: dto.owner, policy: dto.passwordPolicy, links: storedLinks(dto.links) });
    return { data: { account_id: account.id, account: account.name, user_id: owner.id } };
  }

  async get(id: string, caller: ApiKeyPrincipal): Promise<AccountEnvelopeDto> {
    this.apiKeys.assertCanReachAccount(caller, id);
    return { data: AccountDto.from(await this.accounts.get(id)) };
  }

  async replacePolicy(id: string, dto: PasswordPolicyDto, caller: ApiKeyPrincipal): Promise<PasswordPolicyDto> {
    this.apiKeys.assertCanReachAccount(caller, id);
    return (await this.accounts.replacePolicy(id, dto)).passwordPolicy;
  }

  async replaceLinks(id: string, dto: AccountLinksDto, caller: ApiKeyPrincipal): Promise<AccountLinksResponseDto> {
    this.apiKeys.assertCanReachAccount(caller, id);
    return AccountLinksResponseDto.from(await this.accounts.replaceLinks(id, storedLinks(dto)));
  }
}
