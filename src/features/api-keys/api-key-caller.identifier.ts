import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { CallerIdentifier, RateLimitedCaller } from '../../ground/common/rate-limit/caller-identity';
import { ApiKeysService } from './api-keys.service';

/** `X-Api-Key: <live key>` → that key's budget (its id and `rate_limit_per_minute`); anything else → null. */
@Injectable()
export class ApiKeyCallerIdentifier extends CallerIdentifier {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  identify(req: Request): Promise<RateLimitedCaller | null> {
    const raw = req.headers['x-api-key'];
    return this.apiKeys.rateLimitedCaller(typeof raw === 'string' ? raw : undefined, req);
  }
}
