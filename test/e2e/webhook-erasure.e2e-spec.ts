import { WebhookReceiver } from '../support/webhook-receiver';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createUser, dumpAllTables, failInsertsInto, GOOD_PASSWORD, sql } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';
import { deliveriesOf, eventually, register } from './support/webhooks';

/**
 * Issue 21 with CONTRACT.md "The end of a user's life": DELETE /users/{id} erases what names the user,
 * the webhook outbox included. Every earlier delivery about the user, sent or still queued, goes in the
 * transaction of the erasure; the `user.deleted` event (ids only, CONTRACT.md "Webhooks") is still
 * queued and delivered, and is then the only webhook row that names the user.
 */
describeEachDatabase('webhooks: erasing a user erases its deliveries, and user.deleted still arrives (issue 21)', (kind) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  withAppAndSmtp(kind, (app) => {
    t = app;
  }, { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_TIMEOUT_SECONDS: '3' } });
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  /** Every row of the webhook tables that mentions `text` (case-insensitive), as "table: event type", sorted. */
  const webhookRowsNaming = async (text: string) => {
    const dump = JSON.parse(await dumpAllTables(t)) as Record<string, Array<Record<string, unknown>>>;
    return Object.entries(dump).filter(([table]) => table.startsWith('webhook'))
      .flatMap(([table, rows]) => rows.filter((row) => JSON.stringify(row).toLowerCase().includes(text.toLowerCase())).map((row) => `${table}: ${row.event_type ?? row.id}`))
      .sort();
  };

  it('no webhook row names the erased user but its user.deleted event, which arrives with its ids only; sent and queued deliveries go with the user, atomically', async () => {
    const { accountId } = await createAccount(t);
    const fine = await register(t, accountId, receiver.url('/erase-fine'));
    const down = await register(t, accountId, receiver.url('/erase-down'));
    receiver.answer = (r) => (r.path === '/erase-down' ? 503 : 204);
    try {
      const erased = await createUser(t, accountId);
      const kept = await createUser(t, accountId);
      await t.http.post(`/v1/password/${erased.userId}`).set(admin).send({ password: { value: GOOD_PASSWORD } }).expect(200);
      await t.http.patch(`/users/${erased.userId}`).set(admin).send({ disabled: true }).expect(200);
      // Sent to the fine receiver (delivered rows), failing at the other (pending rows, retried later).
      await eventually('delivered to the fine receiver', () => deliveriesOf(t, fine.id), (rows) => rows.length === 4 && rows.every((d) => d.status === 'delivered'));
      await eventually('queued for the failing one', () => deliveriesOf(t, down.id), (rows) => rows.length === 4 && rows.every((d) => d.status === 'pending') && rows.some((d) => d.attempts >= 1));
      const before = await webhookRowsNaming(erased.userId);
      expect(before).toEqual(['user.created', 'password.set', 'user.disabled'].flatMap((type) => [`webhook_deliveries: ${type}`, `webhook_deliveries: ${type}`]).sort());

      // The erasure and the purge are one transaction: when the user.deleted event cannot be queued, nothing is erased.
      const restore = await failInsertsInto(t, 'webhook_deliveries');
      const failed = await t.http.delete(`/users/${erased.userId}`).set(admin);
      await restore();
      expect(failed.status).toBeGreaterThanOrEqual(500);
      await t.http.get(`/users/${erased.userId}`).set(admin).expect(200);
      expect(await webhookRowsNaming(erased.userId)).toEqual(before);

      const since = receiver.received.length;
      await t.http.delete(`/users/${erased.userId}`).set(admin).expect(204);
      await t.http.get(`/users/${erased.userId}`).set(admin).expect(404);
      expect(await webhookRowsNaming(erased.userId)).toEqual(['webhook_deliveries: user.deleted', 'webhook_deliveries: user.deleted']);
      // No row of any table holds the address, the webhook tables included.
      expect((await dumpAllTables(t)).toLowerCase()).not.toContain(erased.email.toLowerCase());
      // Only the erased user's rows went: the other user's events stay, at both subscriptions.
      expect(await webhookRowsNaming(kept.userId)).toEqual(['webhook_deliveries: user.created', 'webhook_deliveries: user.created']);

      const heard = await receiver.waitFor((r) => r.path === '/erase-fine' && r.json.type === 'user.deleted', 10_000, since);
      expect(WebhookReceiver.verify(fine.secret, heard, t.clock.nowMs())).toEqual({ type: 'user.deleted', timestamp: expect.any(String), data: { user_id: erased.userId, account_id: accountId } });
      expect(heard.body.toLowerCase()).not.toContain(erased.email.toLowerCase());
      const [row] = await eventually('user.deleted recorded as delivered', () => sql<{ status: string }>(t, 'SELECT status FROM webhook_deliveries WHERE webhook_id = $1 AND event_type = $2', [fine.id, 'user.deleted']), ([d]) => d?.status === 'delivered');
      expect(row.status).toBe('delivered');
      expect((await dumpAllTables(t)).toLowerCase()).not.toContain(erased.email.toLowerCase());
    } finally {
      receiver.answer = () => 204;
    }
  });
});
