/**
 * The port through which the ground and the core count (GET /metrics): the limiters count their hits, the
 * mail outbox its sends and failures, the webhook worker its attempts. Provided by src/features/metrics (`AppMetrics`, a global module);
 * taken as optional, so unit tests and tools need none. The same pattern as `AuditTrail`.
 */
export abstract class OperationalMetrics {
  /** A request or attempt refused by a limit of this budget (`budgetOfLimitKey`). */
  abstract limitHit(budget: string): void;
  /** Outbox messages accepted by the SMTP server. */
  abstract readonly mailSent: { inc(): void };
  /** Outbox send failures by outcome (`retry` or `dead`). */
  abstract readonly mailFailures: { labels(outcome: 'retry' | 'dead'): { inc(): void } };
  /** Webhook delivery attempts by outcome. */
  abstract readonly webhookAttempts: { labels(outcome: string): { inc(): void } };
  /** Time of one webhook attempt by outcome, in seconds. */
  abstract readonly webhookDuration: { labels(outcome: string): { observe(seconds: number): void } };
  /** Webhook deliveries given up. */
  abstract readonly webhookGivenUp: { inc(): void };
  /** Webhooks paused, by why (`failing`, `admin`). */
  abstract readonly webhookPauses: { labels(why: 'failing' | 'admin'): { inc(): void } };
}

/**
 * The budget a limit key belongs to (the key's first part), never the key itself: keys carry client
 * addresses and hashes of targets, which must not become label values.
 */
export function budgetOfLimitKey(key: string): string {
  if (key.startsWith('login:')) return 'login';
  if (key.startsWith('oauth:')) return 'oauth';
  if (key.startsWith('verify:')) return 'verification';
  if (key.startsWith('pr:request:') || key.startsWith('pr:mail:')) return 'reset_request';
  if (key.startsWith('pr:')) return 'reset';
  if (key.startsWith('admin:invitation:')) return 'invitation_resend';
  return 'other';
}
