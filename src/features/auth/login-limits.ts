import { Limit, LONGEST_WINDOW_MS } from '../../ground/common/attempt-limiter.service';

/**
 * The budgets of failed logins (POST /auth/login), in the `attempt_counters` table (fixed windows,
 * shared by every instance, surviving restarts: SECURITY.md H5). Only failures spend them: a correct
 * password gives its counts back. README.md ("Abuse budgets") states them; change both together.
 *
 * - Per target, the normalized email as a keyed hash, whether or not an account has it (no
 *   enumeration, C3): LOGIN_TARGET_FAILURES_PER_MINUTE a minute slows guessing down, then
 *   LOGIN_TARGET_FAILURES_PER_WINDOW per 15 minutes pauses the target until its window ends. Never for
 *   good: each window ends, and a correct password or a reset clears the target's counts (D5).
 * - Known networks: while the target's budget is spent, a client on a network the target logged in
 *   from within LOGIN_KNOWN_NETWORK_TTL_MS (login_known_networks) is still checked, on an allowance of
 *   LOGIN_KNOWN_NETWORK_FAILURES per 15 minutes per (target, network), so an attacker elsewhere cannot
 *   lock the owner out of their usual network. Everyone else gets 429, unknown emails alike.
 * - Per client (IPv4 address or IPv6 /64): LOGIN_CLIENT_FAILURES per 15 minutes (B7, G8).
 * - Overall: LOGIN_GLOBAL_FAILURES per 15 minutes. Spending it blocks nobody: past it every client
 *   falls back to a tighter allowance of LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT failures per window,
 *   so a flood from many addresses costs each of them most of its budget while people who type their
 *   password right are never counted.
 */
export const LOGIN_WINDOW_MS = LONGEST_WINDOW_MS;
export const LOGIN_TARGET_FAILURES_PER_MINUTE = 5;
export const LOGIN_TARGET_FAILURES_PER_WINDOW = 20;
export const LOGIN_CLIENT_FAILURES = 50;
export const LOGIN_GLOBAL_FAILURES = 1000;
export const LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT = 5;
export const LOGIN_KNOWN_NETWORK_FAILURES = 5;
export const LOGIN_KNOWN_NETWORK_TTL_MS = 90 * 86_400_000;

export type LoginBudget = 'client' | 'target' | 'global';

/** `targetRef` is a keyed hash of the normalized email, never the email. */
export function loginTargetLimits(targetRef: string): Limit[] {
  return [
    { key: `login:fail:target:${targetRef}`, max: LOGIN_TARGET_FAILURES_PER_WINDOW, windowMs: LOGIN_WINDOW_MS },
    { key: `login:fail:target-1m:${targetRef}`, max: LOGIN_TARGET_FAILURES_PER_MINUTE, windowMs: 60_000 },
  ];
}

/** The allowance of a network the target logged in from, used once the target's own budget is spent. */
export function loginKnownNetworkLimit(targetRef: string, network: string): Limit {
  return { key: `login:fail:known:${targetRef}:${network}`, max: LOGIN_KNOWN_NETWORK_FAILURES, windowMs: LOGIN_WINDOW_MS };
}

export function loginClientLimit(client: string): Limit {
  return { key: `login:fail:ip:${client}`, max: LOGIN_CLIENT_FAILURES, windowMs: LOGIN_WINDOW_MS };
}

export const LOGIN_GLOBAL_LIMIT: Limit = { key: 'login:fail:global', max: LOGIN_GLOBAL_FAILURES, windowMs: LOGIN_WINDOW_MS };

/** Failures a client may make while the overall budget is spent. */
export function loginClientLimitWhenGlobalSpent(client: string): Limit {
  return { key: `login:fail:spent:ip:${client}`, max: LOGIN_CLIENT_FAILURES_WHEN_GLOBAL_SPENT, windowMs: LOGIN_WINDOW_MS };
}

/** The hashed form of a login target, as the counters key it. */
export function loginTargetSecret(normalizedEmail: string): string {
  return `login-target:${normalizedEmail}`;
}
