import { Injectable } from '@nestjs/common';
import { actorOf, type Caller } from '../../access/caller';
import { authorize, listedAccount } from '../../access/policy';
import { decodeAuditCursor, encodeAuditCursor } from '../audit/audit-cursor';
import { RequestValidationError } from '../../ground/common/errors/domain-errors';
import { ACCOUNTS_PAGE_DEFAULT, ListAccountsQueryDto } from './dto/list-accounts.query.dto';
import { AccountsService } from './accounts.service';
import { AccountLinksDto, AccountLinksResponseDto, storedLinks } from './dto/account-links.dto';
import { AccountSignUpDto, AccountSignUpResponseDto, storedSignUp } from './dto/account-sign-up.dto';
import { AccountDto, AccountEnvelopeDto, AccountPageDto, CreatedAccountEnvelopeDto } from './dto/account-response.dto';
import { CreateAccountDto } from './dto/create-account.dto';
import { PasswordPolicyDto } from './dto/password-policy.dto';

/** The admin API's use of accounts: the access policy on the account (src/access/policy.ts), then the accounts service. */
@Injectable()
export class AccountAdminService {
  constructor(private readonly accounts: AccountsService) {}

  async create(dto: CreateAccountDto, caller: Caller): Promise<CreatedAccountEnvelopeDto> {
    authorize(caller, 'accounts.create');
    const { account, owner } = await this.accounts.create({
      name: dto.name, owner: dto.owner, policy: dto.passwordPolicy, links: storedLinks(dto.links), signUp: storedSignUp(dto),
    }, actorOf(caller));
    return { data: { account_id: account.id, account: account.name, user_id: owner.id } };
  }

  /** GET /accounts: every account for a caller bound to none; a bound caller its own. */
  async list(query: ListAccountsQueryDto, caller: Caller): Promise<AccountPageDto> {
    authorize(caller, 'accounts.list');
    const cursor = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    if (cursor === null) throw new RequestValidationError([{ path: 'cursor', kind: 'format', params: { format: 'cursor from a previous page' } }], 'query');
    const { rows, next } = await this.accounts.page({ limit: query.limit ?? ACCOUNTS_PAGE_DEFAULT, cursor, only: listedAccount(caller) });
    return { data: rows.map(AccountDto.from), next: next ? encodeAuditCursor(next) : null };
  }

  async get(id: string, caller: Caller): Promise<AccountEnvelopeDto> {
    authorize(caller, 'accounts.read', { accountId: id });
    return { data: AccountDto.from(await this.accounts.get(id)) };
  }

  async replacePolicy(id: string, dto: PasswordPolicyDto, caller: Caller): Promise<PasswordPolicyDto> {
    authorize(caller, 'accounts.update', { accountId: id });
    return (await this.accounts.replacePolicy(id, dto)).passwordPolicy;
  }

  async replaceLinks(id: string, dto: AccountLinksDto, caller: Caller): Promise<AccountLinksResponseDto> {
    authorize(caller, 'accounts.update', { accountId: id });
    return AccountLinksResponseDto.from(await this.accounts.replaceLinks(id, storedLinks(dto)));
  }

  async replaceSignUp(id: string, dto: AccountSignUpDto, caller: Caller): Promise<AccountSignUpResponseDto> {
    authorize(caller, 'accounts.update', { accountId: id });
    return AccountSignUpResponseDto.from(await this.accounts.replaceSignUp(id, storedSignUp(dto)));
  }
}
