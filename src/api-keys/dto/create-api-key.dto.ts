import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsUUID } from 'class-validator';
import { NameField } from '../../common/dto-fields';
import { API_KEY_SCOPES, ApiKeyScope } from '../api-key.entity';

export class CreateApiKeyDto {
  @NameField({ max: 200, description: 'A label for people: who or what uses the key.', example: 'billing integration' })
  name: string;

  /** `admin` implies every other scope. */
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['passwords:write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes: ApiKeyScope[];

  /** Bind the key to one account: it then reaches only that account's users. Omit for a global key. */
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  account_id?: string;
}
