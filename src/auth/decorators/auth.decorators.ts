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

/** Open route: no credentials. */
export const Public = () => SetMetadata(AUTH_METADATA, { kind: 'public' } satisfies AuthRequirement);

/** `X-Api-Key` holding `scope` (or `admin`, which implies every scope). */
export const RequireScope = (scope: ApiKeyScope) =>
  applyDecorators(SetMetadata(AUTH_METADATA, { kind: 'apiKey', scope } satisfies AuthRequirement), ApiSecurity(API_KEY_SECURITY));

/** `Authorization: Bearer <jwt>` verified by the given passport strategy. */
export const RequireBearer = (strategy: BearerStrategy) =>
  applyDecorators(SetMetadata(AUTH_METADATA, { kind: 'bearer', strategy } satisfies AuthRequirement), ApiBearerAuth(BEARER_SECURITY));

/** The authenticated API key (on RequireScope routes). */
export interface ApiKeyPrincipal {
  kind: 'apiKey';
  keyId: string;
  scopes: ApiKeyScope[];
  /** Null: a global key. */
  accountId: string | null;
}

/** The caller of the current request, as set by the global auth guard or a passport strategy. */
export const Principal = createParamDecorator((_data: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest().user);
