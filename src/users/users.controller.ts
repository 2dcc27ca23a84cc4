import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
    description: 'Changes the fields given and answers the user. `locale` (`en`, `de`, or null to clear) is the language the user is written to in. Account-bound keys reach their own account\'s users only.',
  })
  @ApiOkResponse({ type: UserEnvelopeDto, description: 'The updated user' })
  @ApiBadRequestResponse({ type: ServiceErrorDto, description: 'Invalid body, e.g. an unsupported locale' })
  @ApiForbiddenResponse({ type: ServiceErrorDto, description: "The key lacks users:write, or is bound to another account" })
  @ApiNotFoundResponse({ type: ServiceErrorDto, description: 'No such user' })
  update(@IdParam('id', UserNotFoundError) id: string, @Body() dto: UpdateUserDto, @Principal() caller: ApiKeyPrincipal): Promise<UserEnvelopeDto> {
    return this.admin.update(id, dto, caller);
  }
}
