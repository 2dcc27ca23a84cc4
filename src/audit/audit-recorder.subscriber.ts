import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditTrail, type AuditActor, type AuditEventInput } from '../common/audit-trail';
import { DomainEvents, type Recorded } from '../common/domain-events';

/** How each dialect's secret proves the right to set the password (the `password.set` event's `flow`). */
const FLOW_OF: Record<string, string> = { D1: 'invitation', D2: 'verification', D3: 'integrator', D4: 'recovery', D5: 'recovery' };

/** The API key behind an API-key actor, in the event's details (by id, never the key). */
const keyOf = (actor: AuditActor): Record<string, string | null> => (actor.kind === 'api_key' ? { api_key_id: actor.id ?? null } : {});

/** The stored audit event of each domain event (docs/audit.md), or null for one that is not audited. */
export function auditEventOf(event: Recorded): AuditEventInput | null {
  const base = { userId: event.user.id, accountId: event.user.accountId, actor: event.actor, outcome: 'success' };
  const sessions_revoked = event.sessionsRevoked ?? 0;
  switch (event.type) {
    case 'password.set':
      return {
        ...base, type: 'password.set',
        details: { dialect: event.via, flow: FLOW_OF[event.via] ?? 'direct', mode: event.mode, replaced: event.replaced, ...keyOf(event.actor), sessions_revoked },
      };
    case 'password.imported':
      return { ...base, type: 'password.imported', details: { format: event.format, algorithm: event.algorithm, replaced: event.replaced, ...keyOf(event.actor), sessions_revoked } };
    case 'password.removed':
      return { ...base, type: 'password.removed', details: { dialect: event.via, ...keyOf(event.actor), sessions_revoked } };
    case 'sessions.revoked':
      return { ...base, type: 'session.revoked', details: { reason: event.reason, sessions: event.sessions } };
    default:
      return null;
  }
}

/** Records the audit event of every domain event, in the transaction of the change it reports. */
@Injectable()
export class AuditRecorder implements OnModuleInit {
  constructor(private readonly events: DomainEvents, private readonly audit: AuditTrail) {}

  onModuleInit(): void {
    this.events.subscribe('record', 'audit: events', (em, event) => this.handle(em, event));
  }

  private async handle(em: EntityManager, event: Recorded): Promise<void> {
    const input = auditEventOf(event);
    if (input) await this.audit.record(em, input);
  }
}
