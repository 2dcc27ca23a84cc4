import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiRequestEdgeErrors } from '../../ground/common/openapi/admin-errors';
import { Public } from '../../access/decorators/auth.decorators';
import { TokenSigner } from '../../core/keys/token-signer';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** One public signing key (RFC 7517, EC P-256). */
export class JwkDto {
  @ApiProperty({ example: 'sig-3q2-7wEjRkWx1bnA' }) kid: string;
  @ApiProperty({ example: 'EC' }) kty: string;
  @ApiProperty({ example: 'ES256' }) alg: string;
  @ApiProperty({ example: 'sig' }) use: string;
  @ApiPropertyOptional({ example: 'P-256' }) crv?: string;
  @ApiPropertyOptional() x?: string;
  @ApiPropertyOptional() y?: string;
}

/** The JWK Set of every signing key, active and retired (RFC 7517 §5). */
export class JwkSetDto {
  @ApiProperty({ type: [JwkDto] }) keys: JwkDto[];
}

@ApiTags(API_TAGS.keys.name)
@Controller('.well-known')
@Public()
export class JwksController {
  constructor(private readonly signer: TokenSigner) {}

  /** The public keys that verify this service's JWTs (access and verification tokens), by `kid`. */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'The JSON Web Key Set', description: "The public keys that verify this service's JWTs (access and verification tokens), by `kid`: active and retired signing keys." })
  @ApiOkResponse({ type: JwkSetDto })
  @ApiRequestEdgeErrors({ rateLimited: true })
  jwks(): JwkSetDto {
    return this.signer.jwks() as JwkSetDto;
  }
}
