import type { DomainEvent, EventUser, Recorded } from '../../ground/common/domain-events';
import { PASSWORD_SET_VIA, WEBHOOK_EVENT_TYPES, webhookMessageOf, wants } from './webhook-events';

/** A user with everything a domain event may know about it: none of the name, address or language may reach a webhook. */
const user: EventUser = { id: 'user-1', accountId: 'account-1', email: 'ada.secret@example.com', firstName: 'Ada', locale: 'de' };
const base = { user, actor: { kind: 'api_key' as const, id: 'key-1' }, at: new Date('2026-03-14T09:26:53.000Z') };

/** One domain event of every type (and every `via` of password.set), as the publishers send them. */
const EVENTS: DomainEvent[] = [
  ...['D1', 'D2', 'D3', 'D4', 'D5', 'change', 'temporary', 'admin'].map((via) => ({ ...base, type: 'password.set' as const, via, mode: 'replace' as const, replaced: true })),
  { ...base, type: 'password.imported', format: 'bcrypt', algorithm: 'bcrypt', replaced: false },
  { ...base, type: 'password.removed', via: 'D3' },
  { ...base, type: 'sessions.revoked', reason: 'admin', sessions: 3 },
  ...(['account', 'invitation', 'signup'] as const).map((via) => ({ ...base, type: 'user.created' as const, via })),
  { ...base, type: 'user.disabled' },
  { ...base, type: 'user.enabled' },
  { ...base, type: 'user.deleted' },
];

describe('webhookMessageOf: the webhook event of each domain event (CONTRACT.md "Webhooks")', () => {
  it('password.set names the path by purpose, never by dialect: D1→invitation, D2→verification, D3→integrator, D4→recovery, D5→reset; change, temporary and admin pass through', () => {
    const vias = EVENTS.filter((e) => e.type === 'password.set').map((e) => webhookMessageOf(e as Recorded)?.data.via);
    expect(vias).toEqual(['invitation', 'verification', 'integrator', 'recovery', 'reset', 'change', 'temporary', 'admin']);
    for (const via of vias) expect(PASSWORD_SET_VIA).toContain(via);
  });

  it('an imported hash is password.set with via "import"; a removed password is password.removed by the integrator', () => {
    expect(webhookMessageOf(EVENTS.find((e) => e.type === 'password.imported') as Recorded)).toEqual({
      type: 'password.set', timestamp: '2026-03-14T09:26:53.000Z', data: { user_id: 'user-1', account_id: 'account-1', via: 'import', replaced: false },
    });
    expect(webhookMessageOf(EVENTS.find((e) => e.type === 'password.removed') as Recorded)?.data).toEqual({ user_id: 'user-1', account_id: 'account-1', via: 'integrator' });
  });

  it('user.created says how (account, invitation, signup); user.disabled, user.enabled and user.deleted carry the ids only; sessions.revoked the reason and count', () => {
    expect(EVENTS.filter((e) => e.type === 'user.created').map((e) => webhookMessageOf(e as Recorded)?.data.via)).toEqual(['account', 'invitation', 'signup']);
    for (const type of ['user.disabled', 'user.enabled', 'user.deleted'] as const) {
      expect(webhookMessageOf(EVENTS.find((e) => e.type === type) as Recorded)).toEqual({ type, timestamp: '2026-03-14T09:26:53.000Z', data: { user_id: 'user-1', account_id: 'account-1' } });
    }
    expect(webhookMessageOf(EVENTS.find((e) => e.type === 'sessions.revoked') as Recorded)?.data).toEqual({ user_id: 'user-1', account_id: 'account-1', reason: 'admin', sessions: 3 });
  });

  it('every webhook type has a publisher mapped to it, and the body is exactly {type, timestamp, data}', () => {
    const messages = EVENTS.map((e) => webhookMessageOf(e as Recorded)!);
    expect([...new Set(messages.map((m) => m.type))].sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    for (const m of messages) expect(Object.keys(m).sort()).toEqual(['data', 'timestamp', 'type']);
  });

  it('I1: no body of any type carries the address, a name, the language or the actor (only ids, path names, counts)', () => {
    for (const event of EVENTS) {
      const body = JSON.stringify(webhookMessageOf(event as Recorded));
      expect([event.type, body]).toEqual([event.type, expect.not.stringMatching(/ada|secret@|example\.com|"de"|key-1|email|first/i)]);
      for (const value of Object.values(webhookMessageOf(event as Recorded)!.data)) expect(['string', 'number', 'boolean']).toContain(typeof value);
    }
  });

  it('events of a user of no account have no webhook (subscriptions belong to accounts)', () => {
    for (const event of EVENTS) expect(webhookMessageOf({ ...event, user: { ...user, accountId: null } } as Recorded)).toBeNull();
  });

  it('a subscription without events wants every type; one with events, only those', () => {
    expect(WEBHOOK_EVENT_TYPES.every((t) => wants(null, t))).toBe(true);
    expect(wants(['password.set'], 'password.set')).toBe(true);
    expect(wants(['password.set'], 'user.deleted')).toBe(false);
  });
});
