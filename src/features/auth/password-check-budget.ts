import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AttemptLimiter, Limit, Reservation } from '../../ground/common/attempt-limiter.service';
import { AuditTrail } from '../../ground/common/audit-trail';
import { clientKey } from '../../ground/common/client-ip';
import { Clock } from '../../ground/common/clock';
import { RateLimitedError } from '../../ground/common/errors/domain-errors';
import { isStorageDown } from '../../ground/common/errors/to-domain-error';
import { clientNetworkRef, clientNetworkRefs } from '../../ground/common/rate-limit/client-network';
import { OncePerWindow } from '../../ground/common/rate-limit/once-per-window';
import { SecretKeys } from '../../ground/common/secrets';
import { normalizeEmail } from '../../core/entities/email';
import type { User } from '../../core/entities/user.entity';
import { KnownLoginNetworks } from './known-login-networks.service';
import {
  LOGIN_GLOBAL_LIMIT, LoginBudget, loginClientLimit, loginClientLimitWhenGlobalSpent, loginKnownNetworkLimit, loginTargetLimits, loginTargetSecret,
} from './login-limits';

/** What a budgeted check is told to do: report a wrong password, or settle a right one inside its transaction. */
export interface CheckOutcome {
  /** The password was wrong (the user, or null for an unknown email): counted as a failed login on every budget. */
  wrong(user: User | null): void;
  /** The password was right: the counts come back, the target's are forgotten (D5) and its network remembered, in `em`'s transaction. */
  right(em: EntityManager): Promise<void>;
}

/**
 * The budgets of a password check against a user's sign-in (login-limits.ts; SECURITY.md B7, C3, J6,
 * N4 §3.2.2), shared by every route that checks a password someone types for an email: POST
 * /auth/login and the current password of POST /users/me/password, so guessing through one is never
 * cheaper than through the other (CONTRACT.md "Changing a password while signed in").
 *
 * Before the password is checked, a place is taken (AttemptLimiter.tryReserve), in one transaction,
 * per target (the normalized email, known or not), per client and overall, so a parallel burst cannot
 * overshoot; a wrong password counts it as a failure on each before the answer, anything else releases
 * it (a place its request never settles lapses after a short lease, counted nowhere). Past the target's
 * or the client's budget the answer is 429 RATE_LIMITED with Retry-After, right password or not (no
 * oracle). Past the overall budget the client falls back to a tighter allowance instead of being
 * refused. Past the target's budget, a network the target logged in from within 90 days
 * (KnownLoginNetworks; decided on the hashed email, without a user lookup) is still checked on its own
 * small allowance, so nobody can lock the owner out of their usual network. A right password clears the
 * target's counts (D5) and records the network as known, in the transaction the check's caller opens.
 * Audit: `login.failed` (user id when the email exists, never the email or the password; `details.via`
 * names the route) and `login.limited` (once per window and budget).
 */
@Injectable()
export class PasswordCheckBudget {
  private readonly reported = new OncePerWindow();

  constructor(
    private readonly limiter: AttemptLimiter,
    private readonly secrets: SecretKeys,
    private readonly audit: AuditTrail,
    private readonly knownNetworks: KnownLoginNetworks,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `check` within the budgets of `email` from `clientIp`. `check` verifies the password and calls
   * `outcome.wrong(user)` before it throws for a wrong one, or `outcome.right(em)` inside the transaction
   * that acts on a right one. `via` names the route in `login.failed` events (`login`, `password_change`).
   */
  async run<T>(email: string, clientIp: string, via: string, check: (outcome: CheckOutcome) => Promise<T>): Promise<T> {
    const client = clientKey(clientIp);
    const targetRef = this.secrets.lookupHash(loginTargetSecret(normalizeEmail(email)));
    const networkRef = clientNetworkRef(this.secrets, client);
    const targetLimits = loginTargetLimits(targetRef);
    const knownLimit = loginKnownNetworkLimit(targetRef, networkRef);
    const reservations = await this.reserveFailure(targetLimits, knownLimit, { email: normalizeEmail(email), client, clientIp });
    let wrongFor: User | null | undefined;
    try {
      return await check({
        wrong: (user) => (wrongFor = user),
        right: async (em) => {
          await this.knownNetworks.remember(em, targetRef, networkRef);
          for (const r of reservations) await r.refund(em);
          await this.limiter.clear([...targetLimits.map((l) => l.key), knownLimit.key], em);
        },
      });
    } catch (error) {
      if (wrongFor !== undefined) {
        // A wrong password: counted on every budget before the answer, so sequential guesses are bounded.
        for (const r of reservations) await r.fail();
        // A refusal stays a refusal even if the audit store is unavailable.
        await this.audit
          .record(null, {
            type: 'login.failed', userId: wrongFor?.id ?? null, accountId: wrongFor?.accountId ?? null, actor: { kind: 'anonymous' }, clientIp, outcome: 'failure',
            ...(via === 'login' ? {} : { details: { via } }),
          })
          .catch(() => undefined);
      } else if (!isStorageDown(error)) {
        await this.giveBack(reservations).catch(() => undefined);
      }
      // With the database unavailable no further query is made (the answer would wait for it in vain):
      // the places lapse with their lease, and nothing was counted.
      throw error;
    }
  }

  /**
   * Takes a place in advance per target and client (or, when the target's budget is spent and the
   * client's network is known for it, on that network's allowance), then overall (or, when the overall
   * budget is spent, on the client's tighter allowance). Throws RateLimitedError when a budget is
   * exhausted, or held by attempts in flight that did not settle within the limiter's wait.
   */
  private async reserveFailure(
    targetLimits: Limit[],
    knownLimit: Limit,
    who: { email: string; client: string; clientIp: string },
  ): Promise<Reservation[]> {
    const { client, clientIp } = who;
    const clientLimit = loginClientLimit(client);
    // Nearly always every budget has room: all of them in one transaction, a refusal counted nowhere.
    const all = await this.limiter.tryReserve([clientLimit, ...targetLimits, LOGIN_GLOBAL_LIMIT], { countRefusal: false });
    if (all.granted) return [all.reservation];
    // Not spent but held by attempts in flight that did not settle in time: refused as it is, no fallback.
    if (all.held) {
      const budget: LoginBudget = all.limit === clientLimit ? 'client' : all.limit === LOGIN_GLOBAL_LIMIT ? 'global' : 'target';
      return this.refuse(budget, all.limit, all.retryAfterSeconds, all.windowEndsAtMs, clientIp);
    }
    // One is spent: decided budget by budget, as SECURITY.md B7/G8 and the known-network rule say.
    let own = await this.limiter.tryReserve([clientLimit, ...targetLimits]);
    if (!own.granted && own.held) return this.refuse(own.limit === clientLimit ? 'client' : 'target', own.limit, own.retryAfterSeconds, own.windowEndsAtMs, clientIp);
    if (!own.granted && own.limit !== clientLimit) {
      // The target's budget is spent: only a network it logged in from keeps a (small) allowance.
      // Decided on hashes alone, so an unknown email is answered exactly like a known one.
      const known = await this.knownNetworks.isKnown(this.secrets.lookupHashes(loginTargetSecret(who.email)), clientNetworkRefs(this.secrets, client));
      if (!known) return this.refuse('target', own.limit, own.retryAfterSeconds, own.windowEndsAtMs, clientIp, false);
      own = await this.limiter.tryReserve([clientLimit, knownLimit]);
      if (!own.granted && own.limit !== clientLimit) return this.refuse('target', own.limit, own.retryAfterSeconds, own.windowEndsAtMs, clientIp, true);
    }
    if (!own.granted) return this.refuse('client', own.limit, own.retryAfterSeconds, own.windowEndsAtMs, clientIp);
    const overall = await this.limiter.tryReserve([LOGIN_GLOBAL_LIMIT]);
    if (overall.granted) return [own.reservation, overall.reservation];
    if (overall.held) {
      await own.reservation.refund();
      return this.refuse('global', overall.limit, overall.retryAfterSeconds, overall.windowEndsAtMs, clientIp);
    }
    this.report('global', LOGIN_GLOBAL_LIMIT, overall.retryAfterSeconds, overall.windowEndsAtMs, clientIp);
    const tighter = await this.limiter.tryReserve([loginClientLimitWhenGlobalSpent(client)]);
    if (tighter.granted) return [own.reservation, tighter.reservation];
    await own.reservation.refund();
    return this.refuse('global', tighter.limit, tighter.retryAfterSeconds, tighter.windowEndsAtMs, clientIp);
  }

  private refuse(budget: LoginBudget, limit: Limit, retryAfterSeconds: number, windowEndsAtMs: number, clientIp: string, knownNetwork?: boolean): never {
    this.report(budget, limit, retryAfterSeconds, windowEndsAtMs, clientIp, knownNetwork);
    throw new RateLimitedError(retryAfterSeconds);
  }

  /** One `login.limited` event per exhausted counter and window (not one per refused request). */
  private report(budget: LoginBudget, limit: Limit, retryAfterSeconds: number, windowEndsAtMs: number, clientIp: string, knownNetwork?: boolean): void {
    const now = this.clock.nowMs();
    if (!this.reported.first(limit.key, now, windowEndsAtMs)) return;
    void this.audit
      .record(null, { type: 'login.limited', actor: { kind: 'anonymous' }, clientIp, outcome: 'limited', details: { budget, max: limit.max, window_seconds: limit.windowMs / 1000, retry_after_seconds: retryAfterSeconds, ...(knownNetwork === undefined ? {} : { known_network: knownNetwork }) } })
      .catch(() => undefined);
  }

  private async giveBack(reservations: Reservation[]): Promise<void> {
    for (const r of reservations) await r.refund();
  }
}
