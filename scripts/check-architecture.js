// `npm run lint:architecture` (and the unit spec src/architecture.spec.ts): the layer rules of
// .dependency-cruiser.js (dependency-cruiser), no import cycle between folders, no file over 300 lines.
// Prints one line per offence naming the import to move; exits 1 when there is any.
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const MAX_LINES = 300;
/** The layers from the bottom up (.dependency-cruiser.js); entry files (src/*.ts) stand above them all. */
const LAYERS = ['ground', 'core', 'access', 'features', 'edge'];

/** The layer of a file (its index in LAYERS; the entry files above every layer), or -1 outside every layer. */
function layerOf(file) {
  const parts = file.split('/');
  if (parts.length === 2) return LAYERS.length;
  return LAYERS.indexOf(parts[1]);
}

/** Lines of a text as an editor counts them (a last line without its newline counts). */
function lineCount(text) {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The folder a file belongs to for the cycle check: src/<layer>/<folder>, src/access, or the entry files. */
function folderOf(file) {
  const parts = file.split('/');
  if (parts.length === 2) return 'src (entry)';
  if (parts[1] === 'access') return 'src/access';
  return parts.slice(0, 3).join('/');
}

function cruise() {
  const bin = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const run = spawnSync(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.js', '--output-type', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (!run.stdout) throw new Error(`dependency-cruiser did not run: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Strongly connected components (Tarjan) of a graph given as Map<node, Set<node>>. */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

function check() {
  const result = cruise();
  const problems = [];
  for (const v of result.summary.violations) {
    problems.push(`${v.rule.name}: ${v.from} imports ${v.to}${v.cycle ? ` (cycle: ${v.cycle.map((c) => c.name ?? c).join(' -> ')})` : ''}`);
  }
  // Folder cycles: arrows that leave something in the built code (no `import type`), the entity registry aside.
  const graph = new Map();
  const arrows = new Map();
  for (const m of result.modules) {
    if (!m.source.startsWith('src/')) continue;
    for (const d of m.dependencies) {
      if (!d.resolved.startsWith('src/') || d.dependencyTypes.includes('type-only')) continue;
      if (m.source === 'src/ground/database/data-source-options.ts' && d.resolved.endsWith('.entity.ts')) continue;
      const a = folderOf(m.source);
      const b = folderOf(d.resolved);
      if (a === b) continue;
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a).add(b);
      const key = `${a} -> ${b}`;
      if (!arrows.has(key)) arrows.set(key, []);
      arrows.get(key).push(`${m.source} imports ${d.resolved}`);
    }
  }
  for (const scc of cycles(graph)) {
    const inside = new Set(scc);
    const within = [...arrows].filter(([key]) => {
      const [a, b] = key.split(' -> ');
      return inside.has(a) && inside.has(b);
    });
    // The arrows to move are those pointing up a layer (or within one); the downward ones are as they should be.
    const upward = within.filter(([key]) => {
      const [a, b] = key.split(' -> ');
      return layerOf(`${a}/x`) <= layerOf(`${b}/x`);
    });
    const shown = upward.length ? upward : within;
    problems.push(`folder cycle: ${scc.join(', ')}; the arrows to look at (${shown.length} of ${within.length}):`);
    for (const [key, list] of shown) for (const line of list) problems.push(`  ${key}: ${line}`);
  }
  for (const m of result.modules) {
    if (!m.source.startsWith('src/') || !m.source.endsWith('.ts')) continue;
    if (layerOf(m.source) < 0) problems.push(`outside every layer: ${m.source} (put it under src/${LAYERS.join('/, src/')}/)`);
    const lines = lineCount(readFileSync(join(ROOT, m.source), 'utf8'));
    if (lines > MAX_LINES) problems.push(`file over ${MAX_LINES} lines: ${m.source} has ${lines}`);
  }
  return { problems, modules: result.modules.length };
}

module.exports = { check, folderOf, layerOf, lineCount };

if (require.main === module) {
  const { problems, modules } = check();
  for (const p of problems) process.stdout.write(`${p}\n`);
  process.stdout.write(`architecture: ${modules} files, ${problems.length} problem line(s)\n`);
  process.exit(problems.length ? 1 : 0);
}
