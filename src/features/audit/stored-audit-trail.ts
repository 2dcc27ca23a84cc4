import { isIP } from 'node:net';
import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditEventInput, AuditTrail } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { clientAddress } from '../../ground/common/client-ip';
import { currentRequestContext } from '../../ground/common/request-context';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { User } from '../../core/entities/user.entity';
import { AuditEvent } from './audit-event.entity';
import { insertRows } from '../../ground/database/sql';

/** Detail keys that could only hold a secret or personal data; such a detail is dropped, never stored. */
const FORBIDDEN_DETAIL_KEY = /pass|secret|token|hash|code|email|otp|jwt|cookie|authorization|^key$|_key$/i;
const DETAIL_KEY = /^[a-z][a-z0-9_]{0,39}$/;
const MAX_DETAILS = 20;
const MAX_TEXT = 200;

/**
 * The `AuditTrail` port, stored in `audit_events` (docs/audit.md).
 *
 * `record(em, event)` inserts the event with `em`, inside the caller's transaction, so it commits or
 * rolls back with the change it records; `record(null, event)` writes it on its own (autocommit).
 * Fills in what the caller may leave out: the time (injected Clock), the account (the user's), the
 * client address (the request being served). Details are reduced to at most 20 primitive values
 * under snake_case keys; a key that names a secret (password, token, code, hash, email, key...) is
 * dropped with a warning, so a careless caller cannot store one under an obvious name.
 */
@Injectable()
export class StoredAuditTrail extends AuditTrail {
  private readonly logger = new Logger('Audit');

  constructor(private readonly clock: Clock, private readonly uow: UnitOfWork) {
    super();
  }

  async record(em: EntityManager | null, event: AuditEventInput): Promise<void> {
    // One spelling of an address, the logs' (an IPv4 client of a dual-stack socket as a.b.c.d).
    const clientIp = clientAddress(event.clientIp === undefined ? currentRequestContext()?.clientIp : event.clientIp);
    const write = async (tx: EntityManager) => {
      const accountId = event.accountId !== undefined ? event.accountId : await this.accountOf(tx, event.userId ?? null);
      await insertRows(tx, AuditEvent, [{
        id: randomUUID(),
        type: event.type,
        at: this.clock.now(),
        userId: event.userId ?? null,
        accountId,
        actorKind: event.actor.kind,
        actorId: event.actor.id ?? null,
        // Only an address: with TRUST_PROXY, X-Forwarded-For may carry anything.
        clientIp: isAddress(clientIp) ? clientIp : null,
        outcome: event.outcome.slice(0, 40),
        details: this.cleanDetails(event),
      }]);
    };
    if (em) await write(em);
    // Alone, one INSERT (after reading the user's account): atomic without a transaction around it.
    else await this.uow.runAutocommit(write);
  }

  private async accountOf(em: EntityManager, userId: string | null): Promise<string | null> {
    if (!userId) return null;
    const user = await em.findOne(User, { where: { id: userId }, select: { id: true, accountId: true } });
    return user?.accountId ?? null;
  }

  private cleanDetails(event: AuditEventInput): Record<string, string | number | boolean | null> {
    const clean: Record<string, string | number | boolean | null> = {};
    for (const [key, value] of Object.entries(event.details ?? {}).slice(0, MAX_DETAILS)) {
      if (!DETAIL_KEY.test(key) || FORBIDDEN_DETAIL_KEY.test(key.replace(/_id$/, '_ref'))) {
        this.logger.warn(`audit event ${event.type}: detail "${key.slice(0, 40)}" dropped (not an allowed detail name)`);
        continue;
      }
      if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) clean[key] = value;
      else if (typeof value === 'string') clean[key] = value.slice(0, MAX_TEXT);
    }
    return clean;
  }
}

/** An IP address, or a network as the limiters count it (`<IPv6 prefix>::/64`); anything else is not stored. */
function isAddress(value: string | null): value is string {
  if (!value) return false;
  const [address, bits, ...rest] = value.split('/');
  return rest.length === 0 && isIP(address) !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits));
}
