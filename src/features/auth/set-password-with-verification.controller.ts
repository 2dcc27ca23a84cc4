import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiInternalServerErrorResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags,
  ApiTooManyRequestsResponse, ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { D2_EXAMPLES, D2ErrorDto } from './dto/d2-error.dto';
import { D2SetPasswordDto } from './dto/d2-set-password.dto';
import { D2SetPasswordResponseDto } from './dto/d2-set-password-response.dto';
import type { VerificationPrincipal } from '../../access/principals';
import { SetPasswordWithVerificationUseCase } from './set-password-with-verification.usecase';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** D2 (seed 001): set the first password with the email-verification JWT, and get a session. */
@ApiTags(API_TAGS.d2.name)
@Controller('auth')
export class SetPasswordWithVerificationController {
  constructor(private readonly setPassword: SetPasswordWithVerificationUseCase) {}

  @Post('setpassword')
  @HttpCode(200)
  @Can('passwords.setWithVerification')
  @ApiOperation({
    summary: 'Set Password',
    // The id Nest generated from this controller's former name (SetPasswordController): openapi.json keeps it.
    operationId: 'SetPassword_set',
    description: 'Sets a new password for a user after they have verified their email. Requires the verification token (POST /auth/verify-email) as Bearer; it works once.',
  })
  @ApiOkResponse({ type: D2SetPasswordResponseDto, description: 'Password set successfully; the user is logged in' })
  @ApiBadRequestResponse({
    type: D2ErrorDto,
    description: 'Invalid or expired token, password validation failed, or the user already has a password',
    examples: {
      validation: { summary: 'Password validation failed', value: D2_EXAMPLES.policy },
      token: { summary: 'Invalid or expired token', value: D2_EXAMPLES.invalidToken },
      alreadySet: { summary: 'User already has a password set', value: D2_EXAMPLES.alreadySet },
    },
  })
  @ApiUnauthorizedResponse({ type: D2ErrorDto, description: 'No Authorization header, or not a bearer JWT', example: D2_EXAMPLES.unauthorized })
  @ApiNotFoundResponse({ type: D2ErrorDto, description: "The token's user no longer exists", example: D2_EXAMPLES.userNotFound })
  @ApiTooManyRequestsResponse({ type: D2ErrorDto, description: 'Rate limited', example: D2_EXAMPLES.rateLimited })
  @ApiServiceUnavailableResponse({ type: D2ErrorDto, description: 'Storage unavailable', example: D2_EXAMPLES.unavailable })
  @ApiInternalServerErrorResponse({ type: D2ErrorDto, description: 'Internal Server Error', example: D2_EXAMPLES.internal })
  set(@Principal() caller: VerificationPrincipal, @Body() dto: D2SetPasswordDto): Promise<D2SetPasswordResponseDto> {
    return this.setPassword.execute(caller, dto);
  }
}
