// The order jest's workers take the test files in: longest first, so that no long file starts last and
// leaves one worker running alone at the end (a fresh clone, as CI runs, has no timing cache, and jest
// would then order by file size: the input fuzz, a short file, came last and ran 130 s alone).
// A file's time is jest's own measurement from the last run when the cache has one; otherwise the
// estimate below (seconds with two workers on the 2-core machine), else its tier's typical time.
const Sequencer = require('@jest/test-sequencer').default;
const { relative } = require('node:path');

/** Seconds, measured with two workers (`npx jest --maxWorkers=2 --json`): only files far above their tier's typical time. */
const ESTIMATES = {
  'test/e2e/input-fuzz.postgres.e2e-spec.ts': 120,
  'test/e2e/input-fuzz.sqlite.e2e-spec.ts': 100,
  'test/e2e/authorization-matrix.e2e-spec.ts': 70,
  'test/e2e/d5-password-reset.e2e-spec.ts': 47,
  'test/browser/swagger-ui.browser-spec.ts': 42,
  'test/browser/pages-walk.browser-spec.ts': 41,
  'src/core/mail/outbox.worker.spec.ts': 41,
  'test/browser/pages.browser-spec.ts': 37,
  'test/e2e/budget-reservations.e2e-spec.ts': 31,
  'test/e2e/migration-race.e2e-spec.ts': 31,
  'test/e2e/caller-rate-limit.e2e-spec.ts': 29,
  'test/browser/pages-robustness.browser-spec.ts': 29,
  'test/e2e/readme-walkthrough.e2e-spec.ts': 24,
  'test/e2e/redis-outage.e2e-spec.ts': 21,
  'test/e2e/webhooks.e2e-spec.ts': 20,
  'test/e2e/signup-verification.e2e-spec.ts': 20,
};
/** Typical seconds per tier (by the file's name). */
const TIERS = [
  [/\.browser-spec\.ts$/, 15],
  [/\.artifact-spec\.ts$/, 12],
  [/\.e2e-spec\.ts$/, 10],
  [/\.spec\.ts$/, 1],
];

class LongestFirst extends Sequencer {
  /** Jest sorts by this (seconds or milliseconds alike: only the order matters), failed files first. */
  time(test) {
    const measured = super.time(test);
    if (measured != null) return measured;
    const file = relative(test.context.config.rootDir, test.path);
    const seconds = ESTIMATES[file] ?? TIERS.find(([pattern]) => pattern.test(file))?.[1] ?? 10;
    return seconds * 1000;
  }
}

module.exports = LongestFirst;
