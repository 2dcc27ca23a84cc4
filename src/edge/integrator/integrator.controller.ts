import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../../access/caller';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { CreatePasswordForUserUseCase } from './create-password-for-user.usecase';
import { CreatePasswordDto } from './dto/create-password.dto';
import { PasswordCreatedResponseDto } from './dto/password-created-response.dto';
import { CreatePasswordDocs, RemovePasswordDocs, USER_ID_DOC } from './integrator-api.docs';
import { IdParam } from '../../ground/common/id-param';
import { UserNotFoundError } from '../../ground/common/errors/domain-errors';
import { RemovePasswordOfUserUseCase } from './remove-password-of-user.usecase';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** D3, the integrator password API (seed 002). Errors are worded by src/edge/dialects/d3.presenter.ts. */
@ApiTags(API_TAGS.d3.name)
@Controller('v1/password')
export class IntegratorController {
  constructor(private readonly createPassword: CreatePasswordForUserUseCase, private readonly removePassword: RemovePasswordOfUserUseCase) {}

  @Post(':user_id')
  @Can('passwords.set')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a password for the user identified by user_id' })
  @CreatePasswordDocs()
  create(@IdParam('user_id', UserNotFoundError, USER_ID_DOC) userId: string, @Body() dto: CreatePasswordDto, @Principal() caller: Caller): Promise<PasswordCreatedResponseDto> {
    return this.createPassword.execute({ userId, password: dto.password.value, caller });
  }

  @Delete(':user_id')
  @Can('passwords.remove')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove the user's password (it stays in the history)" })
  @RemovePasswordDocs()
  remove(@IdParam('user_id', UserNotFoundError, USER_ID_DOC) userId: string, @Principal() caller: Caller): Promise<void> {
    return this.removePassword.execute({ userId, caller });
  }
}
