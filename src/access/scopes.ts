/**
 * The scopes an API key (and a client token, and a user's role) carries: the units of authority the
 * access policy (src/access/policy.ts) reads. `admin` implies every scope; `accounts:write` implies
 * `accounts:read`.
 */
export const API_KEY_SCOPES = ['accounts:read', 'accounts:write', 'users:write', 'passwords:write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * What an account's owner and admin hold besides their scopes: the account's administration (its audit
 * events, its webhooks). No API key can be given it; scope `admin` implies it. It is counted in a user's
 * authority, so a caller without it never acts on the sign-in of an owner or admin, nor makes one.
 */
export const ACCOUNT_ADMIN = 'account:admin';

/** Every unit of authority the policy reads: the API key scopes and the account administration of the roles. */
export type Scope = ApiKeyScope | typeof ACCOUNT_ADMIN;
