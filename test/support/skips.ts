import { spawnSync } from 'node:child_process';

/**
 * Every test that does not run is registered anyway, skipped, with its reason in its title:
 * `… [skipped: <reason>]`. test/summary-reporter.js reads that tag and counts the skipped tests per
 * reason on the closing line, so passed + skipped on a machine without a server equals the total on one
 * with it. A test skipped without such a tag is counted as "no reason given" (and named) there.
 *
 * The reasons, word for word:
 */
export const SKIP_REASON = {
  postgres: 'PostgreSQL not configured: TEST_DATABASE_URL unset',
  redis: 'Redis not configured: TEST_REDIS_URL unset',
  chromium: 'Chromium not found',
  redisServer: 'redis-server binary not found',
  postgresBinaries: 'PostgreSQL binaries (initdb, pg_ctl) not found',
} as const;

/** The title of a skipped describe/it: the title and the reason tag the summary reporter counts. */
export function skippedTitle(title: string, reason: string): string {
  return `${title} [skipped: ${reason}]`;
}

/** Why the tests on the shared PostgreSQL cannot run here, or null when they can. */
export function postgresSkip(): string | null {
  return process.env.TEST_DATABASE_URL ? null : SKIP_REASON.postgres;
}

/** Why the tests on the shared Redis cannot run here, or null when they can. */
export function redisSkip(): string | null {
  return process.env.TEST_REDIS_URL ? null : SKIP_REASON.redis;
}

let redisServerFound: boolean | undefined;
/** Why a private redis-server (test/support/redis-test-server.ts) cannot be started here, or null. */
export function redisServerSkip(): string | null {
  redisServerFound ??= spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  return redisServerFound ? null : SKIP_REASON.redisServer;
}

/** `describe`, or `describe.skip` with the reason in its title when `reason` is not null. */
export function describeUnless(reason: string | null, title: string, fn: () => void): void {
  if (reason) describe.skip(skippedTitle(title, reason), fn);
  else describe(title, fn);
}

/** `it`, or `it.skip` with the reason in its title when `reason` is not null. */
export function itUnless(reason: string | null, title: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (reason) it.skip(skippedTitle(title, reason), fn, timeout);
  else it(title, fn, timeout);
}
