import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainEvents, type EventFacts, type Recorded } from '../common/domain-events';
import { SessionsService } from './sessions.service';

/** The `sessions.revoked` reason of each change that ends a user's sessions. */
const REASONS: Partial<Record<Recorded['type'], string>> = {
  'password.set': 'password_set',
  'password.imported': 'password_imported',
  'password.removed': 'password_removed',
};

/**
 * A changed, imported or removed password ends every session of the user (SECURITY.md D1): the user's
 * live refresh tokens are revoked in the change's transaction, and when there were any, `sessions.revoked`
 * is published (its recorders write the `session.revoked` audit event). Reports how many it ended.
 */
@Injectable()
export class EndSessionsOnPasswordChange implements OnModuleInit {
  constructor(private readonly events: DomainEvents, private readonly sessions: SessionsService) {}

  onModuleInit(): void {
    this.events.subscribe('effect', 'auth: end sessions', (em, event) => this.handle(em, event));
  }

  private async handle(em: EntityManager, event: Recorded): Promise<EventFacts | void> {
    const reason = REASONS[event.type];
    if (!reason) return;
    const sessions = await this.sessions.revokeAll(em, event.user.id);
    if (sessions > 0) await this.events.publish(em, { type: 'sessions.revoked', user: event.user, actor: event.actor, at: event.at, reason, sessions });
    return { sessionsRevoked: sessions };
  }
}
