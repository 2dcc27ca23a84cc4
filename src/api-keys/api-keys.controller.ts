import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiKeyNotFoundError } from '../common/errors/domain-errors';
import { IdParam } from '../common/id-param';
import { ApiKeyPrincipal, Principal, RequireScope } from '../auth/decorators/auth.decorators';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyListResponseDto, ApiKeyResponseDto, CreatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@ApiTags('API keys')
@Controller('api-keys')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Creates a key. The raw key is in this answer only; the service keeps a hash. */
  @Post()
  async create(@Body() dto: CreateApiKeyDto, @Principal() caller: ApiKeyPrincipal): Promise<CreatedApiKeyResponseDto> {
    const { key, raw } = await this.apiKeys.create({ name: dto.name, scopes: dto.scopes, accountId: dto.account_id, rateLimitPerMinute: dto.rate_limit_per_minute }, caller);
    return CreatedApiKeyResponseDto.from(key, raw);
  }

  /** Lists live keys (never the keys themselves). */
  @Get()
  async list(@Principal() caller: ApiKeyPrincipal): Promise<ApiKeyListResponseDto> {
    return { data: (await this.apiKeys.list(caller)).map(ApiKeyResponseDto.from) };
  }

  /** Revokes a key at once. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@IdParam('id', ApiKeyNotFoundError) id: string, @Principal() caller: ApiKeyPrincipal): Promise<void> {
    await this.apiKeys.revoke(id, caller);
  }
}
