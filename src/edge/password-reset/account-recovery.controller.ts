import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../access/decorators/auth.decorators';
import { ClientIp } from '../../ground/common/client-ip';
import { RecoverDocs, RecoveryResetDocs } from './password-reset-api.docs';
import { RecoverAccountDto } from './dto/recover-account.dto';
import { RecoveryRequestedResponseDto } from './dto/recovery-requested-response.dto';
import { RecoveryTokenResponseDto } from './dto/recovery-token-response.dto';
import { ResetWithValidationCodeDto } from './dto/reset-with-validation-code.dto';
import { RecoverAccountUseCase } from './recover-account.usecase';
import { ResetWithValidationCodeUseCase } from './reset-with-validation-code.usecase';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** D4 (seed 003): recover an account by email, then reset with the validation code and be logged in. Errors: src/edge/dialects/d4.presenter.ts. */
@ApiTags(API_TAGS.d4.name)
@Controller('api/v2/account')
@Public()
export class AccountRecoveryController {
  constructor(private readonly recoverAccount: RecoverAccountUseCase, private readonly resetWithCode: ResetWithValidationCodeUseCase) {}

  /** Emails a validation code to the account with this address; the answer is the same whether or not it exists. */
  @Post('recover')
  @HttpCode(200)
  @ApiOperation({ summary: 'Recover an account (the trailing slash is optional)' })
  @RecoverDocs()
  recover(@Body() dto: RecoverAccountDto, @ClientIp() ip: string): Promise<RecoveryRequestedResponseDto> {
    return this.recoverAccount.execute({ email: dto.email, clientIp: ip });
  }

  /** Resets the password with the validation code; the user is then logged in. */
  @Post('reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reset password (the trailing slash is optional)' })
  @RecoveryResetDocs()
  reset(@Body() dto: ResetWithValidationCodeDto, @ClientIp() ip: string): Promise<RecoveryTokenResponseDto> {
    return this.resetWithCode.execute({ validationCode: dto.validation_code, password: dto.password, email: dto.email, clientIp: ip });
  }
}
