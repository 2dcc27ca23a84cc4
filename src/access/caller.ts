import type { UserRole } from '../features/users/user-role';
import type { Scope } from './scopes';

/**
 * The caller of a route that takes an admin credential (src/access/caller-resolver.ts), whatever it showed:
 * - `apiKey`: `X-Api-Key`;
 * - `clientToken`: `Authorization: Bearer <client token>` from POST /oauth/token (RFC 6749 §4.4), with the
 *   key's scopes (or the narrowed ones) and the key's account binding;
 * - `user`: `Authorization: Bearer <access token>` of a user: the scopes of its role in its account
 *   (src/access/policy.ts ROLE_SCOPES), or, for a super admin (`isAdmin`), scope admin and no binding;
 * - `system`: the operator CLI, which acts with every right.
 * Every authorization decision is made by the access policy (decide) from these fields.
 */
export interface Caller {
  kind: 'apiKey' | 'clientToken' | 'user' | 'system';
  /** The API key (apiKey, clientToken); '' for a user or the operator CLI (`system`). */
  keyId: string;
  /** The user (user callers only). */
  userId?: string;
  /** The user's role in its account (user callers only). */
  role?: UserRole;
  scopes: Scope[];
  /** Null: not bound to an account (a global key, a super admin, the CLI). */
  accountId: string | null;
}

/** The operator CLI's caller: every right, audited as `system`. */
export const SYSTEM_CALLER: Caller = { kind: 'system', keyId: '', scopes: ['admin'], accountId: null };

/** Who an audit event names for a caller: the user for a user token, else the API key (also behind a client token). */
export function actorOf(caller: Caller): { kind: 'user' | 'api_key' | 'system'; id: string | null } {
  if (caller.kind === 'system') return { kind: 'system', id: null };
  return caller.kind === 'user' ? { kind: 'user', id: caller.userId ?? '' } : { kind: 'api_key', id: caller.keyId };
}
