import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import type { UserPrincipal } from './principals';
import { SessionsService } from './sessions.service';

/**
 * POST /auth/logout: revokes every refresh token of the caller (all devices). Access tokens are
 * stateless and short-lived; they run out on their own (ACCESS_TOKEN_TTL_SECONDS).
 */
@Injectable()
export class LogoutUseCase {
  constructor(private readonly sessions: SessionsService, private readonly uow: UnitOfWork) {}

  async execute(caller: UserPrincipal): Promise<void> {
    await this.uow.run((em) => this.sessions.revokeAll(em, caller.userId));
  }
}
