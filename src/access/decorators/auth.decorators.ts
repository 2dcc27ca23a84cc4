import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ACTIONS, type Action } from '../policy';
import { ACCOUNT_ADMIN } from '../scopes';

export const AUTH_METADATA = 'pls:auth';

/** How a route authenticates its caller: open, or the action it takes (src/access/policy.ts). A route without either is closed. */
export type AuthRequirement = { kind: 'public' } | { kind: 'action'; action: Action };

/** Passport strategies for bearer JWTs (registered in the auth module), by the credential an action takes. */
export type BearerStrategy = 'jwt-access' | 'jwt-verification' | 'jwt-change';

export const API_KEY_SECURITY = 'api-key';
export const BEARER_SECURITY = 'bearer';
/** OAuth 2.0 client credentials (POST /oauth/token): a client token, offered on every admin route. */
export const OAUTH2_SECURITY = 'oauth2';
/** HTTP Basic client authentication on POST /oauth/token (RFC 6749 §2.3.1). */
export const OAUTH_CLIENT_BASIC_SECURITY = 'oauth-client-basic';

/** Open route: no credentials. */
export const Public = () => SetMetadata(AUTH_METADATA, { kind: 'public' } satisfies AuthRequirement);

/**
 * The route takes `action`; the access policy (src/access/policy.ts) decides who may. The action's
 * credential says what the caller shows: an admin credential (`X-Api-Key`, a client token, or a user's
 * access token judged by its role), the user's own access token, or an email-verification JWT.
 * The guard asks the policy about the caller; the route's service asks again about the target.
 */
export const Can = (action: Action) => {
  const rule = ACTIONS[action];
  const auth = SetMetadata(AUTH_METADATA, { kind: 'action', action } satisfies AuthRequirement);
  if (rule.credential !== 'admin') return applyDecorators(auth, ApiBearerAuth(BEARER_SECURITY));
  return applyDecorators(
    auth,
    ApiSecurity(API_KEY_SECURITY),
    // A client token acts by its key's scopes: the account's administration (no key scope) takes admin.
    ApiSecurity(OAUTH2_SECURITY, [rule.scope === ACCOUNT_ADMIN ? 'admin' : rule.scope]),
    // A user's access token, judged by the user's role (an owner's or admin's; a super admin's everywhere).
    ApiSecurity(BEARER_SECURITY),
  );
};

/** The caller of the current request, as set by the global auth guard or a passport strategy. */
export const Principal = createParamDecorator((_data: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest().user);
