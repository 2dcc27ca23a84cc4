import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { ApiAccessTokenUnauthorized } from '../../ground/common/openapi/service-error.dto';
import type { UserPrincipal } from '../../access/principals';
import { UserEnvelopeDto } from './dto/user-response.dto';
import { MeService } from './me.service';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { ApiRequestEdgeErrors } from '../../ground/common/openapi/admin-errors';

/** The logged-in user. Registered before UsersController so that `/users/me` is not taken for `/users/{id}`. */
@ApiTags(API_TAGS.users.name)
@Controller('users')
export class MeController {
  constructor(private readonly me: MeService) {}

  @Get('me')
  @Can('me.read')
  @ApiOperation({ summary: 'The current user', description: 'The user of the bearer access token.' })
  @ApiOkResponse({ type: UserEnvelopeDto, description: 'The user (never a hash)' })
  @ApiAccessTokenUnauthorized()
  @ApiRequestEdgeErrors({ rateLimited: true })
  get(@Principal() caller: UserPrincipal): Promise<UserEnvelopeDto> {
    return this.me.get(caller.userId);
  }
}
