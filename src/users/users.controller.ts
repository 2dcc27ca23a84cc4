import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { UserNotFoundError } from '../common/errors/domain-errors';
import { IdParam } from '../common/id-param';
import { ApiKeyPrincipal, Principal, RequireScope } from '../auth/decorators/auth.decorators';
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
}
