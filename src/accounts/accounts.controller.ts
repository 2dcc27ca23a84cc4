import { Body, Controller, Get, Post, Put } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ACCOUNT_NOT_FOUND, ApiAdminErrors, MALFORMED_REQUEST, EMAIL_TAKEN } from '../common/openapi/admin-errors';
import { AccountNotFoundError } from '../common/errors/domain-errors';
import { IdParam } from '../common/id-param';
import { ApiKeyPrincipal, Principal, RequireScope } from '../auth/decorators/auth.decorators';
import { InviteUserDto } from '../users/dto/create-user.dto';
import { UserEnvelopeDto } from '../users/dto/user-response.dto';
import { UserAdminService } from '../users/user-admin.service';
import { AccountAdminService } from './account-admin.service';
import { AccountLinksDto, AccountLinksResponseDto } from './dto/account-links.dto';
import { AccountEnvelopeDto, CreatedAccountEnvelopeDto } from './dto/account-response.dto';
import { CreateAccountDto } from './dto/create-account.dto';
import { PasswordPolicyDto } from './dto/password-policy.dto';
import { API_TAGS } from '../common/openapi/tags';

@ApiTags(API_TAGS.accounts.name)
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountAdminService, private readonly users: UserAdminService) {}

  /** Creates an account and its owner, and emails the owner an invitation with a D1 set-password token. */
  @Post()
  @RequireScope('accounts:write')
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
  create(@Body() dto: CreateAccountDto, @Principal() caller: ApiKeyPrincipal): Promise<CreatedAccountEnvelopeDto> {
    return this.accounts.create(dto, caller);
  }

  /** Reads an account and its password policy (accounts:read, implied by accounts:write and admin). */
  @Get(':id')
  @RequireScope('accounts:read')
  @ApiOperation({ summary: 'Read an account', description: 'The account and its password policy (accounts:read, implied by accounts:write and admin). Account-bound callers see their own account only.' })
  @ApiOkResponse({ type: AccountEnvelopeDto, description: 'The account' })
  @ApiAdminErrors({ scope: 'accounts:read', badRequest: MALFORMED_REQUEST, notFound: ACCOUNT_NOT_FOUND })
  get(@IdParam('id', AccountNotFoundError) id: string, @Principal() caller: ApiKeyPrincipal): Promise<AccountEnvelopeDto> {
    return this.accounts.get(id, caller);
  }

  /** Replaces the account's password policy; answers the stored policy. */
  @Put(':id/password-policy')
  @RequireScope('accounts:write')
  @ApiOperation({ summary: "Replace the account's password policy", description: "Replaces the whole policy the account's users' passwords must meet; answers the stored policy." })
  @ApiOkResponse({ type: PasswordPolicyDto, description: 'The stored policy' })
  @ApiAdminErrors({
    scope: 'accounts:write',
    forbidden: 'is bound to another account',
    badRequest: 'An invalid or unknown field (REQUEST_INVALID), or an inconsistent policy, e.g. a minimum length over the maximum (INVALID_POLICY); `details` names the field.',
    badRequestDetail: 'min_length must not be greater than 128',
    notFound: ACCOUNT_NOT_FOUND,
  })
  replacePolicy(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: PasswordPolicyDto, @Principal() caller: ApiKeyPrincipal): Promise<PasswordPolicyDto> {
    return this.accounts.replacePolicy(id, dto, caller);
  }

  @Put(':id/links')
  @RequireScope('accounts:write')
  @ApiOperation({
    summary: "Replace the account's email link templates",
    description:
      "Replaces the whole set of link templates used in the emails to the account's users (invitation, verification, reset, recovery): " +
      'absolute http(s) URLs containing `{code}` exactly once, which is replaced by the URL-encoded secret. A kind left out or null uses ' +
      'the configured template (INVITATION_LINK, VERIFICATION_LINK, RESET_LINK, RECOVERY_LINK). Answers the stored templates.',
  })
  @ApiOkResponse({ type: AccountLinksResponseDto, description: 'The stored templates (null: the configured one)' })
  @ApiAdminErrors({
    scope: 'accounts:write',
    forbidden: 'is bound to another account',
    badRequest: 'A template that is not an absolute http(s) URL with {code} exactly once, or an unknown field; `details` names the field.',
    badRequestDetail: 'reset must be an absolute http(s) URL containing {code} exactly once',
    notFound: ACCOUNT_NOT_FOUND,
  })
  replaceLinks(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: AccountLinksDto, @Principal() caller: ApiKeyPrincipal): Promise<AccountLinksResponseDto> {
    return this.accounts.replaceLinks(id, dto, caller);
  }

  /**
   * Creates a user without a password in the account and emails a D1 invitation. `role` (default member):
   * only a caller that may manage roles (accounts:write, e.g. the account's owner) may give admin.
   */
  @Post(':id/users')
  @RequireScope('users:write')
  @ApiOperation({
    summary: 'Invite a user to the account',
    description:
      'Creates a user without a password in the account and emails a D1 invitation. `role` (default member): only a caller that may manage roles ' +
      '(accounts:write, e.g. the account\'s owner) may give admin.',
  })
  @ApiCreatedResponse({ type: UserEnvelopeDto, description: 'The user, invited' })
  @ApiAdminErrors({ scope: 'users:write', forbidden: 'is bound to another account, or may not give the admin role', badRequestDetail: 'email is not a valid email address.', notFound: ACCOUNT_NOT_FOUND, conflict: EMAIL_TAKEN })
  createUser(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: InviteUserDto, @Principal() caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    return this.users.create(id, dto, caller);
  }
}
