import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { ApiKeyScope } from '../../api-keys/api-key.entity';

export const AUTH_METADATA = 'pls:auth';

/** How a route authenticates its caller. A route without any is closed (deny by default). */
export type AuthRequirement =
  | { kind: 'public' }
  | { kind: 'apiKey'; scope: ApiKeyScope }
  | { kind: 'bearer'; strategy: BearerStrategy };

/** Passport strategies for bearer JWTs (registered in the auth module). */
export type BearerStrategy = 'jwt-access' | 'jwt-verification';

export const API_KEY_SECURITY = 'api-key';
export const BEARER_SECURITY = 'bearer';
/** OAuth 2.0 client credentials (POST /oauth/token): a client token, offered on every RequireScope route. */
export const OAUTH2_SECURITY = 'oauth2';
/** HTTP Basic client authentication on POST /oauth/token (RFC 6749 §2.3.1). */
export const OAUTH_CLIENT_BASIC_SECURITY = 'oauth-client-basic';

/** Open route: no credentials. */
export const Public = () => SetMetadata(AUTH_METADATA, { kind: 'public' } satisfies AuthRequirement);

/**
 * A caller holding `scope` (or `admin`, which implies every scope): `X-Api-Key`, or `Authorization:
 * Bearer` with a client token or an owner's/admin's access token (src/auth/caller-resolver.ts).
 */
export const RequireScope = (scope: ApiKeyScope) =>
  applyDecorators(
    SetMetadata(AUTH_METADATA, { kind: 'apiKey', scope } satisfies AuthRequirement),
    ApiSecurity(API_KEY_SECURITY),
    ApiSecurity(OAUTH2_SECURITY, [scope]),
    // An owner's or admin's access token (POST /auth/login), judged by the role's scopes.
    ApiSecurity(BEARER_SECURITY),
  );

/** `Authorization: Bearer <jwt>` verified by the given passport strategy. */
export const RequireBearer = (strategy: BearerStrategy) =>
  applyDecorators(SetMetadata(AUTH_METADATA, { kind: 'bearer', strategy } satisfies AuthRequirement), ApiBearerAuth(BEARER_SECURITY));

/**
 * The caller of a RequireScope route, whatever credential it showed (src/auth/caller-resolver.ts):
 * - `apiKey`: `X-Api-Key`;
 * - `clientToken`: `Authorization: Bearer <client token>` from POST /oauth/token (RFC 6749 §4.4), with the
 *   key's scopes (or the narrowed ones) and the key's account binding;
 * - `user`: `Authorization: Bearer <access token>` of an account's owner or admin (scopes from the role,
 *   bound to the user's account) or of a super admin (`isAdmin`: scope admin, no binding).
 * Every authorization decision reads only `scopes` and `accountId`, so the three kinds are judged alike.
 */
export interface ApiKeyPrincipal {
  kind: 'apiKey' | 'clientToken' | 'user' | 'system';
  /** The API key (apiKey, clientToken); '' for a user or the operator CLI (`system`). */
  keyId: string;
  /** The user (user callers only). */
  userId?: string;
  scopes: ApiKeyScope[];
  /** Null: not bound to an account (a global key, a super admin). */
  accountId: string | null;
}

/** Any caller of a RequireScope route (see ApiKeyPrincipal). */
export type AdminCaller = ApiKeyPrincipal;

/** Who an audit event names for an admin caller: the user for a user token, else the API key (also behind a client token). */
export function actorOf(caller: AdminCaller): { kind: 'user' | 'api_key' | 'system'; id: string | null } {
  if (caller.kind === 'system') return { kind: 'system', id: null };
  return caller.kind === 'user' ? { kind: 'user', id: caller.userId ?? '' } : { kind: 'api_key', id: caller.keyId };
}

/** The caller of the current request, as set by the global auth guard or a passport strategy. */
export const Principal = createParamDecorator((_data: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest().user);
