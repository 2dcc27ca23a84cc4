import { Injectable, Logger } from '@nestjs/common';
import { DomainError, InvalidTokenError } from '../common/errors/domain-errors';
import { PasswordLifecycleService } from '../password/password-lifecycle.service';
import { OneTimeTokensService } from '../tokens/one-time-tokens.service';
import { AttemptLimiter } from '../common/attempt-limiter.service';
import { clientKey } from '../common/client-ip';
import { PasswordResetResponseDto } from './dto/password-reset-response.dto';
import { resetFailureLimits } from './recovery-limits';
import { assertMayReset } from './reset-guards';

export interface ResetWithCodeCommand {
  code: string;
  newPassword: string;
  clientIp: string;
}

/**
 * D5 `POST /v1/auth/password-reset/reset`: the code alone names the user.
 *
 * 1. A failure is counted in advance against the client's and the global limit (429 when either is
 *    exhausted; SECURITY.md B7, J6, docs/recovery.md): no code is looked up past a limit.
 * 2. The code is looked up by its keyed hash. Unknown, used or expired: the count stays, 400.
 * 3. A live code is not a failure: the count is given back, and the shared pipeline runs: policy and
 *    history first (a rejected password leaves the code usable, A15), then one transaction that
 *    consumes the code (conditional UPDATE: one winner, H1), stores the hash and the history entry,
 *    voids the user's other codes, revokes refresh tokens and queues the "password changed" notice.
 */
@Injectable()
export class ResetWithCodeUseCase {
  private readonly logger = new Logger('Recovery');

  constructor(
    private readonly lifecycle: PasswordLifecycleService,
    private readonly tokens: OneTimeTokensService,
    private readonly limiter: AttemptLimiter,
  ) {}

  async execute(cmd: ResetWithCodeCommand): Promise<PasswordResetResponseDto> {
    const client = clientKey(cmd.clientIp);
    let outcome = 'ok';
    let userId: string | undefined;
    try {
      const reservation = await this.limiter.reserve(resetFailureLimits('D5', client));
      const token = await this.tokens.findLive(cmd.code, 'reset_code');
      if (!token) throw new InvalidTokenError();
      userId = token.userId;
      await reservation.refund();
      const { user } = await this.lifecycle.setPassword({
        via: 'D5',
        userId: token.userId,
        password: cmd.newPassword,
        mode: 'replace',
        guard: assertMayReset,
        authorize: async (em, owner) => {
          const used = await this.tokens.consume(em, cmd.code, 'reset_code');
          if (used.id !== token.id || used.userId !== owner.id) throw new InvalidTokenError();
        },
      });
      return PasswordResetResponseDto.create(user.email);
    } catch (error) {
      outcome = error instanceof DomainError ? error.code : 'ERROR';
      throw error;
    } finally {
      this.logger.log({ event: 'password_reset.completed', dialect: 'D5', userId, client, outcome }, `password_reset.completed ${outcome}`);
    }
  }
}
