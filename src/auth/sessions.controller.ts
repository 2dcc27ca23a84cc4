import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ClientIp } from '../common/client-ip';
import { Principal, Public, RequireBearer } from './decorators/auth.decorators';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { ApiAccessTokenUnauthorized, SERVICE_EXAMPLES, ServiceErrorDto } from './dto/service-error.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { LoginUseCase } from './login.usecase';
import { LogoutUseCase } from './logout.usecase';
import type { UserPrincipal } from './principals';
import { RefreshSessionUseCase } from './refresh-session.usecase';
import { API_TAGS } from '../common/openapi/tags';
import { ApiClientRateLimited, ApiRequestEdgeErrors } from '../common/openapi/admin-errors';

/** Sessions: log in with email and password, rotate the refresh token, log out. */
@ApiTags(API_TAGS.sessions.name)
@Controller('auth')
export class SessionsController {
  constructor(private readonly login: LoginUseCase, private readonly refresh: RefreshSessionUseCase, private readonly logout: LogoutUseCase) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Log in', description: 'The same 401 for an unknown email and a wrong password. PASSWORD_EXPIRED only after a correct password.' })
  @ApiOkResponse({ type: TokenResponseDto, description: 'Logged in: an access token and a refresh token' })
  @ApiBadRequestResponse({ type: ServiceErrorDto, description: 'Invalid body', example: SERVICE_EXAMPLES.request })
  @ApiUnauthorizedResponse({
    type: ServiceErrorDto,
    description: 'Unknown email, wrong password, or an expired password',
    examples: {
      credentials: { summary: 'Unknown email or wrong password', value: SERVICE_EXAMPLES.invalidCredentials },
      expired: { summary: 'Correct password, but it has expired', value: SERVICE_EXAMPLES.passwordExpired },
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
  @RequireBearer('jwt-access')
  @ApiOperation({ summary: 'Log out', description: "Revokes every refresh token of the caller. Access tokens run out on their own." })
  @ApiNoContentResponse({ description: 'Logged out' })
  @ApiAccessTokenUnauthorized()
  @ApiRequestEdgeErrors({ rateLimited: true })
  logOut(@Principal() caller: UserPrincipal): Promise<void> {
    return this.logout.execute(caller);
  }
}
