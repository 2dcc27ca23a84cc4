import { accessSync, constants } from 'node:fs';

/** Debian's Chromium (`apt-get install -y chromium`); CHROMIUM_PATH overrides it. Never downloaded. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
}

/** Whether the Chromium executable exists and may be run. */
export function chromiumAvailable(path = chromiumPath()): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** CI must run the browser tests: there a missing Chromium fails them instead of skipping. */
export function inCi(): boolean {
  const ci = process.env.CI;
  return !!ci && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** The one line printed when the browser tests are skipped (or fail, in CI) for want of Chromium. */
export function missingChromiumLine(): string {
  const path = chromiumPath();
  return inCi()
    ? `browser tests FAIL: ${path} not found and CI is set (apt-get install -y chromium, or set CHROMIUM_PATH)`
    : `browser tests skipped: ${path} not found (apt-get install -y chromium)`;
}
