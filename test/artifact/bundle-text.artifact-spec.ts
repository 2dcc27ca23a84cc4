import { isAscii } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { decode } from '@jridgewell/sourcemap-codec';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import { transformSync } from 'esbuild';
import { ensureBuilt, ROOT } from '../e2e/support/built-service';

/**
 * The bundle is ASCII (scripts/bundle.js `asciiOnly`), so src/start.ts hands V8 a one-byte string: the
 * rewrite of the regular expression literals esbuild leaves non-ASCII must not change what they match,
 * nor where the source map points.
 */
const { asciiOnly } = require(join(ROOT, 'scripts', 'bundle.js')) as { asciiOnly(file: string): void };

describe('the bundle is ASCII, and making it so changes no regular expression', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pls-ascii-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('dist/bundle/service.js and dist/bundle/cli.js, as the build leaves them, are ASCII', async () => {
    await ensureBuilt();
    expect(isAscii(readFileSync(join(ROOT, 'dist', 'bundle', 'service.js')))).toBe(true);
    expect(isAscii(readFileSync(join(ROOT, 'dist', 'bundle', 'cli.js')))).toBe(true);
  }, 240_000);

  it('each regular expression literal matches what it matched before, with or without the u flag, and code after it maps to the same source line', () => {
    const source = [
      'var az = /^[A-VXYZÇƏĞİıÖŞÜ]+$/i, between = String(az.source.length), escaped = /^\\Ç\\ü$/, astral = /^😀+$/u, astralClass = /^[😀é]$/u, plain = /^😀$/, name = "Łódź";',
      'function after(x) { return [az.test(x), escaped.test(x), astral.test(x), astralClass.test(x), plain.test(x), x === name]; }',
      'module.exports = after;',
    ].join('\n');
    const built = transformSync(source, { sourcemap: 'external', sourcefile: 'input.js', charset: 'ascii', minifyWhitespace: true, format: 'cjs' });
    const file = join(dir, 'out.js');
    writeFileSync(file, built.code);
    writeFileSync(`${file}.map`, built.map);
    const before = new TraceMap(built.map);
    const afterAt = built.code.indexOf('function after');

    asciiOnly(file);

    const rewritten = readFileSync(file);
    expect(isAscii(rewritten)).toBe(true);
    const load = (code: string) => {
      const module = { exports: {} as (x: string) => boolean[] };
      runInNewContext(code, { module, exports: module.exports });
      return module.exports;
    };
    const [original, ascii] = [load(built.code), load(rewritten.toString('latin1'))];
    for (const input of ['ÇĞİ', 'Çü', 'ABC', '😀😀', '😀', 'é', '\ud83d', 'Łódź', 'Ç', 'X']) {
      expect([input, ascii(input)]).toEqual([input, original(input)]);
    }
    const after = new TraceMap(readFileSync(`${file}.map`, 'utf8'));
    const newAt = rewritten.toString('latin1').indexOf('function after');
    const position = (map: TraceMap, code: string, at: number) => {
      const line = code.slice(0, at).split('\n').length;
      return originalPositionFor(map, { line, column: at - (code.lastIndexOf('\n', at - 1) + 1) });
    };
    expect(position(after, rewritten.toString('latin1'), newAt)).toEqual(position(before, built.code, afterAt));
    // Every mapped position points at the same character as before, the ones between two escaped literals included.
    const [oldLines, newLines] = [built.code.split('\n'), rewritten.toString('latin1').split('\n')];
    const [oldSegments, newSegments] = [decode(JSON.parse(built.map).mappings), decode(JSON.parse(readFileSync(`${file}.map`, 'utf8')).mappings)];
    let compared = 0;
    oldSegments.forEach((segments, line) => segments.forEach((segment, i) => {
      const was = oldLines[line][segment[0]];
      if (was === undefined || was > '\x7f') return;
      expect([line, segment[0], newLines[line][newSegments[line][i][0]]]).toEqual([line, segment[0], was]);
      compared += 1;
    }));
    expect(compared).toBeGreaterThan(20);
    expect(position(after, rewritten.toString('latin1'), newAt)).toMatchObject({ source: 'input.js', line: 2 });
  });

  it('a non-ASCII character outside a regular expression literal fails the build, naming where', () => {
    const file = join(dir, 'out.js');
    writeFileSync(file, 'var re = /é/;\n/* café */ var x = 1;\n');
    writeFileSync(`${file}.map`, JSON.stringify({ version: 3, sources: [], names: [], mappings: '' }));
    expect(() => asciiOnly(file)).toThrow(/non-ASCII character outside a regular expression literal at offset \d+: .*caf/);
  });
});
