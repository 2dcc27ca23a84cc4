import { currentRequestContext } from '../../../src/ground/common/request-context';
import { PasswordHasher } from '../../../src/core/password/password-hasher';
import { RecoveryRequestService } from '../../../src/core/recovery/recovery-request.service';
import { randomClientIp } from './factories';
import type { TestApp } from './test-app';

/** The work one request did before its answer: its SQL statements in order (text only, parameters left out) and its hasher calls. */
export interface RequestWork {
  statements: string[];
  /** Calls of PasswordHasher.hash, verify and verifyAgainstDummy while the request ran. */
  hashing: number;
}

/**
 * Counts the work of `send` (one HTTP request from a client address of its own, sent in X-Forwarded-For
 * under TRUST_PROXY, awaited) instead of timing it: each statement the app's DataSource runs, and each
 * call of the app's PasswordHasher, inside that request's context (src/ground/common/request-context.ts: the
 * context names the client address, so background work meanwhile, e.g. the outbox, is not counted). Two
 * requests that run the same statements and the same hasher calls take the same time whatever the
 * machine's load (SECURITY.md C2), which a stopwatch at BCRYPT_COST=4 could not show.
 *
 * The recovery requests (D4/D5) are resolved after the answer; while `send` runs they wait (their
 * resolution is held back, so its statements cannot be mistaken for the request's), and they are
 * resolved once it has answered.
 */
export async function requestWork(t: TestApp, send: (clientIp: string) => PromiseLike<unknown>): Promise<RequestWork> {
  const ip = randomClientIp();
  const ours = () => currentRequestContext()?.clientIp === ip;
  const statements: string[] = [];
  let hashing = 0;
  const logger = t.dataSource.logger;
  const original = logger.logQuery;
  logger.logQuery = ((query: string, ...rest: unknown[]) => {
    if (ours()) statements.push(query.replace(/\s+/g, ' ').trim());
    return (original as (...a: unknown[]) => unknown).call(logger, query, ...rest);
  }) as typeof original;
  const hasher = t.app.get(PasswordHasher);
  const spies = (['hash', 'verify', 'verifyAgainstDummy'] as const).map((name) => {
    const real = hasher[name].bind(hasher) as (...a: unknown[]) => Promise<unknown>;
    return jest.spyOn(hasher, name).mockImplementation(((...args: unknown[]) => {
      if (ours()) hashing++;
      return real(...args);
    }) as never);
  });
  const requests = t.app.get(RecoveryRequestService);
  const held = jest.spyOn(requests, 'resolvePending').mockResolvedValue(undefined);
  try {
    await send(ip);
    return { statements, hashing };
  } finally {
    logger.logQuery = original;
    spies.forEach((s) => s.mockRestore());
    held.mockRestore();
    await requests.resolvePending();
  }
}
