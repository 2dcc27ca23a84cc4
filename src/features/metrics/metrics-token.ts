import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether the Authorization header carries the metrics token: `Bearer <token>`, compared in constant
 * time (both sides hashed first, so neither the length nor a prefix leaks through timing).
 * With no token configured, no header matches.
 */
export function presentsMetricsToken(authorization: string | undefined, token: string | null): boolean {
  if (!token || typeof authorization !== 'string') return false;
  const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
  if (!match) return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
