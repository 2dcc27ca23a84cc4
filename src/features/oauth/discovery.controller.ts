import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../access/decorators/auth.decorators';
import { ApiRequestEdgeErrors } from '../../ground/common/openapi/admin-errors';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { AuthorizationServerMetadataDto, authorizationServerMetadata } from './dto/authorization-server-metadata.dto';

/** RFC 8414 discovery (CONTRACT.md "Discovery"): where the token endpoint and the keys are. */
@ApiTags(API_TAGS.oauth.name)
@Controller('.well-known')
@Public()
export class DiscoveryController {
  private readonly metadata: AuthorizationServerMetadataDto;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.metadata = authorizationServerMetadata(config.publicUrl);
  }

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'OAuth 2.0 authorization server metadata (RFC 8414)',
    description:
      'The issuer (PUBLIC_URL), the token endpoint, the JWK Set, the client credentials grant and its two client authentication methods, ' +
      'and the scopes: a standard OAuth client library configures itself from it (for example openid-client\'s `discovery()` with ' +
      '`algorithm: \'oauth2\'`). Served at the service\'s root; when PUBLIC_URL has a path, RFC 8414 §3 puts the document at ' +
      '`/.well-known/oauth-authorization-server/<path>` of the host, which the proxy routes here.',
  })
  @ApiOkResponse({ type: AuthorizationServerMetadataDto, description: 'The metadata (cacheable for 5 minutes).' })
  @ApiRequestEdgeErrors({ rateLimited: true })
  metadataDocument(): AuthorizationServerMetadataDto {
    return this.metadata;
  }
}
