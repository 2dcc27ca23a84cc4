import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UserNotFoundError } from '../common/errors/domain-errors';
import { IdParam } from '../common/id-param';
import { ApiKeyPrincipal, Principal, RequireScope } from '../auth/decorators/auth.decorators';
import { ServiceErrorDto } from '../auth/dto/service-error.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserEnvelopeDto } from './dto/user-response.dto';
import { UserAdminService } from './user-admin.service';

@ApiTags('Users')
@Controller('users')
export class UsersController {
  constructor(private readonly admin: UserAdminService) {}

  /** Reads a user. Account-bound keys see their own account's users only. */
  @Get(':id')
  @RequireScope('users:write')
  get(@IdParam('id', UserNotFoundError) id: string, @Principal() caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    return this.admin.get(id, caller);
  }

  @Patch(':id')
  @RequireScope('users:write')
  @ApiOperation({
    summary: 'Update a user',
    description:
      'Changes the fields given and answers the user. `locale` (`en`, `de`, or null to clear) is the language the user is written to in. ' +
      '`role` (`owner`, `admin`, `member`) needs a caller that may manage roles (accounts:write, e.g. the account\'s owner); `owner` transfers ownership and the ' +
      'previous owner becomes `admin`; the owner\'s role changes only that way (409). `isAdmin` (super admin) only a global admin caller may set. ' +
      'Account-bound callers reach their own account\'s users only. Role changes are audited as `user.role_changed`.',
  })
  @ApiOkResponse({ type: UserEnvelopeDto, description: 'The updated user' })
  @ApiBadRequestResponse({ type: ServiceErrorDto, description: 'Invalid body, e.g. an unsupported locale' })
  @ApiForbiddenResponse({ type: ServiceErrorDto, description: "The caller lacks users:write (or may not manage roles / make super admins), or is bound to another account" })
  @ApiNotFoundResponse({ type: ServiceErrorDto, description: 'No such user' })
  @ApiConflictResponse({ type: ServiceErrorDto, description: "ROLE_CONFLICT: the owner's role changed other than by a transfer, or a role for a user without an account" })
  update(@IdParam('id', UserNotFoundError) id: string, @Body() dto: UpdateUserDto, @Principal() caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    return this.admin.update(id, dto, caller);
  }
}
