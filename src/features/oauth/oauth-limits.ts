import { Limit, LONGEST_WINDOW_MS } from '../../ground/common/attempt-limiter.service';

/**
 * The budgets of failed client authentications on POST /oauth/token (unknown client id, wrong secret,
 * revoked key: one failure each), in `attempt_counters` like the login budgets (src/features/auth/login-limits.ts):
 * counted in advance, given back when the client authenticates. Past either budget the endpoint
 * answers 429 `temporarily_unavailable` with Retry-After until the window ends. README.md ("Abuse
 * budgets") states them; change both together.
 * - Per client id and address (keyed hash of both; known id or not): OAUTH_CLIENT_FAILURES per 15 minutes.
 *   Not per client id alone: a key id is not secret (it is every client token's `sub`), and a budget anyone
 *   can spend would let anyone lock an integrator out. The secret is 256 random bits: no budget is needed
 *   against guessing it, only against noise.
 * - Per client address (IPv4, or IPv6 /64): OAUTH_ADDRESS_FAILURES per 15 minutes.
 */
export const OAUTH_WINDOW_MS = LONGEST_WINDOW_MS;
export const OAUTH_CLIENT_FAILURES = 10;
export const OAUTH_ADDRESS_FAILURES = 30;

/** `clientRef` is a keyed hash of the client id and the address, so unknown ids are counted like known ones. */
export function oauthClientLimit(clientRef: string): Limit {
  return { key: `oauth:fail:client:${clientRef}`, max: OAUTH_CLIENT_FAILURES, windowMs: OAUTH_WINDOW_MS };
}

export function oauthAddressLimit(client: string): Limit {
  return { key: `oauth:fail:ip:${client}`, max: OAUTH_ADDRESS_FAILURES, windowMs: OAUTH_WINDOW_MS };
}
