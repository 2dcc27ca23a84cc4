import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditActor } from './audit-trail';
import type { Locale } from './locale';

/**
 * Domain events: what changed about a user's password or sign-in, published by the place where it changes
 * (the password pipeline, src/core/password/password-lifecycle.service.ts) inside the transaction of the change.
 * The side effects subscribe: ending sessions (src/features/auth), the "password changed" notice (src/core/mail), the
 * audit event (src/features/audit). The publisher names none of them (STYLE.md example 8), so a rollback takes
 * every effect with it and no effect happens without its change.
 */

/** Who an event is about: what its subscribers need (the notice's address and language), never a secret. */
export interface EventUser {
  id: string;
  accountId: string | null;
  email: string;
  firstName: string | null;
  locale: Locale | null;
}

interface EventBase {
  user: EventUser;
  actor: AuditActor;
  at: Date;
}

/**
 * - `password.set`: a password was set on any path. `via` is the path: `D1`…`D5`, `change` (the user
 *   changed it while signed in), `temporary` or `admin` (an administrator set it, to be changed at the
 *   next login or not); `mode` what the path allows (`initial`: only a first password; `replace`);
 *   `replaced` whether a password was replaced; `changePasswordUrl` the account's change address as read with the
 *   user (null: none; absent: not read, the notice reads it).
 * - `password.imported`: a hash from another system became the current one (no notice: the password did not change).
 * - `password.removed`: the password was removed (D3 `DELETE`).
 * - `sessions.revoked`: live sessions ended, `sessions` of them, for `reason` (`password_set`, `admin`, …).
 * - `user.created`: a user was created, `via` `account` (the owner of a new account), `invitation` (an
 *   administrator invited it) or `signup` (self sign-up).
 * - `user.disabled`, `user.enabled`: an administrator disabled or enabled the user.
 * - `user.deleted`: the user was erased (its row is gone by the time the recorders run; `user` is its last view).
 */
export type DomainEvent =
  | (EventBase & { type: 'password.set'; via: string; mode: 'initial' | 'replace'; replaced: boolean; changePasswordUrl?: string | null })
  | (EventBase & { type: 'password.imported'; format: string; algorithm: string; replaced: boolean })
  | (EventBase & { type: 'password.removed'; via: string })
  | (EventBase & { type: 'sessions.revoked'; reason: string; sessions: number })
  | (EventBase & { type: 'user.created'; via: 'account' | 'invitation' | 'signup' })
  | (EventBase & { type: 'user.disabled' })
  | (EventBase & { type: 'user.enabled' })
  | (EventBase & { type: 'user.deleted' });

export type DomainEventType = DomainEvent['type'];

/** What the effect subscribers learned while acting (e.g. how many sessions they ended), for the recorders. */
export interface EventFacts {
  sessionsRevoked?: number;
}

export type Recorded<E extends DomainEvent = DomainEvent> = E & EventFacts;

/**
 * - `effect`: changes that belong to the change itself (ending sessions); run first, in subscription
 *   order, and may report facts.
 * - `record`: what tells about it (the audit event, the notice email, outgoing webhooks); run after every
 *   effect, with the facts.
 */
export type Phase = 'effect' | 'record';
export type EventHandler = (em: EntityManager, event: Recorded) => Promise<EventFacts | void>;

/** The in-process event bus: subscribers register at start (onModuleInit); publish runs them in the publisher's transaction. */
@Injectable()
export class DomainEvents {
  private readonly logger = new Logger('DomainEvents');
  private readonly handlers: Record<Phase, Array<{ name: string; handle: EventHandler }>> = { effect: [], record: [] };

  /** Registers a handler once per name (a module initialised twice does not subscribe twice). */
  subscribe(phase: Phase, name: string, handle: EventHandler): void {
    if (this.handlers[phase].some((h) => h.name === name)) return;
    this.handlers[phase].push({ name, handle });
  }

  /**
   * Runs every effect handler, then every record handler, in `em`'s transaction; a handler that throws
   * aborts the publisher's transaction (the change does not happen without its effects). Answers the
   * event with the facts the effects reported.
   */
  async publish<E extends DomainEvent>(em: EntityManager, event: E): Promise<Recorded<E>> {
    const recorded: Recorded<E> = { ...event };
    for (const h of this.handlers.effect) Object.assign(recorded, (await h.handle(em, recorded)) ?? {});
    for (const h of this.handlers.record) await h.handle(em, recorded);
    if (this.handlers.record.length === 0) this.logger.debug(`${event.type}: no recorder subscribed`);
    return recorded;
  }
}

/** The event's view of a user row. */
export function eventUser(user: EventUser): EventUser {
  return { id: user.id, accountId: user.accountId, email: user.email, firstName: user.firstName, locale: user.locale };
}
