import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ClientIp } from '../../ground/common/client-ip';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { ChangePasswordUseCase } from './change-password.usecase';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { ChangePasswordDto, PasswordChangedEnvelopeDto } from './dto/change-password.dto';
import { ApiAccessTokenUnauthorized, SERVICE_EXAMPLES, ServiceErrorDto } from '../../ground/common/openapi/service-error.dto';
import type { ChangePrincipal, UserPrincipal } from '../../access/principals';

const envelope = (statusCode: number, error: string, code: string, message: string, extra: Record<string, unknown> = {}) => ({ statusCode, error, code, message, ...extra });

/** The signed-in user changes its own password (CONTRACT.md "Third round"). Errors in the service envelope. */
@ApiTags(API_TAGS.users.name)
@Controller('users')
export class PasswordChangeController {
  constructor(private readonly changePassword: ChangePasswordUseCase) {}

  @Post('me/password')
  @HttpCode(200)
  @Can('passwords.change')
  @ApiOperation({
    summary: 'Change my password',
    description:
      'With your access token: `{"current_password","new_password"}`. With the `change_token` a login answered for a password due for change ' +
      '(403 PASSWORD_CHANGE_REQUIRED): `{"new_password"}` (it works once, for 10 minutes, on this route only). The new password goes through ' +
      'the account\'s policy and history. Answers a fresh session; every other session and every access token issued before, the one used ' +
      'included, stops working. You get a "password changed" email. A wrong current password counts as a failed login: past the login budgets ' +
      'both routes answer 429. API keys, client tokens and email-verification tokens are refused (401).',
  })
  @ApiOkResponse({ type: PasswordChangedEnvelopeDto, description: 'Changed: a fresh session' })
  @ApiBadRequestResponse({
    type: ServiceErrorDto,
    description: 'A wrong current password (INVALID_CURRENT_PASSWORD), a new password the policy refuses (PASSWORD_POLICY_VIOLATION, every violation listed), or an invalid body (REQUEST_INVALID).',
    examples: {
      current: { summary: 'Wrong current password', value: envelope(400, 'Bad Request', 'INVALID_CURRENT_PASSWORD', 'The current password is wrong.') },
      policy: {
        summary: 'The policy refuses the new password',
        value: envelope(400, 'Bad Request', 'PASSWORD_POLICY_VIOLATION', 'The password does not meet the password policy.', {
          details: ['Password must contain at least one digit.'], violations: [{ rule: 'requiredClass', message: 'Password must contain at least one digit.' }],
        }),
      },
    },
  })
  @ApiAccessTokenUnauthorized({
    description: 'No bearer token, or not a user\'s access token or a live change token',
    summary: "Not a user's access token or a live change token",
  })
  @ApiConflictResponse({ type: ServiceErrorDto, description: "The user's account does not use passwords", example: envelope(409, 'Conflict', 'PASSWORD_LOGIN_DISABLED', "The user's account does not use passwords.") })
  @ApiTooManyRequestsResponse({ type: ServiceErrorDto, description: 'Too many failed password checks for this user, client or overall (the login budgets); Retry-After says when to come back', example: SERVICE_EXAMPLES.rateLimited })
  change(@Principal() caller: UserPrincipal | ChangePrincipal, @Body() dto: ChangePasswordDto, @ClientIp() ip: string): Promise<PasswordChangedEnvelopeDto> {
    return this.changePassword.execute(caller, dto, ip);
  }
}
