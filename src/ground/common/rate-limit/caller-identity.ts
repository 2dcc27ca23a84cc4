import type { Request } from 'express';

/**
 * An authenticated caller as the request limiter sees it: any principal that has a key id (an API key
 * today; an OAuth client token names its key the same way). Its budget is its own, whatever address it
 * calls from.
 */
export interface RateLimitedCaller {
  /** What authenticated it, for audit events (e.g. 'api_key'). */
  kind: 'api_key' | 'client_token';
  /** The key's id (never the key). */
  keyId: string;
  /** Requests per minute across all routes; null = the service default (API_KEY_RATE_LIMIT_PER_MINUTE). */
  limitPerMinute: number | null;
}

/**
 * The port through which the request limiter asks who an incoming request authenticates as, before the
 * auth guard runs, or null when it carries no valid credential (it is then limited per address).
 * Provided by the access layer's `CallerResolver` (src/access/caller-resolver.ts), the one place that
 * knows the kinds of callers. Reads only (no side effects); anything unexpected means null.
 */
export abstract class CallerIdentifier {
  abstract identify(req: Request): Promise<RateLimitedCaller | null>;
}
