import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, ApiKeyScope } from '../../../access/scopes';

/**
 * OAuth 2.0 Authorization Server Metadata (RFC 8414 §2) of this service, served at
 * `GET /.well-known/oauth-authorization-server`: what a standard OAuth client library (openid-client's
 * `discovery()`, oauth4webapi, Authlib) needs to obtain a client token with the client credentials grant.
 * There is no authorization endpoint (no user is redirected here), so no response type is supported.
 */
export class AuthorizationServerMetadataDto {
  /** The issuer identifier: PUBLIC_URL, as the `iss` claim of every token this service signs (RFC 8414 §2, §3.3). */
  @ApiProperty({ format: 'uri', example: 'https://id.example.com' }) issuer: string;

  /** `POST` an OAuth 2.0 client credentials request here (RFC 6749 §4.4). */
  @ApiProperty({ format: 'uri', example: 'https://id.example.com/oauth/token' }) token_endpoint: string;

  /** The JWK Set that verifies the tokens (RFC 7517). */
  @ApiProperty({ format: 'uri', example: 'https://id.example.com/.well-known/jwks.json' }) jwks_uri: string;

  /** The scopes a client token may carry: a subset of its API key's (`admin` implies all). */
  @ApiProperty({ type: [String], enum: API_KEY_SCOPES, example: [...API_KEY_SCOPES] }) scopes_supported: ApiKeyScope[];

  /** REQUIRED by RFC 8414; empty: there is no authorization endpoint, so no `response_type` is supported. */
  @ApiProperty({ type: [String], example: [] }) response_types_supported: string[];

  @ApiProperty({ type: [String], enum: ['client_credentials'], example: ['client_credentials'] }) grant_types_supported: Array<'client_credentials'>;

  /** HTTP Basic (RFC 6749 §2.3.1) or `client_id` and `client_secret` form fields, not both. */
  @ApiProperty({ type: [String], enum: ['client_secret_basic', 'client_secret_post'], example: ['client_secret_basic', 'client_secret_post'] })
  token_endpoint_auth_methods_supported: Array<'client_secret_basic' | 'client_secret_post'>;

  /** The API documentation (Swagger UI). */
  @ApiProperty({ format: 'uri', example: 'https://id.example.com/docs' }) service_documentation: string;
}

/** The metadata of the service reachable at `publicUrl` (PUBLIC_URL, without a trailing slash). */
export function authorizationServerMetadata(publicUrl: string): AuthorizationServerMetadataDto {
  return {
    issuer: publicUrl,
    token_endpoint: `${publicUrl}/oauth/token`,
    jwks_uri: `${publicUrl}/.well-known/jwks.json`,
    scopes_supported: [...API_KEY_SCOPES],
    response_types_supported: [],
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    service_documentation: `${publicUrl}/docs`,
  };
}
