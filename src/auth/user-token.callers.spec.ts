import type { Repository } from 'typeorm';
import type { Account } from '../accounts/account.entity';
import type { ApiKey, ApiKeyScope } from '../api-keys/api-key.entity';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { AuditTrail } from '../common/audit-trail';
import type { Clock } from '../common/clock';
import { SecretKeys } from '../common/secrets';
import { KeySet } from '../keys/key-set';
import type { AppConfig } from '../config/app-config';
import type { UnitOfWork } from '../database/unit-of-work';
import type { AdminCaller } from './decorators/auth.decorators';
import { callerForUser } from './user-token.callers';

describe('user callers and the one scope check', () => {
  const apiKeys = new ApiKeysService({} as Repository<ApiKey>, {} as Repository<Account>, {} as AppConfig, new SecretKeys(KeySet.random()), {} as Clock, {} as UnitOfWork, {} as AuditTrail);
  const may = (caller: AdminCaller) => (['accounts:read', 'accounts:write', 'users:write', 'passwords:write', 'admin'] as ApiKeyScope[]).filter((s) => apiKeys.allows(caller, s));
  const user = (role: 'owner' | 'admin' | 'member', o: { isAdmin?: boolean; accountId?: string | null } = {}) =>
    callerForUser({ id: 'u', accountId: o.accountId === undefined ? 'acc' : o.accountId, role, isAdmin: o.isAdmin ?? false });

  it('maps roles to scopes, bound to the user\'s account', () => {
    expect([may(user('owner')), user('owner').accountId]).toEqual([['accounts:read', 'accounts:write', 'users:write'], 'acc']);
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
    const key = (scopes: ApiKeyScope[]): AdminCaller => ({ kind: 'apiKey', keyId: 'k', scopes, accountId: null });
    expect(may(key(['accounts:write']))).toEqual(['accounts:read', 'accounts:write']);
    expect(may(key(['accounts:read']))).toEqual(['accounts:read']);
    expect(may(key(['users:write']))).toEqual(['users:write']);
  });
});
