/**
 * Prints the closing line CI reads: "N passed, M failed" and, when any test did not run,
 * ", K skipped (<count> <reason>; …)". Counted from jest's own aggregated results, so a suite that fails
 * to load counts as failed. The reason of a skipped test is the `[skipped: <reason>]` tag in its title or
 * in a describe around it (test/support/skips.ts); one without a tag is counted as "no reason given"
 * and named on a line of its own, so no test disappears without a word.
 */
const TAG = /\[skipped: ([^\]]+)\]/;
const NO_REASON = 'no reason given';

function reasonOf(test) {
  for (const title of [test.title, ...[...test.ancestorTitles].reverse()]) {
    const match = TAG.exec(title);
    if (match) return match[1];
  }
  return test.status === 'todo' ? 'todo' : NO_REASON;
}

/** Reason → { count, files } over every test that did not run. */
function skippedByReason(results) {
  const reasons = new Map();
  for (const file of results.testResults) {
    for (const test of file.testResults) {
      if (test.status !== 'pending' && test.status !== 'skipped' && test.status !== 'todo' && test.status !== 'disabled') continue;
      const reason = reasonOf(test);
      const entry = reasons.get(reason) ?? { count: 0, files: new Set(), untagged: [] };
      entry.count += 1;
      entry.files.add(file.testFilePath);
      if (reason === NO_REASON) entry.untagged.push(`${[...test.ancestorTitles, test.title].join(' › ')} (${file.testFilePath})`);
      reasons.set(reason, entry);
    }
  }
  return reasons;
}

/** The closing line and the lines before it (one per skip reason), as text. */
function summary(results) {
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  const reasons = [...skippedByReason(results).entries()].sort((a, b) => b[1].count - a[1].count);
  const skipped = reasons.reduce((n, [, e]) => n + e.count, 0);
  const lines = [];
  for (const [reason, e] of reasons) {
    lines.push(`skipped: ${e.count} test(s) in ${e.files.size} file(s): ${reason}`);
    for (const name of e.untagged) lines.push(`  skipped without a reason: ${name}`);
  }
  const detail = reasons.map(([reason, e]) => `${e.count} ${reason}`).join('; ');
  lines.push(`${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped (${detail})` : ''));
  return lines.join('\n');
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(`\n${summary(results)}\n`);
  }
}
module.exports = SummaryReporter;
module.exports.summary = summary;
