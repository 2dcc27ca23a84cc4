import { chromiumAvailable, missingChromiumLine } from './chromium';

/**
 * Jest globalSetup of the `browser` project: runs once per jest run (in the main process), so a
 * missing Chromium is reported in exactly one line however many browser specs there are. The specs
 * themselves register their tests as skipped (or, in CI, failing): see describeBrowser.
 */
export default function globalSetup(): void {
  if (!chromiumAvailable()) process.stdout.write(`${missingChromiumLine()}\n`);
}
