import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signatureOf, webhookHeaders } from './webhook-signature';

describe('Standard Webhooks 1.0 signing', () => {
  const body = JSON.stringify({ type: 'password.set', timestamp: '2026-03-14T09:26:53.000Z', data: { user_id: 'u', account_id: 'a', via: 'reset' } });

  it('a secret is whsec_ and the base64 of 32 random bytes, different every time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it('the headers verify with the standardwebhooks library, and a changed body, id or timestamp does not', () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secret], 'evt-1', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('reset', 'admin'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt-2' })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': String(now - 1) })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('during a rotation both secrets sign: either verifies alone', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([current, previous], 'evt-1', now, body);
    expect(headers['webhook-signature'].split(' ')).toEqual([signatureOf(current, 'evt-1', now, body), signatureOf(previous, 'evt-1', now, body)]);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });

  it('signs exactly as the standardwebhooks library\'s own sign() (an independent implementation) for any id, time and body', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3jEDJ0xQp5Q=';
    for (const [id, ts, payload] of [['msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'], ['evt-ü', 1, body]] as const) {
      expect(signatureOf(secret, id, ts, payload)).toBe(new Webhook(secret).sign(id, new Date(ts * 1000), payload));
    }
  });
});
