/** The bench's table: printed as markdown, and written between markers into BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';

export interface Row {
  part: string;
  scenario: string;
  measured: string;
  /** The target, '' for a figure that has none. */
  target: string;
  met: boolean | null;
  load: number | null;
  unexpected: number | null;
}

export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

export function machine(cores: number): string {
  let os = `${type()} ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty) os = `${pretty[1]} (${type()} ${release()})`;
  } catch {
    // not Linux
  }
  return `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cores} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node.js ${process.version}, ${os}`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function table(rows: Row[]): string {
  const lines = [
    '| part | scenario | measured | target (issue 12) | met | load 1m | unexpected |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const met = r.met === null ? '' : r.met ? 'met' : '**not met**';
    lines.push(`| ${cell(r.part)} | ${cell(r.scenario)} | ${cell(r.measured)} | ${cell(r.target)} | ${met} | ${r.load === null ? '' : r.load.toFixed(2)} | ${r.unexpected === null ? '' : r.unexpected} |`);
  }
  return lines.join('\n');
}

const SKELETON_TAIL = `
## Profile

<!-- Filled in by a human from a run with \`npm run bench -- --profile\`: where the time goes (open the
.cpuprofile in Chrome DevTools or speedscope), per endpoint. The bench never rewrites this section. -->

_Not profiled yet._

## Findings

<!-- Filled in by a human: what the numbers mean, what was changed because of them. The bench never
rewrites this section. -->

_None yet._
`;

/** The markers of one database's table: a SQLite run and a PostgreSQL run each keep their own. */
export function markersOf(db: string): [string, string] {
  return [`<!-- bench:${db}:start -->`, `<!-- bench:${db}:end -->`];
}

/**
 * Writes `generated` between `db`'s markers in `file` (a SQLite and a PostgreSQL run each replace
 * only their own table), keeping everything else: the other database's table and the hand-written
 * "## Profile" and "## Findings" sections. A first table takes the place of the skeleton's
 * placeholder, or goes before "## Profile".
 */
export function writeReport(file: string, generated: string, db: string): void {
  const [start, end] = markersOf(db);
  const block = `${start}\n${generated.trim()}\n${end}`;
  if (!existsSync(file)) {
    writeFileSync(file, `# Benchmarks\n\n${block}\n${SKELETON_TAIL}`);
    return;
  }
  const old = readFileSync(file, 'utf8');
  for (const [a, b] of [[start, end], [START, END]]) {
    const i = old.indexOf(a);
    const j = old.indexOf(b);
    if (i >= 0 && j > i) {
      writeFileSync(file, old.slice(0, i) + block + old.slice(j + b.length));
      return;
    }
  }
  const profile = /^## Profile\b/m.exec(old);
  writeFileSync(file, profile ? `${old.slice(0, profile.index)}${block}\n\n${old.slice(profile.index)}` : `${old.trimEnd()}\n\n${block}\n`);
}
