import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditEventInput } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { runInRequestContext, runOutsideRequestContext } from '../../ground/common/request-context';
import { insertRows } from '../../ground/database/sql';
import type { UnitOfWork } from '../../ground/database/unit-of-work';
import { StoredAuditTrail } from './stored-audit-trail';

// The row as written (insertRows(em, AuditEvent, [row])), and with which manager.
jest.mock('../../ground/database/sql', () => ({ insertRows: jest.fn() }));
const inserted = insertRows as jest.Mock;

class FixedClock extends Clock {
  now(): Date {
    return new Date('2026-11-30T18:00:00.000Z');
  }
}

describe('StoredAuditTrail', () => {
  const USER = '6f1c2b9e-3a53-4c43-9d8c-2f4f7c1e8a10';
  const ACCOUNT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
  let em: { findOne: jest.Mock };
  let uow: { run: jest.Mock; runAutocommit: jest.Mock };
  let sut: StoredAuditTrail;

  beforeEach(() => {
    inserted.mockReset();
    em = { findOne: jest.fn().mockResolvedValue({ id: USER, accountId: ACCOUNT }) };
    const runWork = (work: (e: EntityManager) => Promise<unknown>) => work(em as unknown as EntityManager);
    uow = { run: jest.fn(runWork), runAutocommit: jest.fn(runWork) };
    sut = new StoredAuditTrail(new FixedClock(), uow as unknown as UnitOfWork);
  });

  const event = (o: Partial<AuditEventInput> = {}): AuditEventInput => ({ type: 'password.set', userId: USER, actor: { kind: 'user', id: USER }, outcome: 'success', ...o });
  const stored = () => inserted.mock.calls[0][2][0];

  it("writes with the caller's transaction: the time from the clock, the account from the user", async () => {
    await sut.record(em as unknown as EntityManager, event());
    expect(uow.run).not.toHaveBeenCalled();
    expect(uow.runAutocommit).not.toHaveBeenCalled();
    expect(stored()).toMatchObject({ type: 'password.set', at: new Date('2026-11-30T18:00:00.000Z'), userId: USER, accountId: ACCOUNT, actorKind: 'user', actorId: USER });
  });

  it('em null: writes on its own, without a transaction around its one INSERT (UnitOfWork.runAutocommit)', async () => {
    await sut.record(null, event());
    expect(uow.runAutocommit).toHaveBeenCalledTimes(1);
    expect(uow.run).not.toHaveBeenCalled();
    expect(inserted).toHaveBeenCalledTimes(1);
    expect(inserted.mock.calls[0][0]).toBe(em);
  });

  it('an explicit account (even null) is kept, and the user is not looked up', async () => {
    await sut.record(em as unknown as EntityManager, event({ accountId: null }));
    expect(em.findOne).not.toHaveBeenCalled();
    expect(stored().accountId).toBeNull();
  });

  it('client_ip: the request being served unless given; null outside a request', async () => {
    await runInRequestContext({ clientIp: '203.0.113.7' }, () => sut.record(em as unknown as EntityManager, event()));
    await runInRequestContext({ clientIp: '203.0.113.7' }, () => sut.record(em as unknown as EntityManager, event({ clientIp: '198.51.100.0' })));
    await runOutsideRequestContext(() => sut.record(em as unknown as EntityManager, event()));
    expect(inserted.mock.calls.map((c) => c[2][0].clientIp)).toEqual(['203.0.113.7', '198.51.100.0', null]);
  });

  it('client_ip: only an address or a /64 network is stored, an IPv4-mapped one as IPv4 (as the logs write it); whatever else X-Forwarded-For carried becomes null', async () => {
    await runInRequestContext({ clientIp: 'garbage' }, () => sut.record(em as unknown as EntityManager, event()));
    await sut.record(em as unknown as EntityManager, event({ clientIp: '2001:0db8:0000:0001::/64' }));
    await sut.record(em as unknown as EntityManager, event({ clientIp: '::ffff:10.0.0.1' }));
    await sut.record(em as unknown as EntityManager, event({ clientIp: '1.2.3.4, 5.6.7.8' }));
    expect(inserted.mock.calls.map((c) => c[2][0].clientIp)).toEqual([null, '2001:0db8:0000:0001::/64', '10.0.0.1', null]);
  });

  it('I1 details keep primitive facts under snake_case names and drop anything named like a secret or an address', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await sut.record(em as unknown as EntityManager, event({
      details: {
        dialect: 'D3', api_key_id: 'k1', sessions_revoked: 2, replaced: true, family_id: 'f1', none: null,
        password: 'x', new_password: 'x', reset_code: 'x', token: 'x', refresh_token: 'x', key_hash: 'x', email: 'x', api_key: 'x', key: 'x',
        'Bad Key': 'x', nan: Number.NaN, long: 'y'.repeat(500),
      } as AuditEventInput['details'],
    }));
    expect(stored().details).toEqual({ dialect: 'D3', api_key_id: 'k1', sessions_revoked: 2, replaced: true, family_id: 'f1', none: null, long: 'y'.repeat(200) });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('detail "password" dropped'));
    expect(warn.mock.calls.join('\n')).not.toMatch(/: x\b/); // the warning names the detail, never its value
    warn.mockRestore();
  });
});
