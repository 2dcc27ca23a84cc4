import { Body, Controller, Delete, Get, HttpCode, Patch } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAdminErrors, MALFORMED_REQUEST, USER_NOT_FOUND } from '../../ground/common/openapi/admin-errors';
import { UserNotFoundError } from '../../ground/common/errors/domain-errors';
import { IdParam } from '../../ground/common/id-param';
import type { Caller } from '../../access/caller';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserEnvelopeDto } from './dto/user-response.dto';
import { UserAdminService } from './user-admin.service';
import { API_TAGS } from '../../ground/common/openapi/tags';

@ApiTags(API_TAGS.users.name)
@Controller('users')
export class UsersController {
  constructor(private readonly admin: UserAdminService) {}

  /** Reads a user. Account-bound keys see their own account's users only. */
  @Get(':id')
  @Can('users.read')
  @ApiOperation({ summary: 'Read a user', description: "The user (never a hash). Account-bound callers see their own account's users only." })
  @ApiOkResponse({ type: UserEnvelopeDto, description: 'The user' })
  @ApiAdminErrors({ scope: 'users:write', badRequest: MALFORMED_REQUEST, notFound: USER_NOT_FOUND })
  get(@IdParam('id', UserNotFoundError) id: string, @Principal() caller: Caller): Promise<UserEnvelopeDto> {
    return this.admin.get(id, caller);
  }

  @Patch(':id')
  @Can('users.update')
  // One change per example: what Swagger UI pre-fills changes the language only, never a role, the flag or the state.
  @ApiBody({
    type: UpdateUserDto,
    examples: {
      locale: { summary: 'Write to the user in German', value: { locale: 'de' } },
      role: { summary: 'Make the user an admin of its account', value: { role: 'admin' } },
      disable: { summary: 'Disable the user', value: { disabled: true } },
      enable: { summary: 'Enable the user again', value: { disabled: false } },
    },
  })
  @ApiOperation({
    summary: 'Update a user',
    description:
      'Changes the fields given and answers the user. `locale` (`en`, `de`, or null to clear) is the language the user is written to in. ' +
      '`role` (`owner`, `admin`, `member`) needs a caller that may manage roles (accounts:write, e.g. the account\'s owner); `owner` transfers ownership and the ' +
      'previous owner becomes `admin`; the owner\'s role changes only that way (409). `isAdmin` (super admin) only a global admin caller may set. ' +
      'Account-bound callers reach their own account\'s users only. Role changes are audited as `user.role_changed`. ' +
      '`disabled: true` disables the user (never one above the caller): every session and earlier access token ends, outstanding invitation, ' +
      'verification and recovery secrets die, login with the right password answers 403 `USER_DISABLED`, recovery requests send nothing, ' +
      'no dialect sets a password; nothing is mailed. `disabled: false` enables the user again. Audited as `user.disabled` / `user.enabled`.',
  })
  @ApiOkResponse({ type: UserEnvelopeDto, description: 'The updated user' })
  @ApiAdminErrors({
    scope: 'users:write',
    forbidden: 'may not manage roles or make super admins, or is bound to another account',
    badRequest: 'Invalid body, e.g. an unsupported locale; `details` names the field.',
    badRequestDetail: 'locale must be one of the following values: en, de',
    notFound: USER_NOT_FOUND,
    conflict: { code: 'ROLE_CONFLICT', message: "An account has exactly one owner: make another user owner to change the owner's role; users without an account have no role.", description: "The owner's role changed other than by a transfer, or a role for a user without an account." },
  })
  update(@IdParam('id', UserNotFoundError) id: string, @Body() dto: UpdateUserDto, @Principal() caller: Caller): Promise<UserEnvelopeDto> {
    return this.admin.update(id, dto, caller);
  }

  @Delete(':id')
  @Can('users.delete')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user',
    description:
      'Erases the user: its row, password and history, outstanding secrets, sessions, remembered networks, every email to its address in the ' +
      'outbox and every webhook delivery about it (its `user.deleted` webhook event, ids only, is then sent). Audit events keep their ids and lose the client address; `user.deleted` is recorded. Afterwards `GET /users/{id}` is 404 and the ' +
      'address can be invited again. Never a user above the caller; an account\'s owner cannot be deleted (409 `LAST_OWNER`: make another user owner first).',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiAdminErrors({
    scope: 'users:write',
    forbidden: 'is bound to another account, or the user is above the caller (a super admin, an owner for an admin)',
    badRequest: MALFORMED_REQUEST,
    notFound: USER_NOT_FOUND,
    conflict: { code: 'LAST_OWNER', message: 'The owner of an account cannot be deleted: make another user owner first.', description: "The user is its account's owner." },
  })
  erase(@IdParam('id', UserNotFoundError) id: string, @Principal() caller: Caller): Promise<void> {
    return this.admin.erase(id, caller);
  }
}
