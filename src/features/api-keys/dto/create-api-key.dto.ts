import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsOneOf } from '../../../ground/common/validation';
import { NameField } from '../../../ground/common/dto-fields';
import { API_KEY_SCOPES, ApiKeyScope } from '../../../access/scopes';

export class CreateApiKeyDto {
  @NameField({ max: 200, description: 'A label for people: who or what uses the key.', example: 'billing integration' })
  name: string;

  /** `admin` implies every other scope. */
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['passwords:write'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsOneOf(API_KEY_SCOPES, { each: true })
  scopes: ApiKeyScope[];

  /** Bind the key to one account: it then reaches only that account's users. Omit for a global key. */
  // No example value: Swagger UI would pre-fill it, and a made-up account id is a 404.
  @ApiPropertyOptional({ format: 'uuid', description: "Bind the key to one account (its `account_id`): it then reaches only that account's users. Omit for a global key." })
  @IsOptional()
  @IsUUID()
  account_id?: string;

  /**
   * Requests per minute this key may make, across all routes and whatever address it calls from
   * (429 with Retry-After beyond). Omit for the service default (API_KEY_RATE_LIMIT_PER_MINUTE, 2400).
   */
  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, example: 2400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  rate_limit_per_minute?: number;
}
