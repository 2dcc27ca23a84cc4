import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, IsNull, MoreThan } from 'typeorm';
import { SessionsService, tokenBody } from '../../core/sessions/sessions.service';
import { Clock } from '../../ground/common/clock';
import { InvalidTokenError, RateLimitedError } from '../../ground/common/errors/domain-errors';
import { AuditTrail } from '../../ground/common/audit-trail';
import { OncePerWindow } from '../../ground/common/rate-limit/once-per-window';
import { SecretKeys } from '../../ground/common/secrets';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import { OneTimeToken } from '../../core/tokens/one-time-token.entity';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { normalizeEmail } from '../../core/entities/email';
import { AttemptLimiter } from '../../ground/common/attempt-limiter.service';
import { clientKey } from '../../ground/common/client-ip';
import { RecoveryTokenResponseDto } from './dto/recovery-token-response.dto';
import { D4_CODE_MAX_FAILURES, resetFailureLimits } from '../../core/recovery/recovery-limits';
import { assertMayReset, loggedReset, useAdmittedCode } from './reset-guards';
import { parseValidationCode } from './validation-code';

export interface ResetWithValidationCodeCommand {
  validationCode: string;
  password: string;
  /** Optional (the seed's curl example sends it): when given it must be the code's user's address (SECURITY.md B9). */
  email?: string;
  clientIp: string;
}

/**
 * D4 `POST /api/v2/account/reset/`: resets the password with the emailed validation code and logs
 * the user in (`{"token":{...}}`).
 *
 * A place is taken in advance under the client's failure budget (429 past the limit), counted as a
 * failure only when the code is refused (AttemptLimiter). A wrong verifier whose selector
 * names a live code counts against that code, which burns after D4_CODE_MAX_FAILURES wrong tries from
 * any client (SECURITY.md B6, B7); the user requests a new one (J5). A live code runs the shared
 * pipeline like D5, and the session is issued inside its transaction, so a failed reset returns no
 * tokens and the new access token carries the new credentials version (D2, D3).
 *
 * No global cap: the selector names the code, so guesses are charged to it, and a selector is a random
 * UUID only the mailbox sees; nobody else can spend a person's budget (README "Abuse budgets").
 * Audit: `reset.failed` per refused code, `reset.limited` once per window.
 */
@Injectable()
export class ResetWithValidationCodeUseCase {
  private readonly logger = new Logger('Recovery');

  constructor(
    private readonly lifecycle: PasswordLifecycleService,
    private readonly tokens: OneTimeTokensService,
    private readonly sessions: SessionsService,
    private readonly limiter: AttemptLimiter,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly secrets: SecretKeys,
    private readonly audit: AuditTrail,
  ) {}

  private readonly reported = new OncePerWindow();

  async execute(cmd: ResetWithValidationCodeCommand): Promise<RecoveryTokenResponseDto> {
    return loggedReset(this.logger, 'D4', cmd.clientIp, async (noteUser) => {
      const { token, parts } = await this.admit(cmd.validationCode, cmd.clientIp);
      noteUser(token.userId);
      const { result } = await this.lifecycle.setPassword({
        via: 'D4',
        userId: token.userId,
        password: cmd.password,
        mode: 'replace',
        guard: (user) => {
          assertMayReset(user);
          if (cmd.email !== undefined && normalizeEmail(cmd.email) !== user.emailNormalized) throw new InvalidTokenError();
        },
        authorize: useAdmittedCode({ tokens: this.tokens, limiter: this.limiter, secrets: this.secrets }, token, parts.verifier, 'recovery'),
        // The owner as the pipeline left it: credentialsChangedAt just moved, which the access token must carry.
        complete: async (em, owner) => this.sessions.issue(em, owner),
      });
      return RecoveryTokenResponseDto.from(tokenBody(result));
    });
  }

  /**
   * The user a validation code names, under exactly the budgets of a reset, without using the code up:
   * for the page behind the email link. A wrong code is charged like a wrong reset (per client, and to
   * the live code its selector names).
   */
  async inspect(validationCode: string, clientIp: string): Promise<string> {
    return (await this.admit(validationCode, clientIp)).token.userId;
  }

  /**
   * The live code this client may use, its place released at once (held through the hash, it would
   * make a client's parallel right codes wait); or the refusal (400, 429).
   */
  private async admit(validationCode: string, clientIp: string): Promise<{ token: OneTimeToken; parts: NonNullable<ReturnType<typeof parseValidationCode>> }> {
    const client = clientKey(clientIp);
    const own = await this.limiter.tryReserve(resetFailureLimits('D4', client));
    if (!own.granted) {
      if (this.reported.first(own.limit.key, this.clock.nowMs(), own.windowEndsAtMs)) {
        void this.audit
          .record(null, {
            type: 'reset.limited', actor: { kind: 'anonymous' }, clientIp, outcome: 'limited',
            details: { dialect: 'D4', budget: 'client', max: own.limit.max, window_seconds: own.limit.windowMs / 1000, retry_after_seconds: own.retryAfterSeconds },
          })
          .catch(() => undefined);
      }
      throw new RateLimitedError(own.retryAfterSeconds);
    }
    const parts = parseValidationCode(validationCode);
    const token = parts ? await this.tokens.findUnusedBySecret(parts.verifier, 'recovery') : null;
    if (!parts || !token || token.id !== parts.tokenId) {
      await own.reservation.fail();
      const userId = parts ? await this.uow.run((em) => this.chargeCode(em, parts.tokenId)) : undefined;
      await this.audit.record(null, {
        type: 'reset.failed', userId: userId ?? null, actor: { kind: 'anonymous' }, clientIp, outcome: 'failure', details: { dialect: 'D4' },
      }).catch(() => undefined);
      throw new InvalidTokenError();
    }
    await own.reservation.refund();
    return { token, parts };
  }

  /** Counts a wrong verifier against the live code its selector names (burned at the limit); returns its user. */
  private async chargeCode(em: EntityManager, tokenId: string): Promise<string | undefined> {
    const live = await em.findOneBy(OneTimeToken, { id: tokenId, purpose: 'recovery', usedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) });
    if (!live) return undefined;
    await this.tokens.recordFailure(em, live.id, D4_CODE_MAX_FAILURES);
    if (live.attempts + 1 >= D4_CODE_MAX_FAILURES) {
      this.logger.warn({ event: 'password_reset.code_burned', dialect: 'D4', userId: live.userId }, 'password_reset.code_burned');
    }
    return live.userId;
  }
}
