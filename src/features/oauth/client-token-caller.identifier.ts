import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { BEARER_JWT } from '../../access/caller-resolver';
import { CallerIdentifier, RateLimitedCaller } from '../../ground/common/rate-limit/caller-identity';
import { ClientTokenCodec } from './client-token.codec';
import { liveClient } from './client-token.caller-source';

/**
 * `Authorization: Bearer <valid client token of a live key>` → that key's request budget, the same one
 * its `X-Api-Key` requests spend (CallerThrottlerGuard tracks by key id). Anything else → null.
 * An `X-Api-Key` header is left to ApiKeyCallerIdentifier (it wins over a bearer token, as in CallerResolver).
 */
@Injectable()
export class ClientTokenCallerIdentifier extends CallerIdentifier {
  constructor(private readonly codec: ClientTokenCodec, private readonly apiKeys: ApiKeysService) {
    super();
  }

  async identify(req: Request): Promise<RateLimitedCaller | null> {
    if (req.headers['x-api-key'] !== undefined) return null;
    const match = BEARER_JWT.exec(req.header('authorization') ?? '');
    if (!match || !this.codec.recognizes(match[1])) return null;
    const found = await liveClient(this.codec, this.apiKeys, match[1], req);
    return found ? { kind: 'client_token', keyId: found.key.id, limitPerMinute: found.key.rateLimitPerMinute ?? null } : null;
  }
}
