import { Body, Controller, Get, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCOUNT_NOT_FOUND, ApiAdminErrors, MALFORMED_REQUEST, EMAIL_TAKEN } from '../../ground/common/openapi/admin-errors';
import { AccountNotFoundError } from '../../ground/common/errors/domain-errors';
import { IdParam } from '../../ground/common/id-param';
import type { Caller } from '../../access/caller';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { InviteUserDto } from '../users/dto/create-user.dto';
import { UserEnvelopeDto } from '../users/dto/user-response.dto';
import { UserAdminService } from '../users/user-admin.service';
import { AccountAdminService } from './account-admin.service';
import { AccountLinksDto, AccountLinksResponseDto } from './dto/account-links.dto';
import { AccountSignUpDto, AccountSignUpResponseDto } from './dto/account-sign-up.dto';
import { AccountEnvelopeDto, AccountPageDto, CreatedAccountEnvelopeDto } from './dto/account-response.dto';
import { ListAccountsQueryDto } from './dto/list-accounts.query.dto';
import { CreateAccountDto } from './dto/create-account.dto';
import { PasswordPolicyDto } from './dto/password-policy.dto';
import { API_TAGS } from '../../ground/common/openapi/tags';

@ApiTags(API_TAGS.accounts.name)
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountAdminService, private readonly users: UserAdminService) {}

  /** Creates an account and its owner, and emails the owner an invitation with a D1 set-password token. */
  @Post()
  @Can('accounts.create')
  @ApiOperation({
    summary: 'Create an account and its owner',
    description: 'Creates an account and its owner (a user without a password), and emails the owner an invitation with a D1 set-password token. Only a caller not bound to an account may create one.',
  })
  // The examples leave `links` out: an account made from them sends the service's own links (or the
  // configured ones), never to an example site.
  @ApiBody({
    type: CreateAccountDto,
    examples: {
      account: { summary: 'An account and its owner (default policy, configured links)', value: { name: 'Acme Corp', owner: { email: 'owner@acme.example', firstName: 'Ada', lastName: 'Lovelace' } } },
      policy: {
        summary: 'With its own password policy (the rest from the default)',
        value: { name: 'Acme Corp', owner: { email: 'owner@acme.example' }, passwordPolicy: { minLength: 12, historySize: 5 } },
      },
    },
  })
  @ApiCreatedResponse({ type: CreatedAccountEnvelopeDto, description: 'The account and its owner' })
  @ApiAdminErrors({ scope: 'accounts:write', forbidden: 'is bound to an account', badRequestDetail: 'owner.email is not a valid email address.', conflict: { ...EMAIL_TAKEN, description: "A user with the owner's email address exists already." } })
  create(@Body() dto: CreateAccountDto, @Principal() caller: Caller): Promise<CreatedAccountEnvelopeDto> {
    return this.accounts.create(dto, caller);
  }

  /** Lists the accounts the caller reaches, newest first, one keyset page at a time. */
  @Get()
  @Can('accounts.list')
  @ApiOperation({
    summary: 'List accounts',
    description:
      'Newest first (by creation, then id), one page at a time: pass `next` back as `cursor` until it is null. A caller bound to an account ' +
      '(an account-bound key, an owner\'s login) sees only that account. Each account as GET /accounts/{id} shows it.',
  })
  @ApiOkResponse({ type: AccountPageDto, description: 'One page of accounts' })
  @ApiAdminErrors({ scope: 'accounts:write', queryOnly: true, badRequest: 'The cursor or the limit is invalid, or an unknown query parameter was given.', badRequestDetail: 'limit is out of range.' })
  list(@Query() query: ListAccountsQueryDto, @Principal() caller: Caller): Promise<AccountPageDto> {
    return this.accounts.list(query, caller);
  }

  /** Reads an account and its password policy (accounts:read, implied by accounts:write and admin). */
  @Get(':id')
  @Can('accounts.read')
  @ApiOperation({ summary: 'Read an account', description: 'The account and its password policy (accounts:read, implied by accounts:write and admin). Account-bound callers see their own account only.' })
  @ApiOkResponse({ type: AccountEnvelopeDto, description: 'The account' })
  @ApiAdminErrors({ scope: 'accounts:read', badRequest: MALFORMED_REQUEST, notFound: ACCOUNT_NOT_FOUND })
  get(@IdParam('id', AccountNotFoundError) id: string, @Principal() caller: Caller): Promise<AccountEnvelopeDto> {
    return this.accounts.get(id, caller);
  }

  /** Replaces the account's password policy; answers the stored policy. */
  @Put(':id/password-policy')
  @Can('accounts.update')
  @ApiOperation({ summary: "Replace the account's password policy", description: "Replaces the whole policy the account's users' passwords must meet; answers the stored policy." })
  @ApiOkResponse({ type: PasswordPolicyDto, description: 'The stored policy' })
  @ApiAdminErrors({
    scope: 'accounts:write',
    forbidden: 'is bound to another account',
    badRequest: 'An invalid or unknown field (REQUEST_INVALID), or an inconsistent policy, e.g. a minimum length over the maximum (INVALID_POLICY); `details` names the field.',
    badRequestDetail: 'min_length must not be greater than 128',
    notFound: ACCOUNT_NOT_FOUND,
  })
  replacePolicy(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: PasswordPolicyDto, @Principal() caller: Caller): Promise<PasswordPolicyDto> {
    return this.accounts.replacePolicy(id, dto, caller);
  }

  @Put(':id/links')
  @Can('accounts.update')
  @ApiOperation({
    summary: "Replace the account's email link templates and sign-in address",
    description:
      "Replaces the whole set of link templates used in the emails to the account's users (invitation, verification, reset, recovery): " +
      'absolute http(s) URLs containing `{code}` exactly once, which is replaced by the URL-encoded secret. A kind left out or null uses ' +
      'the configured template (INVITATION_LINK, VERIFICATION_LINK, RESET_LINK, RECOVERY_LINK). `sign_in` is where the users sign in, an ' +
      'absolute http(s) URL without `{code}`: the success pages link to it (left out or null: SIGN_IN_URL, or no link). Answers the stored links.',
  })
  @ApiOkResponse({ type: AccountLinksResponseDto, description: 'The stored links (null: the configured one)' })
  @ApiAdminErrors({
    scope: 'accounts:write',
    forbidden: 'is bound to another account',
    badRequest: 'A template that is not an absolute http(s) URL with {code} exactly once, a sign-in address that is not an absolute http(s) URL without {code}, or an unknown field; `details` names the field.',
    badRequestDetail: 'reset must be an absolute http(s) URL containing {code} exactly once',
    notFound: ACCOUNT_NOT_FOUND,
  })
  replaceLinks(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: AccountLinksDto, @Principal() caller: Caller): Promise<AccountLinksResponseDto> {
    return this.accounts.replaceLinks(id, dto, caller);
  }

  /** Replaces who may join the account by self sign-up (POST /auth/signup with its id); answers the stored settings. */
  @Put(':id/sign-up')
  @Can('accounts.update')
  @ApiOperation({
    summary: 'Replace who may join the account by self sign-up',
    description:
      'Self sign-up (`POST /auth/signup` with this `account_id`) is closed by default: it answers 403 `SIGN_UP_CLOSED` and creates nothing. ' +
      '`selfSignUp: true` opens it to every address; `signUpDomains` to the addresses of exactly those domains (a subdomain is another domain). ' +
      'Replaces both; answers the stored settings (domains lower case, IDNs as punycode).',
  })
  @ApiOkResponse({ type: AccountSignUpResponseDto, description: 'The stored settings' })
  @ApiAdminErrors({
    scope: 'accounts:write',
    forbidden: 'is bound to another account',
    badRequest: 'A missing or invalid field, a value that is not a domain name, or an unknown field; `details` names the field.',
    badRequestDetail: 'each value in signUpDomains must be a domain name',
    notFound: ACCOUNT_NOT_FOUND,
  })
  replaceSignUp(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: AccountSignUpDto, @Principal() caller: Caller): Promise<AccountSignUpResponseDto> {
    return this.accounts.replaceSignUp(id, dto, caller);
  }

  /**
   * Creates a user without a password in the account and emails a D1 invitation. `role` (default member):
   * only a caller that may manage roles (accounts:write, e.g. the account's owner) may give admin.
   */
  @Post(':id/users')
  @Can('users.invite')
  @ApiOperation({
    summary: 'Invite a user to the account',
    description:
      'Creates a user without a password in the account and emails a D1 invitation. `role` (default member): only a caller that may manage roles ' +
      '(accounts:write, e.g. the account\'s owner) may give admin.',
  })
  @ApiCreatedResponse({ type: UserEnvelopeDto, description: 'The user, invited' })
  @ApiAdminErrors({ scope: 'users:write', forbidden: 'is bound to another account, or may not give the admin role', badRequestDetail: 'email is not a valid email address.', notFound: ACCOUNT_NOT_FOUND, conflict: EMAIL_TAKEN })
  createUser(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: InviteUserDto, @Principal() caller: Caller): Promise<UserEnvelopeDto> {
    return this.users.create(id, dto, caller);
  }
}
