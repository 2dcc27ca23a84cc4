import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../access/decorators/auth.decorators';
import { ClientIp } from '../../ground/common/client-ip';
import { ResetCodeRequestDocs, ResetWithCodeDocs } from './password-reset-api.docs';
import { PasswordResetResponseDto } from './dto/password-reset-response.dto';
import { RequestResetCodeDto } from './dto/request-reset-code.dto';
import { ResetCodeRequestedResponseDto } from './dto/reset-code-requested-response.dto';
import { ResetWithCodeDto } from './dto/reset-with-code.dto';
import { RequestResetCodeUseCase } from './request-reset-code.usecase';
import { ResetWithCodeUseCase } from './reset-with-code.usecase';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** D5 (seed 004): request a reset code by email, then reset with code + new password. Errors: src/edge/dialects/d5.presenter.ts. */
@ApiTags(API_TAGS.d5.name)
@Controller('v1/auth/password-reset')
@Public()
export class PasswordResetController {
  constructor(private readonly requestCode: RequestResetCodeUseCase, private readonly resetWithCode: ResetWithCodeUseCase) {}

  /** Emails a reset code to the account with this address; the answer is the same whether or not it exists. */
  @Post('request')
  @HttpCode(200)
  @ApiOperation({ summary: 'Request a password reset code' })
  @ResetCodeRequestDocs()
  request(@Body() dto: RequestResetCodeDto, @ClientIp() ip: string): Promise<ResetCodeRequestedResponseDto> {
    return this.requestCode.execute({ email: dto.email, clientIp: ip });
  }

  /** Resets the password of the user the code was issued to. */
  @Post('reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reset Password', description: "Resets a user's password using a valid reset code and a new password, deriving the user from the code." })
  @ResetWithCodeDocs()
  reset(@Body() dto: ResetWithCodeDto, @ClientIp() ip: string): Promise<PasswordResetResponseDto> {
    return this.resetWithCode.execute({ code: dto.code, newPassword: dto.new_password, clientIp: ip });
  }
}
