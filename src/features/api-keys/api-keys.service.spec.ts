import type { Repository } from 'typeorm';
import type { Account } from '../../core/entities/account.entity';
import type { AuditTrail } from '../../ground/common/audit-trail';
import type { Clock } from '../../ground/common/clock';
import { SecretKeys } from '../../ground/common/secrets';
import { KeySet } from '../../core/keys/key-set';
import type { AppConfig } from '../../ground/config/app-config';
import type { UnitOfWork } from '../../ground/database/unit-of-work';
import { ApiKey } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';

describe('ApiKeysService key lookups', () => {
  const live = Object.assign(new ApiKey(), {
    id: 'k1', name: 'n', keyHash: 'h', scopes: ['users:write'], accountId: null, createdAt: new Date(0), lastUsedAt: new Date(), revokedAt: null, rateLimitPerMinute: 5,
  });
  let findOneBy: jest.Mock;
  let sut: ApiKeysService;

  beforeEach(() => {
    findOneBy = jest.fn().mockResolvedValue(live);
    const keys = { findOneBy } as unknown as Repository<ApiKey>;
    const clock = { now: () => new Date(), nowMs: () => Date.now() } as unknown as Clock;
    const secrets = new SecretKeys(KeySet.random());
    live.keyHash = secrets.lookupHash('pls_key');
    sut = new ApiKeysService(keys, {} as Repository<Account>, {} as AppConfig, secrets, clock, {} as UnitOfWork, {} as AuditTrail);
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

  it('never caches across requests (a revoked key fails on the next request), nor for another key in the same request', async () => {
    await sut.authenticate('pls_key', {});
    await sut.authenticate('pls_key', {});
    const req = {};
    await sut.rateLimitedCaller('pls_key', req);
    await sut.authenticate('pls_other', req);
    expect(findOneBy).toHaveBeenCalledTimes(4);
  });
});
