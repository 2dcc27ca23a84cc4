import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { ApiKeyScope } from '../api-keys/api-key.entity';
import { ForbiddenError, InvalidBearerTokenError, UnauthenticatedError } from '../common/errors/domain-errors';
import type { AdminCaller } from './decorators/auth.decorators';

/** "Bearer <three base64url parts>"; the scheme name is case-insensitive (RFC 9110 §11.1). */
export const BEARER_JWT = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/**
 * One kind of bearer token a RequireScope route accepts (client tokens: src/oauth; owners' and admins'
 * access tokens: src/auth). `resolve` answers null when the token is not of its kind (another source
 * may take it), the caller when it is and is valid, and throws InvalidBearerTokenError when it is of its
 * kind but refused (expired, revoked key, deactivated user, ...).
 */
export interface BearerCallerSource {
  readonly name: string;
  resolve(token: string, req: Request): Promise<AdminCaller | null>;
}

/**
 * The one place that decides who may call a RequireScope route (CONTRACT.md "Callers with JWT bearer
 * tokens"): it turns `X-Api-Key` or `Authorization: Bearer <token>` into an AdminCaller (scopes and
 * account binding), and `authorize` is the only scope check; the account boundary is checked by
 * ApiKeysService.assertCanReachAccount on the same two fields, so every kind of caller is judged alike.
 * An `X-Api-Key` header wins over a bearer token when both are sent.
 */
@Injectable()
export class CallerResolver {
  private readonly sources: BearerCallerSource[] = [];

  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Called by the modules that issue bearer tokens, at start (onModuleInit). */
  register(source: BearerCallerSource): void {
    if (!this.sources.some((s) => s.name === source.name)) this.sources.push(source);
  }

  async authorize(req: Request, scope: ApiKeyScope): Promise<AdminCaller> {
    const caller = await this.resolve(req);
    if (!this.apiKeys.allows(caller, scope)) throw new ForbiddenError();
    return caller;
  }

  async resolve(req: Request): Promise<AdminCaller> {
    const apiKey = req.header('x-api-key');
    const authorization = req.header('authorization');
    if (apiKey !== undefined || !authorization) return this.apiKeys.authenticate(apiKey, req);
    const match = BEARER_JWT.exec(authorization);
    if (!match) throw new UnauthenticatedError();
    for (const source of this.sources) {
      const caller = await source.resolve(match[1], req);
      if (caller) return caller;
    }
    throw new InvalidBearerTokenError();
  }
}
