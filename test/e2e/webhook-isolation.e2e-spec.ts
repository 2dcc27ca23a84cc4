import { WebhookReceiver } from '../support/webhook-receiver';
import { describeEachDatabase } from './support/databases';
import { createAccount, createUser } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';
import { deliveriesOf, register } from './support/webhooks';

/**
 * Issue 21, webhooks (CONTRACT.md "Webhooks": "A slow or dead receiver never slows a request", and no
 * account's receiver slows another's deliveries): one account's receiver that accepts the connection and
 * never answers holds at most its own per-subscription share of the worker's attempts; every other
 * account's events are delivered while it hangs, not after its timeout.
 */
describeEachDatabase('webhooks: a hanging receiver delays no other account\'s deliveries (issue 21)', (kind) => {
  /** Long enough that "after the hang ended" and "while it hangs" cannot be confused on a busy machine. */
  const TIMEOUT_SECONDS = 10;
  let t: TestApp;
  let receiver: WebhookReceiver;
  withAppAndSmtp(kind, (app) => {
    t = app;
  }, { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS) } });
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  it('account B\'s event arrives while every attempt to account A\'s hanging receiver is still open, and A holds at most 2 attempts at once', async () => {
    const a = await createAccount(t);
    const b = await createAccount(t);
    const hookA = await register(t, a.accountId, receiver.url('/hang-a'), ['user.created']);
    const hookB = await register(t, b.accountId, receiver.url('/fine-b'), ['user.created']);
    receiver.answer = (r) => (r.path === '/hang-a' ? 'hang' : 204);
    /** A's requests whose connection the service still holds open (the attempt has not ended). */
    const openAtA = () => receiver.hanging.filter((res) => res.req.url === '/hang-a' && !res.socket?.destroyed).length;
    try {
      // Six events for A, more than one subscription's share of the attempts: they would fill the worker if nothing bounded them.
      for (let i = 0; i < 6; i++) await createUser(t, a.accountId);
      await receiver.waitFor((r) => r.path === '/hang-a');
      const hangStarted = Date.now();

      const { userId } = await createUser(t, b.accountId);
      const heard = await receiver.waitFor((r) => r.path === '/fine-b', (TIMEOUT_SECONDS - 2) * 1000);
      // B was heard while A's attempts were still hanging: none of them has ended or been recorded.
      const atA = await deliveriesOf(t, hookA.id);
      expect(openAtA()).toBeGreaterThan(0);
      expect(openAtA()).toBe(receiver.at('/hang-a').length); // every attempt A's receiver got is still open
      expect(atA.map((d) => [d.status, d.attempts, d.last_error])).toEqual(Array(6).fill(['pending', 0, null]));
      expect(heard.receivedAt - hangStarted).toBeLessThan(TIMEOUT_SECONDS * 1000);
      expect(heard.json).toMatchObject({ type: 'user.created', data: { user_id: userId, account_id: b.accountId } });
      expect(WebhookReceiver.verify(hookB.secret, heard, t.clock.nowMs())).toBeTruthy();

      // A little later, A still holds no more than its share: at most 2 of its 6 events attempted, the rest wait in the outbox.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.at('/hang-a').length).toBeGreaterThanOrEqual(1);
      expect(receiver.at('/hang-a').length).toBeLessThanOrEqual(2);
      expect(openAtA()).toBe(receiver.at('/hang-a').length);
      await expect(deliveriesOf(t, hookB.id)).resolves.toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);
    } finally {
      receiver.answer = () => 204;
    }
  });
});
