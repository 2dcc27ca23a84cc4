import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ClientIp } from '../../ground/common/client-ip';
import { Can, Principal, Public } from '../../access/decorators/auth.decorators';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { ApiAccessTokenUnauthorized, SERVICE_EXAMPLES, ServiceErrorDto } from '../../ground/common/openapi/service-error.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { LoginUseCase } from './login.usecase';
import { LogoutUseCase } from './logout.usecase';
import type { UserPrincipal } from '../../access/principals';
import { RefreshSessionUseCase } from './refresh-session.usecase';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { ApiClientRateLimited, ApiRequestEdgeErrors } from '../../ground/common/openapi/admin-errors';

/** Sessions: log in with email and password, rotate the refresh token, log out. */
@ApiTags(API_TAGS.sessions.name)
@Controller('auth')
export class SessionsController {
  constructor(private readonly login: LoginUseCase, private readonly refresh: RefreshSessionUseCase, private readonly logout: LogoutUseCase) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Log in',
    description:
      'The same 401 for an unknown email and a wrong password. Only after a correct password: 403 `USER_DISABLED` for a disabled user, and 403 ' +
      '`PASSWORD_CHANGE_REQUIRED` for a password due for change (older than the policy\'s maxAgeDays, `reason` `expired`, or set as temporary by an ' +
      'administrator, `reason` `temporary`): no session, but a `change_token` (10 minutes, one use) for POST /users/me/password.',
  })
  @ApiOkResponse({ type: TokenResponseDto, description: 'Logged in: an access token and a refresh token' })
  @ApiBadRequestResponse({ type: ServiceErrorDto, description: 'Invalid body', example: SERVICE_EXAMPLES.request })
  @ApiUnauthorizedResponse({ type: ServiceErrorDto, description: 'Unknown email or wrong password', example: SERVICE_EXAMPLES.invalidCredentials })
  @ApiForbiddenResponse({
    type: ServiceErrorDto,
    description: 'Correct password, but the password is due for change (a change token instead of a session), or the user is disabled',
    examples: {
      change: { summary: 'The password must be changed first', value: SERVICE_EXAMPLES.passwordChangeRequired },
      disabled: { summary: 'The user is disabled', value: SERVICE_EXAMPLES.userDisabled },
    },
  })
  @ApiConflictResponse({ type: ServiceErrorDto, description: "Correct password, but the user's account does not use passwords", example: SERVICE_EXAMPLES.loginDisabled })
  @ApiTooManyRequestsResponse({ type: ServiceErrorDto, description: 'Too many failed logins for this email (5 a minute, 20 per 15 minutes), from this client (50 per 15 minutes), or overall; Retry-After says when to come back', example: SERVICE_EXAMPLES.rateLimited })
  logIn(@Body() dto: LoginDto, @ClientIp() ip: string): Promise<TokenResponseDto> {
    return this.login.execute(dto, ip);
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Refresh',
    description: 'Rotates: answers a new pair and the presented refresh token dies. Presenting a dead (already rotated) one revokes its whole family.',
  })
  @ApiOkResponse({ type: TokenResponseDto, description: 'A new pair; the presented refresh token is dead' })
  @ApiBadRequestResponse({ type: ServiceErrorDto, description: 'Invalid body', example: SERVICE_EXAMPLES.request })
  @ApiUnauthorizedResponse({ type: ServiceErrorDto, description: 'Unknown, expired, revoked or already rotated', example: SERVICE_EXAMPLES.invalidRefresh })
  @ApiClientRateLimited()
  rotate(@Body() dto: RefreshDto): Promise<TokenResponseDto> {
    return this.refresh.execute(dto);
  }

  @Post('logout')
  @HttpCode(204)
  @Can('sessions.logout')
  @ApiOperation({ summary: 'Log out', description: "Revokes every refresh token of the caller. Access tokens run out on their own." })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiAccessTokenUnauthorized()
  @ApiRequestEdgeErrors({ rateLimited: true })
  logOut(@Principal() caller: UserPrincipal): Promise<void> {
    return this.logout.execute(caller);
  }
}
