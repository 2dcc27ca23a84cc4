import { currentRequestContext } from '../../../src/common/request-context';
import { PasswordHasher } from '../../../src/password/password-hasher';
import { RecoveryRequestService } from '../../../src/password-reset/recovery-request.service';
import type { TestApp } from './test-app';

/** The work one request did before its answer: its SQL statements in order (text only, parameters left out) and its hasher calls. */
export interface RequestWork {
  statements: string[];
  /** Calls of PasswordHasher.hash, verify and verifyAgainstDummy while the request ran. */
  hashing: number;
}

/**
 * Counts the work of `send` (one HTTP request, awaited) instead of timing it: each statement the app's
 * DataSource runs inside the request's context (src/common/request-context.ts; background work runs
 * outside it, so a poll meanwhile is not counted), and every call of the app's PasswordHasher. Two
 * requests that run the same statements and the same hasher calls take the same time whatever the
 * machine's load (SECURITY.md C2), which a stopwatch at BCRYPT_COST=4 could not show.
 *
 * The recovery requests (D4/D5) are resolved after the answer; while `send` runs they wait (their
 * resolution is held back, so its statements cannot be mistaken for the request's), and they are
 * resolved once it has answered.
 */
export async function requestWork(t: TestApp, send: () => PromiseLike<unknown>): Promise<RequestWork> {
  const statements: string[] = [];
  const logger = t.dataSource.logger;
  const original = logger.logQuery;
  logger.logQuery = function (query: string, ...rest: unknown[]) {
    if (currentRequestContext()) statements.push(query.replace(/\s+/g, ' ').trim());
    return (original as (...a: unknown[]) => unknown).call(this, query, ...rest);
  } as typeof original;
  const hasher = t.app.get(PasswordHasher);
  const spies = [jest.spyOn(hasher, 'hash'), jest.spyOn(hasher, 'verify'), jest.spyOn(hasher, 'verifyAgainstDummy')];
  const requests = t.app.get(RecoveryRequestService);
  const held = jest.spyOn(requests, 'resolvePending').mockResolvedValue(undefined);
  try {
    await send();
    return { statements, hashing: spies.reduce((n, s) => n + s.mock.calls.length, 0) };
  } finally {
    logger.logQuery = original;
    spies.forEach((s) => s.mockRestore());
    held.mockRestore();
    await requests.resolvePending();
  }
}
