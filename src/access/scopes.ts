/**
 * The scopes an API key (and a client token, and a user's role) carries: the units of authority the
 * access policy (src/access/policy.ts) reads. `admin` implies every scope; `accounts:write` implies
 * `accounts:read`.
 */
export const API_KEY_SCOPES = ['accounts:read', 'accounts:write', 'users:write', 'passwords:write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
