import { Body, Controller, Get, Post, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountNotFoundError } from '../common/errors/domain-errors';
import { IdParam } from '../common/id-param';
import { ApiKeyPrincipal, Principal, RequireScope } from '../auth/decorators/auth.decorators';
import { ServiceErrorDto } from '../auth/dto/service-error.dto';
import { InviteUserDto } from '../users/dto/create-user.dto';
import { UserEnvelopeDto } from '../users/dto/user-response.dto';
import { UserAdminService } from '../users/user-admin.service';
import { AccountAdminService } from './account-admin.service';
import { AccountLinksDto, AccountLinksResponseDto } from './dto/account-links.dto';
import { AccountEnvelopeDto, CreatedAccountEnvelopeDto } from './dto/account-response.dto';
import { CreateAccountDto } from './dto/create-account.dto';
import { PasswordPolicyDto } from './dto/password-policy.dto';

@ApiTags('Accounts')
@Controller('accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountAdminService, private readonly users: UserAdminService) {}

  /** Creates an account and its owner, and emails the owner an invitation with a D1 set-password token. */
  @Post()
  @RequireScope('accounts:write')
  create(@Body() dto: CreateAccountDto, @Principal() caller: ApiKeyPrincipal): Promise<CreatedAccountEnvelopeDto> {
    return this.accounts.create(dto, caller);
  }

  /** Reads an account and its password policy (accounts:read, implied by accounts:write and admin). */
  @Get(':id')
  @RequireScope('accounts:read')
  get(@IdParam('id', AccountNotFoundError) id: string, @Principal() caller: ApiKeyPrincipal): Promise<AccountEnvelopeDto> {
    return this.accounts.get(id, caller);
  }

  /** Replaces the account's password policy; answers the stored policy. */
  @Put(':id/password-policy')
  @RequireScope('accounts:write')
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
  @ApiBadRequestResponse({ type: ServiceErrorDto, description: 'A template that is not an absolute http(s) URL with {code} exactly once; the field is named' })
  @ApiForbiddenResponse({ type: ServiceErrorDto, description: 'The key lacks accounts:write, or is bound to another account' })
  @ApiNotFoundResponse({ type: ServiceErrorDto, description: 'No such account' })
  replaceLinks(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: AccountLinksDto, @Principal() caller: ApiKeyPrincipal): Promise<AccountLinksResponseDto> {
    return this.accounts.replaceLinks(id, dto, caller);
  }

  /**
   * Creates a user without a password in the account and emails a D1 invitation. `role` (default member):
   * only a caller that may manage roles (accounts:write, e.g. the account's owner) may give admin.
   */
  @Post(':id/users')
  @RequireScope('users:write')
  createUser(@IdParam('id', AccountNotFoundError) id: string, @Body() dto: InviteUserDto, @Principal() caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    return this.users.create(id, dto, caller);
  }
}
