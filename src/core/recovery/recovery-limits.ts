import { Limit, LONGEST_WINDOW_MS } from '../../ground/common/attempt-limiter.service';

/**
 * The numbers behind account recovery (D4, D5): how many requests, mails and failed resets a client,
 * an address or the whole service gets per window. docs/recovery.md explains them and derives the
 * guessing budget; change them together with that page.
 *
 * All windows are fixed windows kept in the `attempt_counters` table (SECURITY.md H5: they survive
 * restarts and are shared by every instance). A window starts with the first hit on its key and lasts
 * RECOVERY_WINDOW_MS; after it the next hit starts a new one.
 */
export const RECOVERY_WINDOW_MS = LONGEST_WINDOW_MS;

export const KEY_PREFIX = 'pr:';

/** Recovery requests (D4 recover + D5 request together) per client per window; more → 429 (SECURITY.md C3). */
export const REQUESTS_PER_CLIENT = 20;
/** Codes mailed per target address per window, D4 and D5 together; more → the same 200, no mail (J4, C3). */
export const MAILS_PER_ADDRESS = 3;
/** Failed resets per client per window, per dialect; more → 429 (B7, G8). */
export const RESET_FAILURES_PER_CLIENT = 10;
/**
 * Failed D5 resets per window across all clients (J6). A D5 code alone names its user, so a wrong guess
 * cannot be charged to any one code or account: this cap is what bounds guessing across every live
 * code. Past it nobody is locked out: a code is still accepted from a network that asked for a code for
 * that user while it is live, and every other attempt answers 429 (docs/recovery.md, "Guessing budget").
 */
export const D5_RESET_FAILURES_GLOBAL = 25;
/**
 * Failed D5 resets per client per window while the global budget is spent (on top of
 * RESET_FAILURES_PER_CLIENT). In that state a code is accepted only from a network that asked for it
 * (one_time_token_networks), and only the newest live code that network asked for, so each network gets
 * this many guesses at one code.
 */
export const D5_FAILURES_PER_CLIENT_WHEN_GLOBAL_SPENT = 3;
/** Wrong D4 validation codes naming one live code before it is burned (B6; Kratos uses 5). */
export const D4_CODE_MAX_FAILURES = 5;

export type ResetDialect = 'D4' | 'D5';

export function requestLimit(client: string): Limit {
  return { key: `${KEY_PREFIX}request:ip:${client}`, max: REQUESTS_PER_CLIENT, windowMs: RECOVERY_WINDOW_MS };
}

/** `addressRef` is a keyed hash of the normalized address, never the address itself. */
export function mailLimit(addressRef: string): Limit {
  return { key: `${KEY_PREFIX}mail:${addressRef}`, max: MAILS_PER_ADDRESS, windowMs: RECOVERY_WINDOW_MS };
}

export function resetClientFailureLimit(dialect: ResetDialect, client: string): Limit {
  return { key: `${KEY_PREFIX}${dialect.toLowerCase()}:fail:ip:${client}`, max: RESET_FAILURES_PER_CLIENT, windowMs: RECOVERY_WINDOW_MS };
}

export function d5ClientLimitWhenGlobalSpent(client: string): Limit {
  return { key: `${KEY_PREFIX}d5:fail:spent:ip:${client}`, max: D5_FAILURES_PER_CLIENT_WHEN_GLOBAL_SPENT, windowMs: RECOVERY_WINDOW_MS };
}

export const D5_GLOBAL_FAILURE_LIMIT: Limit = { key: `${KEY_PREFIX}d5:fail:global`, max: D5_RESET_FAILURES_GLOBAL, windowMs: RECOVERY_WINDOW_MS };

/**
 * D4's failure budget: per client only. A D4 validation code carries its own selector, so wrong
 * verifiers are charged to the one code they name (burned after D4_CODE_MAX_FAILURES) and no global
 * cap is needed; nobody else can spend a person's budget.
 */
export function resetFailureLimits(dialect: 'D4', client: string): Limit[] {
  return [resetClientFailureLimit(dialect, client)];
}
