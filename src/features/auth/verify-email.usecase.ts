import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AttemptLimiter, Limit, LONGEST_WINDOW_MS, Reservation } from '../../ground/common/attempt-limiter.service';
import { isStorageDown } from '../../ground/common/errors/to-domain-error';
import { AuditTrail } from '../../ground/common/audit-trail';
import { clientKey } from '../../ground/common/client-ip';
import { Clock } from '../../ground/common/clock';
import { InvalidTokenError, RateLimitedError } from '../../ground/common/errors/domain-errors';
import { clientNetworkRefs } from '../../ground/common/rate-limit/client-network';
import { OncePerWindow } from '../../ground/common/rate-limit/once-per-window';
import { JWT_TYPES, TokenSigner } from '../../core/keys/token-signer';
import { SecretKeys } from '../../ground/common/secrets';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { User } from '../../core/entities/user.entity';
import { VerifyEmailDto } from './dto/verify-email.dto';
import { VerifyEmailResponseDto } from './dto/verify-email-response.dto';
import { VERIFICATION_AUDIENCE, VERIFICATION_TTL_SECONDS } from '../../core/keys/jwt-claims';

/** Wrong verification codes per client per 15 minutes; more → 429 (SECURITY.md B7). */
export const VERIFY_FAILURES_PER_CLIENT = 10;
/**
 * Wrong verification codes per 15 minutes across all clients (J6). Like a D5 code, a verification code
 * alone names its user, so only a global cap bounds guessing across all live codes: with 31^8 ≈ 8.5·10^11
 * codes and L live ones, at most 200·L/8.5·10^11 per window (L = 1,000: 2.4·10^-7). Past it nobody is
 * locked out: a code is still accepted from the network that signed up for it (README "Abuse budgets").
 */
export const VERIFY_FAILURES_GLOBAL = 200;

export function verifyClientFailureLimit(client: string): Limit {
  return { key: `verify:fail:ip:${client}`, max: VERIFY_FAILURES_PER_CLIENT, windowMs: LONGEST_WINDOW_MS };
}

export const VERIFY_GLOBAL_FAILURE_LIMIT: Limit = { key: 'verify:fail:global', max: VERIFY_FAILURES_GLOBAL, windowMs: LONGEST_WINDOW_MS };

/**
 * POST /auth/verify-email: consumes the sign-up code (single use, expiring), marks the email
 * verified, and answers a verification JWT for D2: audience VERIFICATION_AUDIENCE, 15 minutes, with
 * a jti recorded as a one-time token (purpose 'verification_jwt', stored as a keyed hash), so the JWT
 * works once (SECURITY.md E7). A newer JWT voids the older one.
 *
 * Every attempt takes a place in advance, per client (429 past it, right code or not) and overall, so a
 * parallel burst cannot overshoot; a refused code counts it as a failure, a good code releases it (only
 * failures spend; AttemptLimiter). When the overall budget is spent (by anyone), a live code is still accepted from the network
 * that signed up for it (the code stores a keyed hash of it) and every other attempt answers 429, so
 * guessers gain nothing and cannot stop people from verifying. Audit: `verification.limited`, once per
 * window and budget.
 */
@Injectable()
export class VerifyEmailUseCase {
  private readonly reported = new OncePerWindow();

  constructor(
    private readonly tokens: OneTimeTokensService,
    private readonly signer: TokenSigner,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly limiter: AttemptLimiter,
    private readonly secrets: SecretKeys,
    private readonly audit: AuditTrail,
  ) {}

  async execute(dto: VerifyEmailDto, clientIp: string): Promise<VerifyEmailResponseDto> {
    // Codes are upper-case; people type them in any case and with stray spaces.
    const code = dto.code.trim().toUpperCase();
    const { own, overall } = await this.reserve(code, clientIp);
    // Only a code that was never issued is a guess: a real one releases its places at once, so a person's
    // double submit, whose copies lose the race to use it below, is answered 400 but never counted.
    await settled(own, overall, async () => {
      if (!(await this.tokens.isIssued(code, 'email_verification'))) throw new InvalidTokenError();
    });
    const token = await this.uow.run(async (em) => {
      const consumed = await this.tokens.consume(em, code, 'email_verification');
      const user = await em.findOneBy(User, { id: consumed.userId });
      if (!user || !user.isActive) throw new InvalidTokenError();
      const now = this.clock.now();
      if (!user.isEmailVerified) await em.update(User, { id: user.id }, { isEmailVerified: true, updatedAt: now });
      const jti = randomUUID();
      await this.tokens.issue(em, { purpose: 'verification_jwt', userId: user.id, ttlMs: VERIFICATION_TTL_SECONDS * 1000, value: jti });
      return this.signer.sign({}, { audience: VERIFICATION_AUDIENCE, expiresInSeconds: VERIFICATION_TTL_SECONDS, subject: user.id, jwtId: jti, type: JWT_TYPES.emailVerification });
    });
    return { success: true, data: { token } };
  }

  /**
   * The user a sign-up code names, under exactly the budgets of a verification, without using the code
   * up: for the page behind the email link, which shows the rules before the person chooses a password.
   * A wrong code spends a failure like a wrong verification does.
   */
  async inspect(rawCode: string, clientIp: string): Promise<string> {
    const code = rawCode.trim().toUpperCase();
    const { own, overall } = await this.reserve(code, clientIp);
    return settled(own, overall, async () => {
      const live = await this.tokens.findUnusedBySecret(code, 'email_verification');
      if (!live) throw new InvalidTokenError();
      return live.userId;
    });
  }

  /**
   * A place taken in advance per client and overall (429 when the client's is spent). Past the
   * overall budget only the network that signed up for a live code gets on (then `overall` is null).
   */
  private async reserve(code: string, clientIp: string): Promise<{ own: Reservation; overall: Reservation | null }> {
    const client = clientKey(clientIp);
    const own = await this.limiter.tryReserve([verifyClientFailureLimit(client)]);
    if (!own.granted) {
      this.report('client', own.limit, own.retryAfterSeconds, own.windowEndsAtMs, clientIp);
      throw new RateLimitedError(own.retryAfterSeconds);
    }
    const overall = await this.limiter.tryReserve([VERIFY_GLOBAL_FAILURE_LIMIT]);
    if (overall.granted) return { own: own.reservation, overall: overall.reservation };
    this.report('global', overall.limit, overall.retryAfterSeconds, overall.windowEndsAtMs, clientIp);
    if (overall.held) {
      await own.reservation.refund();
      throw new RateLimitedError(overall.retryAfterSeconds);
    }
    const live = await this.tokens.findUnusedBySecret(code, 'email_verification');
    if (!live || !live.issuedToNetwork || !clientNetworkRefs(this.secrets, client).includes(live.issuedToNetwork)) {
      // A code that is not the asking network's own while the overall budget is spent: a failure of this client.
      await own.reservation.fail();
      throw new RateLimitedError(overall.retryAfterSeconds);
    }
    return { own: own.reservation, overall: null };
  }

  /** One `verification.limited` event per exhausted counter and window, not one per refused request. */
  private report(budget: 'client' | 'global', limit: Limit, retryAfterSeconds: number, windowEndsAtMs: number, clientIp: string): void {
    if (!this.reported.first(limit.key, this.clock.nowMs(), windowEndsAtMs)) return;
    void this.audit
      .record(null, {
        type: 'verification.limited', actor: { kind: 'anonymous' }, clientIp, outcome: 'limited',
        details: { budget, max: limit.max, window_seconds: limit.windowMs / 1000, retry_after_seconds: retryAfterSeconds },
      })
      .catch(() => undefined);
  }
}

/**
 * Runs the check of an attempt and settles its places: released when it succeeds, counted as failures
 * when the code is refused (InvalidTokenError), released on any other error but an unavailable
 * database (then no further query is made; the places lapse with their lease).
 */
async function settled<T>(own: Reservation, overall: Reservation | null, check: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await check();
  } catch (error) {
    if (error instanceof InvalidTokenError) {
      await own.fail();
      await overall?.fail();
    } else if (!isStorageDown(error)) {
      await own.refund().catch(() => undefined);
      await overall?.refund().catch(() => undefined);
    }
    throw error;
  }
  await own.refund();
  await overall?.refund();
  return result;
}
