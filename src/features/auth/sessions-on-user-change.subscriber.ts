import { Injectable, OnModuleInit } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { DomainEvents, type EventFacts, type Recorded } from '../../ground/common/domain-events';
import { SecretKeys } from '../../ground/common/secrets';
import { normalizeEmail } from '../../core/entities/email';
import { LoginKnownNetwork } from './login-known-network.entity';
import { loginTargetSecret } from './login-limits';
import { SessionsService } from '../../core/sessions/sessions.service';

/** The `sessions.revoked` reason of each change that ends a user's sessions. */
const REASONS: Partial<Record<Recorded['type'], string>> = {
  'password.set': 'password_set',
  'password.imported': 'password_imported',
  'password.removed': 'password_removed',
  'user.disabled': 'user_disabled',
};

/**
 * What a user's changes do to its sessions and sign-in records, in the change's transaction:
 * - a changed, imported or removed password, and disabling the user, end every session (SECURITY.md D1):
 *   the user's live refresh tokens are revoked and, when there were any, `sessions.revoked` is published
 *   (its recorders write the `session.revoked` audit event); reports how many it ended;
 * - erasing the user forgets the networks it logged in from (keyed by its address's hash; its sessions
 *   go with its row).
 */
@Injectable()
export class SessionsOnUserChange implements OnModuleInit {
  constructor(private readonly events: DomainEvents, private readonly sessions: SessionsService, private readonly secrets: SecretKeys) {}

  onModuleInit(): void {
    this.events.subscribe('effect', 'auth: sessions on user change', (em, event) => this.handle(em, event));
  }

  private async handle(em: EntityManager, event: Recorded): Promise<EventFacts | void> {
    if (event.type === 'user.deleted') {
      const targetRefs = this.secrets.lookupHashes(loginTargetSecret(normalizeEmail(event.user.email)));
      await em.delete(LoginKnownNetwork, { targetRef: In(targetRefs) });
      return;
    }
    const reason = REASONS[event.type];
    if (!reason) return;
    const sessions = await this.sessions.revokeAll(em, event.user.id);
    if (sessions > 0) await this.events.publish(em, { type: 'sessions.revoked', user: event.user, actor: event.actor, at: event.at, reason, sessions });
    return { sessionsRevoked: sessions };
  }
}
