/** When the webhook worker (webhook-delivery.worker.ts) tries, retries, pauses and forgets deliveries. */

/**
 * The wait after each failed attempt (the Standard Webhooks reference schedule): 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h. Eight attempts over 27 h 35 min, each with the same `webhook-id`.
 */
export const WEBHOOK_RETRY_DELAYS_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_MS.length + 1;
/** A subscription whose receiver has failed every attempt for this long is paused at its next failure. */
export const WEBHOOK_PAUSE_AFTER_MS = 24 * 3_600_000;
/** How often the worker looks for due deliveries while the app runs. */
export const WEBHOOK_POLL_INTERVAL_MS = 1_000;
/** Attempts in flight at once, per instance. */
export const WEBHOOK_LANES = 8;
/** Deliveries claimed per round. */
export const WEBHOOK_BATCH_SIZE = 32;
/** Claims per pass, so one pass cannot run forever; the next poll continues. */
export const WEBHOOK_ROUNDS_PER_PASS = 20;
/** Delivered and given-up deliveries are kept this long (for operators), then removed. */
export const WEBHOOK_DELIVERY_RETENTION_MS = 7 * 86_400_000;
/** How often delivered and given-up deliveries past their retention are removed. */
export const WEBHOOK_SWEEP_INTERVAL_MS = 3_600_000;

/** The wait after `attempts` failed attempts. */
export function webhookRetryDelayMs(attempts: number): number {
  return WEBHOOK_RETRY_DELAYS_MS[Math.min(Math.max(attempts, 1), WEBHOOK_RETRY_DELAYS_MS.length) - 1];
}
