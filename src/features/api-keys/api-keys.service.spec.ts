import type { Repository } from 'typeorm';
import type { Account } from '../../core/entities/account.entity';
import type { AuditTrail } from '../../ground/common/audit-trail';
import type { Clock } from '../../ground/common/clock';
import { SecretKeys } from '../../ground/common/secrets';
import { KeySet } from '../../core/keys/key-set';
import type { AppConfig } from '../../ground/config/app-config';
import type { UnitOfWork } from '../../ground/database/unit-of-work';
import { UnauthenticatedError } from '../../ground/common/errors/domain-errors';
import { ApiKey } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';

describe('ApiKeysService key lookups', () => {
  const live = Object.assign(new ApiKey(), {
    id: 'k1', name: 'n', keyHash: 'h', scopes: ['users:write'], accountId: null, createdAt: new Date(0), lastUsedAt: new Date(), revokedAt: null, rateLimitPerMinute: 5,
  });
  let findOneBy: jest.Mock;
  let sut: ApiKeysService;

  beforeEach(() => {
    live.revokedAt = null;
    // One stored key; a lookup asking for a live key (revokedAt: IsNull()) does not find it once revoked.
    findOneBy = jest.fn(async (where: { revokedAt?: { type?: string } }) => (where.revokedAt?.type === 'isNull' && live.revokedAt ? null : live));
    const keys = { findOneBy } as unknown as Repository<ApiKey>;
    const clock = { now: () => new Date(), nowMs: () => Date.now() } as unknown as Clock;
    const secrets = new SecretKeys(KeySet.random());
    live.keyHash = secrets.lookupHash('pls_key');
    // revoke() writes revokedAt where the key is still live, in a unit of work, and records an audit event.
    const em = {
      update: async (_entity: unknown, where: { id: string; revokedAt?: { type?: string } }, set: Partial<ApiKey>) => {
        if (where.id !== live.id || (where.revokedAt?.type === 'isNull' && live.revokedAt)) return { affected: 0 };
        Object.assign(live, set);
        return { affected: 1 };
      },
    };
    const uow = { run: (work: (e: typeof em) => Promise<unknown>) => work(em) } as unknown as UnitOfWork;
    const audit = { record: jest.fn(async () => undefined) } as unknown as AuditTrail;
    sut = new ApiKeysService(keys, {} as Repository<Account>, {} as AppConfig, secrets, clock, uow, audit);
  });

  it('the request limiter and the auth guard share one lookup per request (one query, one timeout when the database hangs)', async () => {
    const req = {};
    await expect(sut.rateLimitedCaller('pls_key', req)).resolves.toEqual({ kind: 'api_key', keyId: 'k1', limitPerMinute: 5 });
    await expect(sut.authenticate('pls_key', req)).resolves.toMatchObject({ keyId: 'k1', scopes: ['users:write'] });
    expect(findOneBy).toHaveBeenCalledTimes(1);
  });

  it('a failed lookup is not repeated within the request: the auth guard gets the same failure at once', async () => {
    findOneBy.mockRejectedValueOnce(new Error('Query read timeout'));
    const req = {};
    await expect(sut.rateLimitedCaller('pls_key', req)).rejects.toThrow('Query read timeout');
    await expect(sut.authenticate('pls_key', req)).rejects.toThrow('Query read timeout');
    expect(findOneBy).toHaveBeenCalledTimes(1);
  });

  it('a key revoked between two requests fails on the next request (the lookup is not cached across requests)', async () => {
    await expect(sut.authenticate('pls_key', {})).resolves.toMatchObject({ keyId: 'k1' });
    await sut.revoke('k1', { kind: 'apiKey', keyId: 'admin-key', scopes: ['admin'], accountId: null });
    expect(live.revokedAt).toBeInstanceOf(Date);
    await expect(sut.authenticate('pls_key', {})).rejects.toThrow(UnauthenticatedError);
    await expect(sut.rateLimitedCaller('pls_key', {})).resolves.toBeNull();
  });

  it('never caches across requests, nor for another key in the same request: one lookup each', async () => {
    await sut.authenticate('pls_key', {});
    await sut.authenticate('pls_key', {});
    const req = {};
    await sut.rateLimitedCaller('pls_key', req);
    await sut.authenticate('pls_other', req);
    expect(findOneBy).toHaveBeenCalledTimes(4);
  });
});
