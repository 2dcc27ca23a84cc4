import type { EntityManager } from 'typeorm';
import { DomainEvents, type DomainEvent } from './domain-events';

const em = {} as EntityManager;
const event: DomainEvent = {
  type: 'password.set', user: { id: 'u', accountId: null, email: 'u@example.com', firstName: null, locale: null },
  actor: { kind: 'system' }, at: new Date(0), via: 'D1', mode: 'initial', replaced: false,
};

describe('DomainEvents', () => {
  it('runs every effect, then every record handler, in subscription order, the recorders seeing the facts the effects reported', async () => {
    const sut = new DomainEvents();
    const seen: string[] = [];
    sut.subscribe('record', 'r1', async (_em, e) => void seen.push(`r1:${e.sessionsRevoked}`));
    sut.subscribe('effect', 'e1', async () => (seen.push('e1'), { sessionsRevoked: 2 }));
    sut.subscribe('effect', 'e2', async (_em, e) => void seen.push(`e2:${e.sessionsRevoked}`));
    sut.subscribe('record', 'r2', async () => void seen.push('r2'));
    const recorded = await sut.publish(em, event);
    expect(seen).toEqual(['e1', 'e2:2', 'r1:2', 'r2']);
    expect(recorded).toMatchObject({ type: 'password.set', sessionsRevoked: 2 });
  });

  it('subscribes a name once, and a handler that throws stops the rest and rejects the publish (the change rolls back)', async () => {
    const sut = new DomainEvents();
    const seen: string[] = [];
    sut.subscribe('effect', 'e', async () => void seen.push('first'));
    sut.subscribe('effect', 'e', async () => void seen.push('second'));
    sut.subscribe('record', 'fails', async () => { throw new Error('store down'); });
    sut.subscribe('record', 'after', async () => void seen.push('after'));
    await expect(sut.publish(em, event)).rejects.toThrow('store down');
    expect(seen).toEqual(['first']);
  });
});
