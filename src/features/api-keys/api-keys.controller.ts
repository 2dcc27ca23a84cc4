import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { API_KEY_NOT_FOUND, ACCOUNT_NOT_FOUND, ApiAdminErrors, MALFORMED_REQUEST } from '../../ground/common/openapi/admin-errors';
import { ApiKeyNotFoundError } from '../../ground/common/errors/domain-errors';
import { IdParam } from '../../ground/common/id-param';
import type { Caller } from '../../access/caller';
import { Can, Principal } from '../../access/decorators/auth.decorators';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyListResponseDto, ApiKeyResponseDto, CreatedApiKeyResponseDto } from './dto/api-key-response.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { API_TAGS } from '../../ground/common/openapi/tags';

@ApiTags(API_TAGS.apiKeys.name)
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Creates a key. The raw key is in this answer only; the service keeps a hash. */
  @Post()
  @Can('apiKeys.create')
  @ApiOperation({ summary: 'Create an API key', description: 'Creates a key with the given scopes, optionally bound to one account. The raw key is in this answer only; the service keeps a hash.' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponseDto, description: 'The key, with its raw value (shown once)' })
  @ApiAdminErrors({ scope: 'admin', forbidden: 'binds the key to another account than its own', badRequestDetail: 'each value in scopes must be one of the following values: accounts:read, accounts:write, users:write, passwords:write, admin', notFound: { ...ACCOUNT_NOT_FOUND, description: 'account_id names no account.' } })
  async create(@Body() dto: CreateApiKeyDto, @Principal() caller: Caller): Promise<CreatedApiKeyResponseDto> {
    const { key, raw } = await this.apiKeys.create({ name: dto.name, scopes: dto.scopes, accountId: dto.account_id, rateLimitPerMinute: dto.rate_limit_per_minute }, caller);
    return CreatedApiKeyResponseDto.from(key, raw);
  }

  /** Lists live keys (never the keys themselves). */
  @Get()
  @Can('apiKeys.list')
  @ApiOperation({ summary: 'List the API keys', description: 'Every live key (an account-bound caller: its account\'s), never the keys themselves.' })
  @ApiOkResponse({ type: ApiKeyListResponseDto, description: 'The live keys' })
  @ApiAdminErrors({ scope: 'admin', badRequest: MALFORMED_REQUEST })
  async list(@Principal() caller: Caller): Promise<ApiKeyListResponseDto> {
    return { data: (await this.apiKeys.list(caller)).map(ApiKeyResponseDto.from) };
  }

  /** Revokes a key at once. */
  @Delete(':id')
  @Can('apiKeys.revoke')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key', description: 'Revokes the key at once: its next request, and its client tokens\' next, are 401.' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiAdminErrors({ scope: 'admin', badRequest: MALFORMED_REQUEST, notFound: API_KEY_NOT_FOUND })
  async revoke(@IdParam('id', ApiKeyNotFoundError) id: string, @Principal() caller: Caller): Promise<void> {
    await this.apiKeys.revoke(id, caller);
  }
}
