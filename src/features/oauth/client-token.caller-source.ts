import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { API_KEY_SCOPES, ApiKeyScope } from '../../access/scopes';
import { ApiKey } from '../api-keys/api-key.entity';
import { BearerCallerSource, CallerResolver } from '../../access/caller-resolver';
import type { Caller } from '../../access/caller';
import { InvalidBearerTokenError } from '../../ground/common/errors/domain-errors';
import type { RateLimitedCaller } from '../../ground/common/rate-limit/caller-identity';
import { ClientTokenCodec, VerifiedClientToken } from './client-token.codec';

/**
 * `Authorization: Bearer <client token>` on admin routes (CONTRACT.md "Callers with JWT bearer
 * tokens"). A token whose audience is the API's is this source's: it must verify, and its key must be
 * live on this very request (looked up by id every time, so revoking the key ends its tokens at once).
 * The caller holds the token's scopes that the key still holds (a key's `admin` covers them all) and
 * the key's account binding.
 */
@Injectable()
export class ClientTokenCallerSource implements BearerCallerSource, OnModuleInit {
  readonly name = 'oauth-client-token';

  constructor(private readonly codec: ClientTokenCodec, private readonly apiKeys: ApiKeysService, private readonly callers: CallerResolver) {}

  onModuleInit(): void {
    this.callers.register(this);
  }

  async resolve(token: string, req: Request): Promise<Caller | null> {
    if (!this.codec.recognizes(token)) return null;
    const found = await liveClient(this.codec, this.apiKeys, token, req);
    if (!found) throw new InvalidBearerTokenError();
    const { key, claims } = found;
    return { kind: 'clientToken', keyId: key.id, scopes: effectiveScopes(claims.scopes, key.scopes), accountId: key.accountId };
  }

  /** A valid client token of a live key spends that key's request budget, the one its `X-Api-Key` requests spend. */
  async rateLimited(token: string, req: Request): Promise<RateLimitedCaller | null> {
    if (!this.codec.recognizes(token)) return null;
    const found = await liveClient(this.codec, this.apiKeys, token, req);
    return found ? { kind: 'client_token', keyId: found.key.id, limitPerMinute: found.key.rateLimitPerMinute ?? null } : null;
  }
}

/** The verified token and its live key, or null (not a valid client token, or its key is unknown or revoked). */
export async function liveClient(codec: ClientTokenCodec, apiKeys: ApiKeysService, token: string, req: Request): Promise<{ key: ApiKey; claims: VerifiedClientToken } | null> {
  const claims = await codec.verify(token);
  if (!claims) return null;
  const key = await apiKeys.findUnrevokedByIdForRequest(claims.clientId, req);
  return key ? { key, claims } : null;
}

/** The token's scopes that the key holds now (a key with `admin` holds every scope). */
export function effectiveScopes(tokenScopes: string[], keyScopes: ApiKeyScope[]): ApiKeyScope[] {
  const known = tokenScopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
  return [...new Set(known.filter((s) => keyScopes.includes('admin') || keyScopes.includes(s)))];
}
