import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * An error of POST /oauth/token, as RFC 6749 §5.2 words it (src/edge/dialects/oauth.presenter.ts):
 * `temporarily_unavailable` for limits (429) and storage trouble (503), `server_error` for an
 * unexpected failure (500).
 */
export class OAuthErrorDto {
  @ApiProperty({
    enum: ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'temporarily_unavailable', 'server_error'],
    example: 'invalid_client',
  })
  error: string;

  @ApiPropertyOptional({ description: 'One sentence for the developer.', example: 'Client authentication failed.' })
  error_description?: string;
}
