import { WebhookDeliveryWorker } from '../../../src/features/webhooks/webhook-delivery.worker';
import { admin, sql } from './factories';
import type { TestApp } from './test-app';

/** Helpers of the webhook suites (webhooks*.e2e-spec.ts, webhook-*.e2e-spec.ts). */

export const worker = (t: TestApp): WebhookDeliveryWorker => t.app.get(WebhookDeliveryWorker);

/** POST /accounts/{id}/webhooks to `url`; asserts 201 and answers the id and the secret. */
export async function register(t: TestApp, accountId: string, url: string, events?: string[]): Promise<{ id: string; secret: string }> {
  const res = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url, ...(events ? { events } : {}) });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.data.id, secret: res.body.data.secret };
}

export interface DeliveryRow {
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}

/** The webhook's deliveries, oldest first. */
export async function deliveriesOf(t: TestApp, webhookId: string): Promise<DeliveryRow[]> {
  return sql(t, 'SELECT event_id, event_type, status, attempts, last_status, last_error FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at, id', [webhookId]);
}

/** Polls `probe` until `holds` (the worker runs on its own too). */
export async function eventually<T>(what: string, probe: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (holds(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
