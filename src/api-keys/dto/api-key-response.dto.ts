import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, ApiKey, ApiKeyScope } from '../api-key.entity';

export class ApiKeyResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes: ApiKeyScope[];
  @ApiProperty({ nullable: true, type: String }) account_id: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Requests per minute for this key; null = the service default (API_KEY_RATE_LIMIT_PER_MINUTE).' })
  rate_limit_per_minute: number | null;

  static from(key: ApiKey): ApiKeyResponseDto {
    return {
      id: key.id,
      name: key.name,
      scopes: key.scopes,
      account_id: key.accountId,
      created_at: key.createdAt.toISOString(),
      last_used_at: key.lastUsedAt?.toISOString() ?? null,
      rate_limit_per_minute: key.rateLimitPerMinute ?? null,
    };
  }
}

/** The creation answer: the only time the raw key is ever shown. */
export class CreatedApiKeyResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true }) scopes: ApiKeyScope[];
  @ApiProperty({ nullable: true, type: String }) account_id: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Requests per minute for this key; null = the service default (API_KEY_RATE_LIMIT_PER_MINUTE).' })
  rate_limit_per_minute: number | null;
  @ApiProperty({ description: 'The key itself. Shown once; store it now.' }) key: string;

  static from(key: ApiKey, raw: string): CreatedApiKeyResponseDto {
    return { id: key.id, name: key.name, scopes: key.scopes, account_id: key.accountId, rate_limit_per_minute: key.rateLimitPerMinute ?? null, key: raw };
  }
}

export class ApiKeyListResponseDto {
  @ApiProperty({ type: [ApiKeyResponseDto] }) data: ApiKeyResponseDto[];
}
