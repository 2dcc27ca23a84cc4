import { Injectable, Logger } from '@nestjs/common';
import { AttemptLimiter, Limit, Reservation } from '../../ground/common/attempt-limiter.service';
import { AuditTrail } from '../../ground/common/audit-trail';
import { clientKey } from '../../ground/common/client-ip';
import { Clock } from '../../ground/common/clock';
import { InvalidTokenError, RateLimitedError } from '../../ground/common/errors/domain-errors';
import { clientNetworkRefs } from '../../ground/common/rate-limit/client-network';
import { OncePerWindow } from '../../ground/common/rate-limit/once-per-window';
import { SecretKeys } from '../../ground/common/secrets';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import { OneTimeToken } from '../../core/tokens/one-time-token.entity';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { PasswordResetResponseDto } from './dto/password-reset-response.dto';
import { D5_GLOBAL_FAILURE_LIMIT, d5ClientLimitWhenGlobalSpent, resetClientFailureLimit } from '../../core/recovery/recovery-limits';
import { assertMayReset, loggedReset, useAdmittedCode } from './reset-guards';

export interface ResetWithCodeCommand {
  code: string;
  newPassword: string;
  clientIp: string;
}

/**
 * D5 `POST /v1/auth/password-reset/reset`: the code alone names the user.
 *
 * 1. A place is taken in advance under the client's budget (429 with Retry-After when it is spent,
 *    valid code or not: SECURITY.md B7), then under the global guessing budget (J6). Taking places
 *    first means a parallel burst cannot overshoot either; a place counts as a failure only when the
 *    code is refused, and one its request never settles lapses (AttemptLimiter).
 * 2. The code is looked up by its keyed hash. When the global budget was spent (by anyone), a live code
 *    is still accepted from a network that asked for a code for that user while it was live (a keyed hash
 *    in one_time_token_networks) if it is the newest such code of that network, with a tighter per-client allowance
 *    (D5_FAILURES_PER_CLIENT_WHEN_GLOBAL_SPENT), so guessers cannot lock people out of their own reset
 *    and gain at most that many guesses at one code per network; any other code then answers 429, wrong
 *    or not, so the 429 tells a guesser nothing (docs/recovery.md, "Guessing budget").
 * 3. A refused code is counted as a failure on each budget: 400, or 429 past the global budget. An
 *    accepted one is not a failure: its places are released (only failures spend a budget), and the shared pipeline runs:
 *    policy and history first (a rejected password leaves the code usable, A15), then one transaction
 *    that consumes the code (conditional UPDATE: one winner, H1), stores the hash and the history
 *    entry, voids the user's other codes, revokes refresh tokens, queues the "password changed"
 *    notice and clears the user's failed-login counts (they proved themselves, D5).
 *
 * Audit: `reset.failed` per refused code (bounded by the budgets), `reset.limited` once per window and budget.
 */
@Injectable()
export class ResetWithCodeUseCase {
  private readonly logger = new Logger('Recovery');
  private readonly reported = new OncePerWindow();

  constructor(
    private readonly lifecycle: PasswordLifecycleService,
    private readonly tokens: OneTimeTokensService,
    private readonly limiter: AttemptLimiter,
    private readonly secrets: SecretKeys,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  async execute(cmd: ResetWithCodeCommand): Promise<PasswordResetResponseDto> {
    return loggedReset(this.logger, 'D5', cmd.clientIp, async (noteUser) => {
      const token = await this.admit(cmd.code, cmd.clientIp);
      noteUser(token.userId);
      const { user } = await this.lifecycle.setPassword({
        via: 'D5',
        userId: token.userId,
        password: cmd.newPassword,
        mode: 'replace',
        guard: assertMayReset,
        authorize: useAdmittedCode({ tokens: this.tokens, limiter: this.limiter, secrets: this.secrets }, token, cmd.code, 'reset_code'),
      });
      return PasswordResetResponseDto.create(user.email);
    });
  }

  /**
   * The user a code names, under exactly the budgets of a reset (steps 1 and 2 above), without using
   * the code up: for the page behind the email link, which shows the account and its rules before the
   * person chooses a password. A wrong code spends a failure like a wrong reset does, so looking codes
   * up is no cheaper a way to guess them than resetting with them.
   */
  async inspect(code: string, clientIp: string): Promise<string> {
    return (await this.admit(code, clientIp)).userId;
  }

  /**
   * Steps 1 and 2: the live code this client may use, its places released at once (held through the
   * hash, they would make a client's parallel right codes wait); or the refusal (400, 429).
   */
  private async admit(code: string, clientIp: string): Promise<OneTimeToken> {
    const client = clientKey(clientIp);
    // Nearly always both budgets have room: one transaction, a refusal counted nowhere; else budget by budget.
    const both = await this.limiter.tryReserve([resetClientFailureLimit('D5', client), D5_GLOBAL_FAILURE_LIMIT], { countRefusal: false });
    if (both.granted) {
      const token = await this.tokens.findUnusedBySecret(code, 'reset_code');
      if (token) {
        await both.reservation.refund();
        return token;
      }
      await both.reservation.fail();
      await this.recordFailure(null, clientIp, false);
      throw new InvalidTokenError();
    }
    // Held by attempts in flight that did not settle within the limiter's wait: refused, no fallback.
    if (both.held) return this.refuse(both.limit === D5_GLOBAL_FAILURE_LIMIT ? 'global' : 'client', both.limit, both.retryAfterSeconds, both.windowEndsAtMs, clientIp);
    const own = await this.limiter.tryReserve([resetClientFailureLimit('D5', client)]);
    if (!own.granted) return this.refuse('client', own.limit, own.retryAfterSeconds, own.windowEndsAtMs, clientIp);
    const overall = await this.limiter.tryReserve([D5_GLOBAL_FAILURE_LIMIT]);
    if (!overall.granted && overall.held) {
      await own.reservation.refund();
      return this.refuse('global', overall.limit, overall.retryAfterSeconds, overall.windowEndsAtMs, clientIp);
    }
    let extra: Reservation | null = null;
    if (!overall.granted) {
      this.report('global', D5_GLOBAL_FAILURE_LIMIT, overall.retryAfterSeconds, overall.windowEndsAtMs, clientIp);
      const tighter = await this.limiter.tryReserve([d5ClientLimitWhenGlobalSpent(client)]);
      if (!tighter.granted) {
        await own.reservation.refund();
        return this.refuse('client', tighter.limit, tighter.retryAfterSeconds, tighter.windowEndsAtMs, clientIp);
      }
      extra = tighter.reservation;
    }
    const token = await this.tokens.findUnusedBySecret(code, 'reset_code');
    const accepted = !!token && (overall.granted || (await this.fromRequestingNetwork(token, client)));
    if (!token || !accepted) {
      await own.reservation.fail();
      if (overall.granted) await overall.reservation.fail();
      if (extra) await extra.fail();
      await this.recordFailure(token?.userId ?? null, clientIp, !overall.granted);
      if (!overall.granted) throw new RateLimitedError(overall.retryAfterSeconds);
      throw new InvalidTokenError();
    }
    await own.reservation.refund();
    if (overall.granted) await overall.reservation.refund();
    if (extra) await extra.refund();
    return token;
  }

  private async recordFailure(userId: string | null, clientIp: string, globalBudgetSpent: boolean): Promise<void> {
    await this.audit.record(null, {
      type: 'reset.failed', userId, actor: { kind: 'anonymous' }, clientIp, outcome: 'failure',
      details: { dialect: 'D5', global_budget_spent: globalBudgetSpent },
    }).catch(() => undefined);
  }

  /**
   * This client's network vouched for the code (asked for a code for that user while it was live), and
   * it is the newest live reset code the network vouched for: each network gets its few guesses at one code.
   */
  private async fromRequestingNetwork(token: OneTimeToken, client: string): Promise<boolean> {
    return this.tokens.isNewestVouchedBy(clientNetworkRefs(this.secrets, client), 'reset_code', token.id);
  }

  private refuse(budget: 'client' | 'global', limit: Limit, retryAfterSeconds: number, windowEndsAtMs: number, clientIp: string): never {
    this.report(budget, limit, retryAfterSeconds, windowEndsAtMs, clientIp);
    throw new RateLimitedError(retryAfterSeconds);
  }

  /** One `reset.limited` event per exhausted counter and window, not one per refused request. */
  private report(budget: 'client' | 'global', limit: Limit, retryAfterSeconds: number, windowEndsAtMs: number, clientIp: string): void {
    const now = this.clock.nowMs();
    if (!this.reported.first(limit.key, now, windowEndsAtMs)) return;
    void this.audit
      .record(null, {
        type: 'reset.limited', actor: { kind: 'anonymous' }, clientIp, outcome: 'limited',
        details: { dialect: 'D5', budget, max: limit.max, window_seconds: limit.windowMs / 1000, retry_after_seconds: retryAfterSeconds },
      })
      .catch(() => undefined);
  }
}
