import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, ApiKeyScope } from '../../../access/scopes';
import { ApiKey } from '../api-key.entity';

export class ApiKeyResponseDto {
  @ApiProperty({ format: 'uuid', example: 'c7d4e2f1-6a9b-4e3c-8d5f-0b1a2c3d4e5f' }) id: string;
  @ApiProperty({ example: 'billing integration' }) name: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['passwords:write'] }) scopes: ApiKeyScope[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid', example: '3f6c2a4e-8b1d-4c5e-9a7f-2d4b6e8f0a13', description: 'The account the key is bound to; null: a global key.' }) account_id: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-03-14T09:26:53.000Z' }) created_at: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: '2026-04-02T16:05:11.000Z', description: 'Last use (recorded at most once a minute); null: never used.' }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 2400, description: 'Requests per minute for this key; null = the service default (API_KEY_RATE_LIMIT_PER_MINUTE).' })
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
  @ApiProperty({ format: 'uuid', example: 'c7d4e2f1-6a9b-4e3c-8d5f-0b1a2c3d4e5f' }) id: string;
  @ApiProperty({ example: 'billing integration' }) name: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['passwords:write'] }) scopes: ApiKeyScope[];
  @ApiProperty({ nullable: true, type: String, format: 'uuid', example: '3f6c2a4e-8b1d-4c5e-9a7f-2d4b6e8f0a13', description: 'The account the key is bound to; null: a global key.' }) account_id: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 2400, description: 'Requests per minute for this key; null = the service default (API_KEY_RATE_LIMIT_PER_MINUTE).' })
  rate_limit_per_minute: number | null;
  @ApiProperty({ description: 'The key itself (also the OAuth client_secret). Shown once; store it now.', example: 'pls_Q2hhbmdlIG1lOiB0aGlzIGlzIGFuIGV4YW1wbGU' }) key: string;

  static from(key: ApiKey, raw: string): CreatedApiKeyResponseDto {
    return { id: key.id, name: key.name, scopes: key.scopes, account_id: key.accountId, rate_limit_per_minute: key.rateLimitPerMinute ?? null, key: raw };
  }
}

export class ApiKeyListResponseDto {
  @ApiProperty({ type: [ApiKeyResponseDto] }) data: ApiKeyResponseDto[];
}
