import { Injectable, Logger } from '@nestjs/common';
import { AuditTrail } from '../../ground/common/audit-trail';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import type { UserPrincipal } from '../../access/principals';
import { SessionsService } from '../../core/sessions/sessions.service';

/**
 * POST /auth/logout: revokes every refresh token of the caller (all devices) and records
 * `session.revoked` (reason logout) in the same transaction when there was anything to revoke. Access tokens are stateless and
 * short-lived; they run out on their own (ACCESS_TOKEN_TTL_SECONDS).
 */
@Injectable()
export class LogoutUseCase {
  private readonly logger = new Logger('Sessions');

  constructor(private readonly sessions: SessionsService, private readonly uow: UnitOfWork, private readonly audit: AuditTrail) {}

  async execute(caller: UserPrincipal): Promise<void> {
    await this.uow.run(async (em) => {
      const sessions = await this.sessions.revokeAll(em, caller.userId);
      // Nothing was revoked (already logged out everywhere): no event, so repeated logouts add no noise.
      if (sessions === 0) return;
      await this.audit.record(em, {
        type: 'session.revoked', userId: caller.userId, actor: { kind: 'user', id: caller.userId }, outcome: 'success', details: { reason: 'logout', sessions },
      });
    });
    this.logger.log({ event: 'session.revoked', userId: caller.userId, reason: 'logout' }, 'session.revoked');
  }
}
