import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ClientIp } from '../../ground/common/client-ip';
import { Public } from '../../access/decorators/auth.decorators';
import { D2_EXAMPLES, D2ErrorDto } from './dto/d2-error.dto';
import { SignUpDto } from './dto/sign-up.dto';
import { SignUpResponseDto } from './dto/sign-up-response.dto';
import { VerifyEmailDto } from './dto/verify-email.dto';
import { VerifyEmailResponseDto } from './dto/verify-email-response.dto';
import { SignUpUseCase } from './sign-up.usecase';
import { VerifyEmailUseCase } from './verify-email.usecase';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** Self-service sign-up, leading to D2: sign up → code by email → verification JWT → POST /auth/setpassword. */
@ApiTags(API_TAGS.d2.name)
@Controller('auth')
export class SignUpController {
  constructor(private readonly signUp: SignUpUseCase, private readonly verifyEmail: VerifyEmailUseCase) {}

  @Post('signup')
  @Public()
  @ApiOperation({
    summary: 'Sign up',
    description:
      'Creates an unverified user without a password and emails a verification code. The answer is the same whether or not the email ' +
      'is already registered; a registered user without a password is sent a fresh code, one with a password is sent nothing. ' +
      'With `account_id` the user joins that account only when the account allows it (`selfSignUp`, or the address\'s domain in ' +
      '`signUpDomains`; see PUT /accounts/{id}/sign-up): otherwise 403 `SIGN_UP_CLOSED`, and nothing is created or mailed.',
  })
  @ApiCreatedResponse({ type: SignUpResponseDto, description: 'Sign-up received (the same answer for a registered email)' })
  @ApiBadRequestResponse({ type: D2ErrorDto, description: 'Invalid body, or an account_id that names no account', example: D2_EXAMPLES.request })
  @ApiForbiddenResponse({
    type: D2ErrorDto,
    description: 'The account named by account_id does not allow self sign-up for this address',
    example: { success: false, error: { code: 'SIGN_UP_CLOSED', message: 'Sign-up to this account is closed for this email address', details: [] } },
  })
  @ApiTooManyRequestsResponse({ type: D2ErrorDto, description: 'Rate limited', example: D2_EXAMPLES.rateLimited })
  @ApiServiceUnavailableResponse({ type: D2ErrorDto, description: 'Storage unavailable', example: D2_EXAMPLES.unavailable })
  create(@Body() dto: SignUpDto, @ClientIp() ip: string, @Headers('accept-language') acceptLanguage?: string): Promise<SignUpResponseDto> {
    return this.signUp.execute(dto, ip, acceptLanguage);
  }

  @Post('verify-email')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Verify email', description: 'Exchanges the emailed code (single use) for an email-verification JWT for POST /auth/setpassword.' })
  @ApiOkResponse({ type: VerifyEmailResponseDto, description: 'Email verified; the verification JWT for D2' })
  @ApiBadRequestResponse({ type: D2ErrorDto, description: 'Unknown, expired or used code', example: D2_EXAMPLES.invalidToken })
  @ApiTooManyRequestsResponse({ type: D2ErrorDto, description: 'Rate limited, or 10 wrong codes from this client in 15 minutes; once 200 have failed from all clients, a code works only from the network that signed up', example: D2_EXAMPLES.rateLimited })
  @ApiServiceUnavailableResponse({ type: D2ErrorDto, description: 'Storage unavailable', example: D2_EXAMPLES.unavailable })
  verify(@Body() dto: VerifyEmailDto, @ClientIp() ip: string): Promise<VerifyEmailResponseDto> {
    return this.verifyEmail.execute(dto, ip);
  }
}
