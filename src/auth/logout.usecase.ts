import { Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import type { UserPrincipal } from './principals';
import { SessionsService } from './sessions.service';

/**
 * POST /auth/logout: revokes every refresh token of the caller (all devices). Access tokens are
 * stateless and short-lived; they run out on their own (ACCESS_TOKEN_TTL_SECONDS).
 */
@Injectable()
export class LogoutUseCase {
  private readonly logger = new Logger('Sessions');

  constructor(private readonly sessions: SessionsService, private readonly uow: UnitOfWork) {}

  async execute(caller: UserPrincipal): Promise<void> {
    await this.uow.run((em) => this.sessions.revokeAll(em, caller.userId));
    this.logger.log({ event: 'session.revoked', userId: caller.userId, reason: 'logout' }, 'session.revoked');
  }
}
