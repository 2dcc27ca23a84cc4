import { webhookLeaseMs } from './webhook-delivery.worker';
import { LOOKUP_TIMEOUT_MS } from './webhook-targets';

describe('webhookLeaseMs (a claim outlives its attempt, so no other instance sends the same attempt)', () => {
  it.each([1_000, 3_000, 10_000, 60_000])('with WEBHOOK_TIMEOUT of %i ms, the lease exceeds the lookup and the attempt timeout together, with a margin of at least 30 s', (timeoutMs) => {
    expect(webhookLeaseMs(timeoutMs)).toBeGreaterThanOrEqual(LOOKUP_TIMEOUT_MS + timeoutMs + 30_000);
  });
});
