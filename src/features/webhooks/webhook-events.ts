import type { Recorded } from '../../ground/common/domain-events';

/**
 * The event types a webhook subscription can ask for (CONTRACT.md "Webhooks"). A subscription without
 * `events` receives every type, including types added later.
 */
export const WEBHOOK_EVENT_TYPES = [
  'password.set',
  'password.removed',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'sessions.revoked',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How a password was set, in the webhook body's `data.via`: the path's purpose, never a dialect id. */
export const PASSWORD_SET_VIA = ['invitation', 'verification', 'integrator', 'recovery', 'reset', 'change', 'temporary', 'admin', 'import'] as const;

/** The domain event's `via` (src/ground/common/domain-events.ts) as the webhook says it: D1…D5 by what their secret proves. */
const VIA_OF_DIALECT: Record<string, string> = { D1: 'invitation', D2: 'verification', D3: 'integrator', D4: 'recovery', D5: 'reset' };

/** The `data` of a webhook event: who it is about, and what the type adds. Only ids, names of paths, counts. */
export type WebhookData = { user_id: string; account_id: string } & Record<string, string | number | boolean>;

/** What a webhook event says, before it is addressed to a subscription. */
export interface WebhookMessage {
  type: WebhookEventType;
  /** The moment of the change (ISO 8601, UTC). */
  timestamp: string;
  data: WebhookData;
}

/**
 * The webhook event of a domain event, or null when there is none: an event type no webhook reports
 * (none today), or a user of no account (subscriptions belong to accounts).
 *
 * Built field by field from the event's ids and path names: never the address, a name, a secret, a
 * code, a password or a hash (the domain events carry none of the last four; the first two stay out).
 * - `password.set`: `via` (PASSWORD_SET_VIA; a path not listed there is passed on as published) and
 *   `replaced` (false: the user's first password). An imported hash is `password.set` with `via: "import"`.
 * - `password.removed`: `via` (`integrator`: D3's DELETE).
 * - `user.created`: `via` (`account`: the owner of a new account, `invitation`, `signup`).
 * - `sessions.revoked`: `reason` (`password_set`, `password_imported`, `password_removed`, `user_disabled`, `admin`) and `sessions` (how many ended).
 * - `user.disabled`, `user.enabled`, `user.deleted`: the ids only.
 */
export function webhookMessageOf(event: Recorded): WebhookMessage | null {
  const accountId = event.user.accountId;
  if (!accountId) return null;
  const message = (type: WebhookEventType, extra: Record<string, string | number | boolean> = {}): WebhookMessage => ({
    type,
    timestamp: event.at.toISOString(),
    data: { user_id: event.user.id, account_id: accountId, ...extra },
  });
  switch (event.type) {
    case 'password.set':
      return message('password.set', { via: VIA_OF_DIALECT[event.via] ?? event.via, replaced: event.replaced });
    case 'password.imported':
      return message('password.set', { via: 'import', replaced: event.replaced });
    case 'password.removed':
      return message('password.removed', { via: VIA_OF_DIALECT[event.via] ?? event.via });
    case 'sessions.revoked':
      return message('sessions.revoked', { reason: event.reason, sessions: event.sessions });
    case 'user.created':
      return message('user.created', { via: event.via });
    case 'user.disabled':
    case 'user.enabled':
    case 'user.deleted':
      return message(event.type);
    default:
      return null;
  }
}

/** Does a subscription asking for `events` (null: every type) want `type`? */
export function wants(events: readonly string[] | null, type: WebhookEventType): boolean {
  return events === null || events.includes(type);
}
