import { chromiumAvailable, missingChromiumLine } from './chromium';

const SHOWN = Symbol.for('pls.missingChromiumLineShown');

/**
 * Jest globalSetup of the projects with browser specs (`browser`, `artifact`): runs in the main process,
 * so a missing Chromium is reported in exactly one line however many browser specs and projects there
 * are. The specs themselves register their tests as skipped (or, in CI, failing): see describeBrowser.
 */
export default function globalSetup(): void {
  const shared = globalThis as { [SHOWN]?: boolean };
  if (chromiumAvailable() || shared[SHOWN]) return;
  shared[SHOWN] = true;
  process.stdout.write(`${missingChromiumLine()}\n`);
}
