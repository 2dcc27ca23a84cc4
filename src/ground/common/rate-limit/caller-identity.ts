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
 * Says who an incoming request authenticates as, before the auth guard runs, or null when it carries
 * no valid credential (it is then limited per address). Implementations read only (no side effects)
 * and fail closed: anything unexpected means null.
 */
export abstract class CallerIdentifier {
  abstract identify(req: Request): Promise<RateLimitedCaller | null>;
}

/** DI token: the list of CallerIdentifier implementations, asked in order. */
export const CALLER_IDENTIFIERS = Symbol('CALLER_IDENTIFIERS');
