import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { API_KEY_SCOPES } from '../../access/scopes';
import { OAUTH_CLIENT_BASIC_SECURITY, Public } from '../../access/decorators/auth.decorators';
import { ClientIp } from '../../ground/common/client-ip';
import { ClientCredentialsUseCase, TokenResponse } from './client-credentials.usecase';
import { OAuthErrorDto } from './dto/oauth-error.dto';
import { readTokenRequest } from './token-request';
import { API_TAGS } from '../../ground/common/openapi/tags';

const TOKEN_RESPONSE = {
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'scope'],
  properties: {
    access_token: { type: 'string', description: 'JWT access token (RFC 9068, typ at+jwt)' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer', example: 300 },
    scope: { type: 'string', example: 'users:write passwords:write' },
  },
};

@ApiTags(API_TAGS.oauth.name)
@Controller('oauth')
export class OAuthController {
  constructor(private readonly clientCredentials: ClientCredentialsUseCase) {}

  @Post('token')
  @Public()
  @HttpCode(200)
  @ApiSecurity(OAUTH_CLIENT_BASIC_SECURITY)
  @ApiOperation({
    summary: 'OAuth 2.0 client credentials (RFC 6749 §4.4): an API key buys a short-lived bearer token',
    description:
      'Authenticate with the API key\'s `id` as `client_id` and the key as `client_secret`, either with HTTP Basic ' +
      '(both form-urlencoded, then base64: RFC 6749 §2.3.1) or as form fields, not both. `scope` (optional) is a ' +
      'space-separated subset of the key\'s scopes (`admin` implies all); without it the token carries all of them. ' +
      'The token is accepted as `Authorization: Bearer` wherever the key is, until it expires or the key is revoked.',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['grant_type'],
      properties: {
        grant_type: { type: 'string', enum: ['client_credentials'] },
        scope: { type: 'string', description: `space-separated, of: ${API_KEY_SCOPES.join(' ')}`, example: 'users:write' },
        client_id: { type: 'string', format: 'uuid', description: 'the API key\'s id (when not sent with HTTP Basic)' },
        client_secret: { type: 'string', maxLength: 200, description: 'the API key (when not sent with HTTP Basic)' },
      },
    },
  })
  @ApiOkResponse({ description: 'The token (Cache-Control: no-store).', schema: TOKEN_RESPONSE })
  @ApiResponse({ status: 400, description: 'invalid_request, invalid_scope or unsupported_grant_type (RFC 6749 §5.2)', type: OAuthErrorDto })
  @ApiResponse({ status: 401, description: 'invalid_client: unknown id, wrong secret or revoked key (WWW-Authenticate when Basic was used)', type: OAuthErrorDto })
  @ApiResponse({ status: 429, description: 'Too many failed client authentications; Retry-After', type: OAuthErrorDto })
  async token(@Req() req: Request, @Res({ passthrough: true }) res: Response, @ClientIp() clientIp: string): Promise<TokenResponse> {
    const answer = await this.clientCredentials.execute(readTokenRequest(req), clientIp);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    return answer;
  }
}
