import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Public } from '../../access/decorators/auth.decorators';
import { D1ErrorDto, SetPasswordResponseDto } from './dto/set-password-response.dto';
import { SetPasswordWithInvitationDto } from './dto/set-password-with-invitation.dto';
import { SetPasswordWithInvitationUseCase } from './set-password-with-invitation.usecase';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** D1 (seed 000): set the first password with the one-time token from the invitation email. */
@ApiTags(API_TAGS.d1.name)
@Controller('accounts')
export class SetPasswordWithInvitationController {
  constructor(private readonly setPassword: SetPasswordWithInvitationUseCase) {}

  @Post('set-password')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Set password', description: 'Sets a password for a new user', operationId: 'setPassword' })
  @ApiOkResponse({ type: SetPasswordResponseDto, description: 'Password set successfully' })
  @ApiBadRequestResponse({
    type: D1ErrorDto,
    description: 'Bad request',
    examples: {
      token: { summary: 'Invalid, expired or used token', value: { error: 'The set-password token is invalid, has expired or has already been used.' } },
      policy: {
        summary: 'Password policy',
        value: { error: 'Password must be at least 8 characters long, contain at least one uppercase letter and contain at least one special character (punctuation or symbol).' },
      },
      request: { summary: 'Malformed request', value: { error: 'The token field is required and the password field must be a string.' } },
      alreadySet: { summary: 'Password already set', value: { error: 'A password has already been set for this user.' } },
    },
  })
  @ApiPayloadTooLargeResponse({ type: D1ErrorDto, description: 'Body over 100 kB', example: { error: 'The request body is too large.' } })
  @ApiTooManyRequestsResponse({ type: D1ErrorDto, description: 'Rate limited', example: { error: 'Too many requests; try again later.' } })
  @ApiServiceUnavailableResponse({ type: D1ErrorDto, description: 'Storage unavailable', example: { error: 'The service is temporarily unavailable; try again later.' } })
  set(@Body() dto: SetPasswordWithInvitationDto): Promise<SetPasswordResponseDto> {
    return this.setPassword.execute(dto);
  }
}
