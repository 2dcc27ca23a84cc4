import { ForbiddenError } from '../ground/common/errors/domain-errors';
import type { UserRole } from '../features/users/user-role';
import type { Caller } from './caller';
import { ACCOUNT_ADMIN, type Scope } from './scopes';

/**
 * The one authorization policy of the service: what every kind of caller may do to every target
 * (CONTRACT.md "Callers with JWT bearer tokens", "Third round: No escalation"). Pure code: the guard
 * asks it about the caller before a route runs (may this caller attempt the action at all), and the
 * services ask it again once the target is loaded (this account, this user, this grant). No route
 * carries a rule of its own.
 *
 * The invariant: no caller obtains, through any route, a credential, a session or a role with more
 * authority than its own. Authority is a set of scopes and a reach (one account, or every account):
 * a key's scopes and binding, a client token's (narrowed) scopes and its key's binding, a user's role
 * in its account (ROLE_SCOPES) or, for a super admin, scope admin everywhere.
 */

/** Scopes and reach: what a caller may do, or what a user's sign-in or a new key would let its holder do. */
export interface Authority {
  scopes: readonly Scope[];
  /** The one account it reaches; null: every account. */
  accountId: string | null;
}

/**
 * What a user's access token may do on the admin routes, by role: scopes, and the account's administration
 * (ACCOUNT_ADMIN: its audit events and webhooks). A super admin holds scope admin everywhere.
 */
export const ROLE_SCOPES: Readonly<Record<UserRole, readonly Scope[]>> = {
  owner: ['accounts:read', 'accounts:write', 'users:write', ACCOUNT_ADMIN],
  admin: ['accounts:read', 'users:write', ACCOUNT_ADMIN],
  member: [],
};

/** The user's authority as a caller: a super admin scope admin unbound; others their role's scopes in their account. */
export function authorityOfUser(user: { accountId: string | null; role: UserRole; isAdmin: boolean }): Authority {
  if (user.isAdmin) return { scopes: ['admin'], accountId: null };
  // A user without an account has no role to act with (and must never look like a global caller).
  return { scopes: user.accountId ? ROLE_SCOPES[user.role] : [], accountId: user.accountId };
}

/** The caller of an admin route for a user's access token (src/features/auth/user-token.callers.ts). */
export function callerForUser(user: { id: string; accountId: string | null; role: UserRole; isAdmin: boolean }): Caller {
  const { scopes, accountId } = authorityOfUser(user);
  return { kind: 'user', keyId: '', userId: user.id, role: user.role, scopes: [...scopes], accountId };
}

/** `admin` implies every scope (ACCOUNT_ADMIN included), `accounts:write` implies `accounts:read`. */
export function holdsScope(held: readonly Scope[], scope: Scope): boolean {
  if (held.includes('admin') || held.includes(scope)) return true;
  return scope === 'accounts:read' && held.includes('accounts:write');
}

/** Does the caller reach this account (null: a user or key of no account)? A caller of no account reaches every one. */
export function reaches(caller: Caller, accountId: string | null): boolean {
  return caller.accountId === null || caller.accountId === accountId;
}

/** Does the caller's authority contain `authority` (every scope held, and a reach no wider than its own)? */
export function covers(caller: Caller, authority: Authority): boolean {
  if (caller.kind === 'system') return true;
  if (caller.accountId !== null && authority.accountId !== caller.accountId) return false;
  return authority.scopes.every((scope) => holdsScope(caller.scopes, scope));
}

/** How a route's caller proves itself. */
export type Credential =
  /** `X-Api-Key`, a client token, or a user's access token, judged by scope (src/access/caller-resolver.ts). */
  | 'admin'
  /** A user's own access token ('jwt-access'): the route acts on that user only. */
  | 'session'
  /** An email-verification JWT ('jwt-verification'): D2 only. */
  | 'verification'
  /** A user's own access token, or a change token from a login whose password was due for change ('jwt-change'). */
  | 'change';

export interface ActionRule {
  credential: Credential;
  /** The scope an admin caller needs (admin implies all). */
  scope?: Scope;
  /** What the action is done to; the services ask again with it. */
  target: 'none' | 'account' | 'user' | 'self';
  /** Callers bound to an account may not (creating accounts, making super admins). */
  globalOnly?: boolean;
  /**
   * The action hands over or takes away the target user's sign-in (sets, removes, imports or makes temporary
   * a password; disables, deletes): the target's own authority must be within the caller's.
   */
  notAbove?: boolean;
  /** Never on the caller's own user (its own password changes with the current one: POST /users/me/password). */
  notSelf?: boolean;
}

/**
 * Every action a route can take, with its rule: the table a reader checks against CONTRACT.md
 * (README "Security" prints it). Actions that give authority (a role, the super-admin flag, a key's
 * scopes) are also checked with the authority given (`grants`): never more than the caller's own, so
 * nobody raises their own role or flag, nor gives anyone more than it holds.
 */
export const ACTIONS = {
  'accounts.create': { credential: 'admin', scope: 'accounts:write', target: 'none', globalOnly: true },
  'accounts.read': { credential: 'admin', scope: 'accounts:read', target: 'account' },
  'accounts.list': { credential: 'admin', scope: 'accounts:write', target: 'account' },
  'accounts.update': { credential: 'admin', scope: 'accounts:write', target: 'account' },
  'accounts.users.list': { credential: 'admin', scope: 'users:write', target: 'account' },
  'users.invite': { credential: 'admin', scope: 'users:write', target: 'account' },
  'users.read': { credential: 'admin', scope: 'users:write', target: 'user' },
  'users.update': { credential: 'admin', scope: 'users:write', target: 'user' },
  'users.role.give': { credential: 'admin', scope: 'accounts:write', target: 'user', notAbove: true },
  'users.superAdmin.change': { credential: 'admin', scope: 'admin', target: 'user', globalOnly: true },
  'users.invitation.send': { credential: 'admin', scope: 'users:write', target: 'user' },
  'users.passwordReset.send': { credential: 'admin', scope: 'users:write', target: 'user' },
  'users.sessions.end': { credential: 'admin', scope: 'users:write', target: 'user', notAbove: true },
  'users.disable': { credential: 'admin', scope: 'users:write', target: 'user', notAbove: true },
  'users.delete': { credential: 'admin', scope: 'users:write', target: 'user', notAbove: true },
  'passwords.set': { credential: 'admin', scope: 'passwords:write', target: 'user', notAbove: true },
  'passwords.remove': { credential: 'admin', scope: 'passwords:write', target: 'user', notAbove: true, notSelf: true },
  'passwords.import': { credential: 'admin', scope: 'admin', target: 'user', notAbove: true, notSelf: true },
  'passwords.setByAdmin': { credential: 'admin', scope: 'users:write', target: 'user', notAbove: true, notSelf: true },
  'apiKeys.create': { credential: 'admin', scope: 'admin', target: 'account' },
  'apiKeys.list': { credential: 'admin', scope: 'admin', target: 'account' },
  'apiKeys.revoke': { credential: 'admin', scope: 'admin', target: 'account' },
  'audit.read': { credential: 'admin', scope: ACCOUNT_ADMIN, target: 'account' },
  'webhooks.list': { credential: 'admin', scope: ACCOUNT_ADMIN, target: 'account' },
  'webhooks.manage': { credential: 'admin', scope: ACCOUNT_ADMIN, target: 'account' },
  'me.read': { credential: 'session', target: 'self' },
  'sessions.logout': { credential: 'session', target: 'self' },
  'passwords.change': { credential: 'change', target: 'self' },
  'passwords.setWithVerification': { credential: 'verification', target: 'self' },
} as const satisfies Record<string, ActionRule>;

export type Action = keyof typeof ACTIONS;

/** The action's rule (typed as the general shape). */
export function ruleOf(action: Action): ActionRule {
  return ACTIONS[action];
}

/** What the action is done to, once known. */
export interface AccessTarget {
  /** The account acted in (the target's, or the one a new thing is bound to); null: no account (every one, for a list). */
  accountId?: string | null;
  /** The user acted on. */
  user?: { id: string; accountId: string | null; role: UserRole; isAdmin: boolean };
  /** Authority the action gives (a role, the super-admin flag, a new key's scopes and binding). */
  grants?: Authority;
}

export type DenyReason = 'scope' | 'bound' | 'account' | 'outranks' | 'self' | 'grant';
export type Decision = { allowed: true } | { allowed: false; reason: DenyReason };

const ALLOW: Decision = { allowed: true };
const deny = (reason: DenyReason): Decision => ({ allowed: false, reason });

/**
 * May `caller` take `action` (on `target`)? Without a target: whether the caller may attempt the action
 * at all (the guard's question); with one: the whole decision. Callers of 'session' and 'verification'
 * actions are decided by their credential alone (they act on themselves).
 */
export function decide(caller: Caller, action: Action, target?: AccessTarget): Decision {
  const rule = ruleOf(action);
  if (rule.credential !== 'admin' || caller.kind === 'system') return ALLOW;
  if (!(rule.scope && holdsScope(caller.scopes, rule.scope))) return deny('scope');
  if (rule.globalOnly && caller.accountId !== null) return deny('bound');
  if (!target) return ALLOW;
  const accountId = target.user ? target.user.accountId : target.accountId;
  if (accountId !== undefined && !reaches(caller, accountId)) return deny('account');
  if (target.user && rule.notSelf && caller.kind === 'user' && caller.userId === target.user.id) return deny('self');
  if (target.user && rule.notAbove && !covers(caller, authorityOfUser(target.user))) return deny('outranks');
  if (target.grants && !covers(caller, target.grants)) return deny('grant');
  return ALLOW;
}

/** The one account a caller's lists are limited to, or null for every account. */
export function listedAccount(caller: Caller): string | null {
  return caller.kind === 'system' ? null : caller.accountId;
}

/** The authority a role gives in an account. */
export function roleAuthority(role: UserRole, accountId: string): Authority {
  return { scopes: ROLE_SCOPES[role], accountId };
}

/** The authority of a super admin. */
export const SUPER_ADMIN_AUTHORITY: Authority = { scopes: ['admin'], accountId: null };

/** Asks the policy and throws ForbiddenError (403 in the route's envelope) when it says no. */
export function authorize(caller: Caller, action: Action, target?: AccessTarget): void {
  const decision = decide(caller, action, target);
  if (!decision.allowed) throw new ForbiddenError(decision.reason);
}
