import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditTrail, type AuditActor, type AuditEventInput } from '../../ground/common/audit-trail';
import { DomainEvents, type Recorded } from '../../ground/common/domain-events';
import { AuditEvent } from './audit-event.entity';

/** How each dialect's secret proves the right to set the password (the `password.set` event's `flow`). */
const FLOW_OF: Record<string, string> = { D1: 'invitation', D2: 'verification', D3: 'integrator', D4: 'recovery', D5: 'recovery' };

/** The API key behind an API-key actor, in the event's details (by id, never the key). */
const keyOf = (actor: AuditActor): Record<string, string | null> => (actor.kind === 'api_key' ? { api_key_id: actor.id ?? null } : {});

/** The stored audit event of each domain event (docs/audit.md), or null for one that is not audited. */
export function auditEventOf(event: Recorded): AuditEventInput | null {
  const base = { userId: event.user.id, accountId: event.user.accountId, actor: event.actor, outcome: 'success' };
  const sessions_revoked = event.sessionsRevoked ?? 0;
  switch (event.type) {
    case 'password.set': {
      // A dialect names itself and its flow; the other paths (change, temporary, admin) are their own flow.
      const path: Record<string, string> = FLOW_OF[event.via] ? { dialect: event.via, flow: FLOW_OF[event.via] } : { via: event.via, flow: event.via };
      return { ...base, type: 'password.set', details: { ...path, mode: event.mode, replaced: event.replaced, ...keyOf(event.actor), sessions_revoked } };
    }
    case 'password.imported':
      return { ...base, type: 'password.imported', details: { format: event.format, algorithm: event.algorithm, replaced: event.replaced, ...keyOf(event.actor), sessions_revoked } };
    case 'password.removed':
      return { ...base, type: 'password.removed', details: { dialect: event.via, ...keyOf(event.actor), sessions_revoked } };
    case 'sessions.revoked':
      return { ...base, type: 'session.revoked', details: { reason: event.reason, sessions: event.sessions } };
    case 'user.disabled':
    case 'user.enabled':
      return { ...base, type: event.type, details: { sessions_revoked } };
    case 'user.deleted':
      return { ...base, type: 'user.deleted' };
    default:
      return null;
  }
}

/**
 * Records the audit event of every domain event, in the transaction of the change it reports. Erasing a
 * user strips the client address from the events about it or by it (they keep their ids; no event holds
 * an email address).
 */
@Injectable()
export class AuditRecorder implements OnModuleInit {
  constructor(private readonly events: DomainEvents, private readonly audit: AuditTrail) {}

  onModuleInit(): void {
    this.events.subscribe('effect', 'audit: forget addresses of erased users', async (em, event) => {
      if (event.type !== 'user.deleted') return;
      await em.createQueryBuilder().update(AuditEvent).set({ clientIp: null })
        .where('user_id = :id OR (actor_kind = :user AND actor_id = :id)', { id: event.user.id, user: 'user' }).execute();
    });
    this.events.subscribe('record', 'audit: events', (em, event) => this.handle(em, event));
  }

  private async handle(em: EntityManager, event: Recorded): Promise<void> {
    const input = auditEventOf(event);
    if (input) await this.audit.record(em, input);
  }
}
