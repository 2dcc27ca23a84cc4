import type { EntityManager } from 'typeorm';

/**
 * Audit event types (CONTRACT.md "Audit events"; docs/audit.md). Dotted `<subject>.<what happened>`;
 * limit hits end in `.limited`. Add a type here (the one list): the `type` filter of
 * `GET /audit-events` and its OpenAPI enum follow it.
 */
export const AUDIT_EVENT_TYPES = [
  'password.set',
  'password.removed',
  'password.imported',
  'login.failed',
  'login.limited',
  'session.revoked',
  'api_key.created',
  'api_key.revoked',
  'user.role_changed',
  'oauth.token_issued',
  'oauth.limited',
  'recovery.requested',
  'reset.failed',
  'reset.limited',
  'verification.limited',
  'rate_limit.hit',
  'user.invitation_sent',
  'user.password_reset_sent',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.paused',
  'webhook.resumed',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AUDIT_ACTOR_KINDS = ['user', 'api_key', 'anonymous', 'system'] as const;

/** Who did it: a user (by id), an API key (by its id, never the key), nobody known, or the service itself. */
export interface AuditActor {
  kind: (typeof AUDIT_ACTOR_KINDS)[number];
  id?: string | null;
}

/**
 * One event to record. Never put a secret, hash, password, code or email address in it; `details`
 * holds only ids, names of dialects/flows, counts and outcomes (strings, numbers, booleans).
 */
export interface AuditEventInput {
  type: AuditEventType;
  userId?: string | null;
  /** Undefined: taken from the user (`userId`) when there is one. Null: no account. */
  accountId?: string | null;
  actor: AuditActor;
  /**
   * The client address as resolved by Express (TRUST_PROXY aware). Undefined: the address of the
   * HTTP request being served (src/ground/common/request-context.ts), or null outside a request.
   */
  clientIp?: string | null;
  /** 'success', 'failure', 'limited', or a domain error code. */
  outcome: string;
  details?: Record<string, string | number | boolean | null>;
}

/**
 * The port every feature records audit events through (implemented by src/features/audit, AuditModule).
 * `em` given: written in that transaction, so the event exists exactly when the change it records
 * does (a rollback takes the event with it). `em` null: written on its own (UnitOfWork.runAutocommit; events
 * about refusals, which change nothing else); never pass null from inside `UnitOfWork.run`, which on
 * SQLite queues transactions one after another. A failed write throws like any other write.
 */
export abstract class AuditTrail {
  abstract record(em: EntityManager | null, event: AuditEventInput): Promise<void>;
}
