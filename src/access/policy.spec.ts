import type { Caller } from './caller';
import { SYSTEM_CALLER } from './caller';
import { ACTIONS, type Action, callerForUser, decide, holdsScope, roleAuthority, SUPER_ADMIN_AUTHORITY } from './policy';
import { API_KEY_SCOPES, type ApiKeyScope } from './scopes';

const may = (caller: Caller) => API_KEY_SCOPES.filter((s) => holdsScope(caller.scopes, s));
const user = (role: 'owner' | 'admin' | 'member', o: { isAdmin?: boolean; accountId?: string | null; id?: string } = {}) =>
  callerForUser({ id: o.id ?? 'u', accountId: o.accountId === undefined ? 'A' : o.accountId, role, isAdmin: o.isAdmin ?? false });
const key = (scopes: ApiKeyScope[], accountId: string | null = null): Caller => ({ kind: 'apiKey', keyId: 'k', scopes, accountId });
const target = (role: 'owner' | 'admin' | 'member', o: { isAdmin?: boolean; accountId?: string | null } = {}) =>
  ({ id: 't', accountId: o.accountId === undefined ? 'A' : o.accountId, role, isAdmin: o.isAdmin ?? false });
const allowed = (caller: Caller, action: Action, t?: Parameters<typeof decide>[2]) => decide(caller, action, t).allowed;

describe('access policy: scopes of users and keys', () => {
  it("maps roles to scopes, bound to the user's account", () => {
    expect([may(user('owner')), user('owner').accountId]).toEqual([['accounts:read', 'accounts:write', 'users:write'], 'A']);
    expect(may(user('admin'))).toEqual(['accounts:read', 'users:write']);
    expect(may(user('member'))).toEqual([]);
  });

  it('a super admin holds admin (every scope) and no binding; a user without an account holds nothing', () => {
    const superAdmin = user('member', { isAdmin: true });
    expect([superAdmin.scopes, superAdmin.accountId]).toEqual([['admin'], null]);
    expect(may(superAdmin)).toHaveLength(5);
    expect(may(user('owner', { accountId: null }))).toEqual([]);
  });

  it('accounts:write and admin imply accounts:read, nothing else implies anything', () => {
    expect(may(key(['accounts:write']))).toEqual(['accounts:read', 'accounts:write']);
    expect(may(key(['accounts:read']))).toEqual(['accounts:read']);
    expect(may(key(['users:write']))).toEqual(['users:write']);
    expect(may(key(['passwords:write']))).toEqual(['passwords:write']);
    expect(may(key(['admin']))).toHaveLength(5);
  });
});

describe('access policy: the caller may attempt the action (the guard asks without a target)', () => {
  it('every admin action needs its scope; session and verification actions are decided by their credential', () => {
    for (const [action, rule] of Object.entries(ACTIONS) as Array<[Action, (typeof ACTIONS)[Action]]>) {
      if (rule.credential !== 'admin') {
        expect(allowed(key([]), action)).toBe(true);
        continue;
      }
      expect(allowed(key([]), action)).toBe(false);
      expect(allowed(key(['admin']), action)).toBe(true);
      expect(allowed(SYSTEM_CALLER, action)).toBe(true);
      // its own scope alone is enough; every other key scope together (admin aside) is not
      const scope = rule.scope!;
      expect([action, allowed({ ...key([]), scopes: [scope] }, action)]).toEqual([action, true]);
      expect([action, allowed(key(API_KEY_SCOPES.filter((s) => s !== 'admin' && !holdsScope([s], scope))), action)]).toEqual([action, false]);
    }
  });

  it('audit events: scope admin, or an owner or admin of an account by role; a member never', () => {
    expect(allowed(key(['admin']), 'audit.read')).toBe(true);
    expect(allowed(user('owner'), 'audit.read')).toBe(true);
    expect(allowed(user('admin'), 'audit.read')).toBe(true);
    expect(allowed(user('member'), 'audit.read')).toBe(false);
    expect(allowed(key(['users:write', 'accounts:write']), 'audit.read')).toBe(false);
    expect(allowed(user('owner', { accountId: null }), 'audit.read')).toBe(false);
    expect(allowed(user('owner'), 'audit.read', { accountId: 'B' })).toBe(false);
    expect(allowed(user('owner'), 'audit.read', { accountId: 'A' })).toBe(true);
  });

  it('creating accounts and making super admins is for callers bound to no account (SECURITY.md F2)', () => {
    expect(decide(key(['accounts:write'], 'A'), 'accounts.create')).toEqual({ allowed: false, reason: 'bound' });
    expect(allowed(key(['accounts:write']), 'accounts.create')).toBe(true);
    expect(decide(key(['admin'], 'A'), 'users.superAdmin.change')).toEqual({ allowed: false, reason: 'bound' });
    expect(allowed(user('member', { isAdmin: true }), 'users.superAdmin.change', { user: target('member'), grants: SUPER_ADMIN_AUTHORITY })).toBe(true);
  });
});

describe('access policy: targets (the services ask with the loaded target)', () => {
  it("a bound caller reaches its own account's users only; users of no account only unbound callers", () => {
    expect(decide(key(['users:write'], 'A'), 'users.read', { user: target('member', { accountId: 'B' }) })).toEqual({ allowed: false, reason: 'account' });
    expect(allowed(key(['users:write'], 'A'), 'users.read', { user: target('member') })).toBe(true);
    expect(allowed(key(['users:write'], 'A'), 'users.read', { user: target('member', { accountId: null }) })).toBe(false);
    expect(allowed(key(['users:write']), 'users.read', { user: target('member', { accountId: null }) })).toBe(true);
    expect(allowed(user('owner'), 'accounts.update', { accountId: 'B' })).toBe(false);
  });

  it('no escalation: a passwords:write key sets no password of a user above it, neither bound nor global (the D3 takeover)', () => {
    const bound = key(['passwords:write'], 'A');
    const global = key(['passwords:write']);
    for (const caller of [bound, global]) {
      expect(decide(caller, 'passwords.set', { user: target('member', { isAdmin: true }) })).toEqual({ allowed: false, reason: 'outranks' });
      expect(allowed(caller, 'passwords.remove', { user: target('member', { isAdmin: true }) })).toBe(false);
      expect(allowed(caller, 'passwords.set', { user: target('owner') })).toBe(false);
      expect(allowed(caller, 'passwords.set', { user: target('admin') })).toBe(false);
      expect(allowed(caller, 'passwords.set', { user: target('member') })).toBe(true);
    }
    expect(allowed(key(['admin'], 'A'), 'passwords.set', { user: target('owner') })).toBe(true);
    expect(allowed(key(['admin'], 'A'), 'passwords.import', { user: target('member', { isAdmin: true }) })).toBe(false);
    expect(allowed(key(['admin']), 'passwords.import', { user: target('member', { isAdmin: true }) })).toBe(true);
    // An owner's or admin's authority includes the account's administration (audit events, webhooks), which no key but admin holds.
    expect(allowed(key(['passwords:write', 'users:write', 'accounts:write']), 'passwords.set', { user: target('owner') })).toBe(false);
    expect(allowed(key(['passwords:write', 'users:write', 'accounts:read'], 'A'), 'passwords.set', { user: target('admin') })).toBe(false);
    expect(allowed(key(['passwords:write', 'users:write', 'accounts:write']), 'passwords.set', { user: target('member') })).toBe(true);
  });

  it('nobody sets, removes or imports its own password through the routes that set another\'s: its own changes with the current one', () => {
    const owner = user('owner', { id: 't' });
    expect(decide(owner, 'passwords.setByAdmin', { user: target('owner') })).toEqual({ allowed: false, reason: 'self' });
    expect(allowed(user('member', { isAdmin: true, id: 't' }), 'passwords.import', { user: target('member', { isAdmin: true }) })).toBe(false);
    expect(allowed(owner, 'passwords.setByAdmin', { user: { ...target('admin'), id: 'other' } })).toBe(true);
  });

  it('nobody gives more than it holds: roles, the super-admin flag, API keys', () => {
    const owner = user('owner', { id: 'o' });
    expect(allowed(owner, 'users.role.give', { user: target('member'), grants: roleAuthority('owner', 'A') })).toBe(true);
    expect(decide(key(['accounts:write'], 'A'), 'users.role.give', { user: target('member'), grants: roleAuthority('admin', 'A') })).toEqual({ allowed: false, reason: 'grant' });
    expect(allowed(key(['accounts:write', 'users:write'], 'A'), 'users.role.give', { user: target('member'), grants: roleAuthority('admin', 'A') })).toBe(false);
    expect(allowed(key(['admin'], 'A'), 'users.role.give', { user: target('member'), grants: roleAuthority('admin', 'A') })).toBe(true);
    expect(allowed(key(['accounts:write', 'users:write'], 'A'), 'users.role.give', { user: target('member', { isAdmin: true }), grants: roleAuthority('admin', 'A') })).toBe(false);
    expect(allowed(user('admin'), 'users.role.give', { user: target('member'), grants: roleAuthority('admin', 'A') })).toBe(false);
    expect(allowed(key(['admin'], 'A'), 'apiKeys.create', { accountId: 'A', grants: { scopes: ['admin'], accountId: 'A' } })).toBe(true);
    expect(allowed(key(['admin'], 'A'), 'apiKeys.create', { accountId: null, grants: { scopes: ['users:write'], accountId: null } })).toBe(false);
  });

  it('actions that hand over nothing need only the reach (mail a reset to an owner); ending sessions takes a sign-in away: never above the caller', () => {
    expect(allowed(user('admin'), 'users.passwordReset.send', { user: target('owner') })).toBe(true);
    expect(allowed(key(['users:write'], 'A'), 'users.sessions.end', { user: target('member', { isAdmin: true }) })).toBe(false);
    expect(allowed(key(['users:write'], 'A'), 'users.sessions.end', { user: target('member') })).toBe(true);
  });
});
