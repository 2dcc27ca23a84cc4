import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { Caller } from './caller';
import { InvalidBearerTokenError, UnauthenticatedError } from '../ground/common/errors/domain-errors';
import { CallerIdentifier, type RateLimitedCaller } from '../ground/common/rate-limit/caller-identity';

/** "Bearer <three base64url parts>"; the scheme name is case-insensitive (RFC 9110 §11.1). */
export const BEARER_JWT = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/**
 * One kind of bearer token an admin route accepts (client tokens: src/features/oauth; owners' and admins'
 * access tokens: src/features/auth). `resolve` answers null when the token is not of its kind (another source
 * may take it), the caller when it is and is valid, and throws InvalidBearerTokenError when it is of its
 * kind but refused (expired, revoked key, deactivated user, ...).
 */
export interface BearerCallerSource {
  readonly name: string;
  resolve(token: string, req: Request): Promise<Caller | null>;
  /**
   * For the request limit (CallerThrottlerGuard, before the auth guard): the key budget a token of this kind
   * spends, or null (not of its kind, not valid, or a kind without a key budget: then it is limited per
   * address). Reads only; never throws for a bad token.
   */
  rateLimited?(token: string, req: Request): Promise<RateLimitedCaller | null>;
}

/**
 * The port for `X-Api-Key` (and for no credentials at all): provided by src/features/api-keys
 * (`ApiKeysService.authenticate`), which knows the keys; throws when the caller is not let in.
 */
export abstract class ApiKeyAuthenticator {
  abstract authenticate(apiKey: string | undefined, req: Request): Promise<Caller>;
  /** The key's request budget for the request limit, or null (no key, or not a live one); reads only. */
  abstract rateLimitedCaller(apiKey: string | undefined, req: Request): Promise<RateLimitedCaller | null>;
}

/**
 * Says who calls an admin route (CONTRACT.md "Callers with JWT bearer tokens"): it turns `X-Api-Key` or
 * `Authorization: Bearer <token>` into a Caller (scopes, role and account binding); what the caller may
 * do is the access policy's decision (src/access/policy.ts), so every kind of caller is judged alike.
 * An `X-Api-Key` header wins over a bearer token when both are sent.
 *
 * The one answer to "who is calling" for both guards: the auth guard asks `resolve()`; the request
 * limiter (CallerThrottlerGuard, in the ground) asks `identify()` through its `CallerIdentifier` port,
 * which this class provides: the same header rules and the same sources, so a key's `X-Api-Key`
 * requests and its client tokens spend one budget.
 */
@Injectable()
export class CallerResolver extends CallerIdentifier {
  private readonly sources: BearerCallerSource[] = [];

  constructor(private readonly apiKeys: ApiKeyAuthenticator) {
    super();
  }

  /** Called by the modules that issue bearer tokens, at start (onModuleInit). */
  register(source: BearerCallerSource): void {
    if (!this.sources.some((s) => s.name === source.name)) this.sources.push(source);
  }

  async resolve(req: Request): Promise<Caller> {
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

  /** The key budget this request spends (an `X-Api-Key`, or a bearer token of a source that has one), or null. */
  async identify(req: Request): Promise<RateLimitedCaller | null> {
    const apiKey = req.headers['x-api-key'];
    if (apiKey !== undefined) return this.apiKeys.rateLimitedCaller(typeof apiKey === 'string' ? apiKey : undefined, req);
    const match = BEARER_JWT.exec(req.header('authorization') ?? '');
    if (!match) return null;
    for (const source of this.sources) {
      const found = await source.rateLimited?.(match[1], req);
      if (found) return found;
    }
    return null;
  }
}
