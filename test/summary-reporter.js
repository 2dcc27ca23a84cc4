/**
 * Prints the closing line CI reads: "N passed, M failed" and, when any test did not run,
 * ", K skipped (<count> <reason>; …)". Counted from jest's own aggregated results, so a suite that fails
 * to load counts as failed. The reason of a skipped test is the `[skipped: <reason>]` tag in its title or
 * in a describe around it (test/support/skips.ts); one without a tag is counted as "no reason given"
 * and named on a line of its own, so no test disappears without a word.
 */
const TAG = /\[skipped: ([^\]]+)\]/;
const NO_REASON = 'no reason given';

function reasonOf(test, namePattern) {
  for (const title of [test.title, ...[...test.ancestorTitles].reverse()]) {
    const match = TAG.exec(title);
    if (match) return match[1];
  }
  if (test.status === 'todo') return 'todo';
  // jest -t <pattern> marks every other test pending: left out on request, not for want of anything.
  return namePattern ? `not matching -t ${namePattern}` : NO_REASON;
}

/** Reason → { count, files } over every test that did not run. */
function skippedByReason(results, namePattern) {
  const reasons = new Map();
  for (const file of results.testResults) {
    for (const test of file.testResults) {
      if (test.status !== 'pending' && test.status !== 'skipped' && test.status !== 'todo' && test.status !== 'disabled') continue;
      const reason = reasonOf(test, namePattern);
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
function summary(results, namePattern) {
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  const reasons = [...skippedByReason(results, namePattern).entries()].sort((a, b) => b[1].count - a[1].count);
  const skipped = reasons.reduce((n, [, e]) => n + e.count, 0);
  const lines = [];
  for (const [reason, e] of reasons) {
    lines.push(`skipped: ${e.count} test(s) in ${e.files.size} file(s): ${reason}`);
    for (const name of e.untagged.slice(0, 30)) lines.push(`  skipped without a reason: ${name}`);
    if (e.untagged.length > 30) lines.push(`  … and ${e.untagged.length - 30} more`);
  }
  const detail = reasons.map(([reason, e]) => `${e.count} ${reason}`).join('; ');
  lines.push(`${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped (${detail})` : ''));
  return lines.join('\n');
}

class SummaryReporter {
  constructor(globalConfig) {
    this.namePattern = globalConfig?.testNamePattern || null;
  }

  onRunComplete(_contexts, results) {
    process.stdout.write(`\n${summary(results, this.namePattern)}\n`);
  }
}
module.exports = SummaryReporter;
module.exports.summary = summary;
