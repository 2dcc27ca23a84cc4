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

/**
 * Writes `generated` between the markers of `file`, keeping everything else (the hand-written
 * "## Profile" and "## Findings" sections). A file without markers keeps its Profile and Findings
 * sections below a fresh generated part.
 */
export function writeReport(file: string, generated: string): void {
  const block = `${START}\n${generated.trim()}\n${END}`;
  if (existsSync(file)) {
    const old = readFileSync(file, 'utf8');
    const a = old.indexOf(START);
    const b = old.indexOf(END);
    if (a >= 0 && b > a) {
      writeFileSync(file, old.slice(0, a) + block + old.slice(b + END.length));
      return;
    }
    const kept = ['Profile', 'Findings']
      .map((h) => new RegExp(`^## ${h}\\b[\\s\\S]*?(?=^## |(?![\\s\\S]))`, 'm').exec(old)?.[0].trim())
      .filter((s): s is string => !!s);
    if (kept.length > 0) {
      writeFileSync(file, `# Benchmarks\n\n${block}\n\n${kept.join('\n\n')}\n`);
      return;
    }
  }
  writeFileSync(file, `# Benchmarks\n\n${block}\n${SKELETON_TAIL}`);
}
