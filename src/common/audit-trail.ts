import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Audit event types (CONTRACT.md "Audit events"). Dotted `<subject>.<what happened>`; limit hits
 * end in `.limited`.
 */
export type AuditEventType =
  | 'password.set'
  | 'password.removed'
  | 'login.failed'
  | 'login.limited'
  | 'session.revoked'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'recovery.requested'
  | 'reset.failed'
  | 'reset.limited'
  | 'verification.limited'
  | 'rate_limit.hit';

/** Who did it: a user (by id), an API key (by its id, never the key), nobody known, or the service itself. */
export interface AuditActor {
  kind: 'user' | 'api_key' | 'anonymous' | 'system';
  id?: string | null;
}

/**
 * One event to record. Never put a secret, hash, password or code in it; `details` holds only
 * ids, names of dialects/flows, counts and outcomes (strings, numbers, booleans).
 */
export interface AuditEventInput {
  type: AuditEventType;
  userId?: string | null;
  accountId?: string | null;
  actor: AuditActor;
  /** The client address as resolved by Express (TRUST_PROXY aware), or null. */
  clientIp?: string | null;
  /** 'success', 'failure', 'limited', or a domain error code. */
  outcome: string;
  details?: Record<string, string | number | boolean | null>;
}

/**
 * The port every feature records audit events through. `em` given: written in that transaction, so
 * the event exists exactly when the change it records does. `em` null: written on its own (events
 * about refusals, which change nothing else). Implemented by the audit module.
 */
export abstract class AuditTrail {
  abstract record(em: EntityManager | null, event: AuditEventInput): Promise<void>;
}

/** Placeholder until the audit module stores events: writes them to the log only. */
export class LoggingAuditTrail extends AuditTrail {
  private readonly logger = new Logger('Audit');
  async record(_em: EntityManager | null, event: AuditEventInput): Promise<void> {
    this.logger.log({ event: event.type, ...event }, event.type);
  }
}
