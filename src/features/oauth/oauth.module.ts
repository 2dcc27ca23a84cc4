import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { ClientCredentialsUseCase } from './client-credentials.usecase';
import { ClientTokenCallerSource } from './client-token.caller-source';
import { ClientTokenCodec } from './client-token.codec';
import { DiscoveryController } from './discovery.controller';
import { OAuthController } from './oauth.controller';

/**
 * OAuth 2.0 client credentials (CONTRACT.md "Callers with JWT bearer tokens"): POST /oauth/token turns
 * an API key into a short-lived client token (ClientTokenCodec), which every admin route accepts
 * (ClientTokenCallerSource, registered in CallerResolver) and which spends its key's request budget
 * (the same source's `rateLimited`). GET /.well-known/oauth-authorization-server
 * (DiscoveryController) describes it to OAuth client libraries (RFC 8414).
 */
@Module({
  imports: [ApiKeysModule, AuthModule],
  controllers: [OAuthController, DiscoveryController],
  providers: [ClientTokenCodec, ClientCredentialsUseCase, ClientTokenCallerSource],
  exports: [ClientTokenCodec],
})
export class OAuthModule {}
