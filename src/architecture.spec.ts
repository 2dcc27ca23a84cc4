// The architecture test (issue 19; docs/DESIGN.md "Layers"): src/ground < src/core < src/access < src/features <
// src/edge < the entry files, checked by dependency-cruiser (.dependency-cruiser.js) through
// scripts/check-architecture.js; no import cycle between folders; no src file over 300 lines.
// A failure prints each offending import as "<rule>: <file> imports <file>".
const { check, folderOf, layerOf, lineCount } = require('../scripts/check-architecture.js') as {
  check: () => { problems: string[]; modules: number };
  folderOf: (file: string) => string;
  layerOf: (file: string) => number;
  lineCount: (text: string) => number;
};

describe('architecture: layers, folder cycles, file length', () => {
  it('a file imports only its layer and the layers below, no folder imports another in a cycle, no file is over 300 lines', () => {
    const { problems, modules } = check();
    expect(modules).toBeGreaterThan(200);
    expect(problems).toEqual([]);
  }, 120_000);

  it('the cycle check counts a folder as src/<layer>/<folder>, the access layer as one, the entry files as one', () => {
    expect(folderOf('src/ground/common/rate-limit/caller-throttler.guard.ts')).toBe('src/ground/common');
    expect(folderOf('src/features/users/dto/user-response.dto.ts')).toBe('src/features/users');
    expect(folderOf('src/access/decorators/auth.decorators.ts')).toBe('src/access');
    expect(folderOf('src/app.module.ts')).toBe('src (entry)');
  });

  it('a file outside the five layer folders belongs to no layer (reported), the entry files stand above them all', () => {
    expect(layerOf('src/misc/x.ts')).toBe(-1);
    expect(layerOf('src/ground/common/x.ts')).toBe(0);
    expect(layerOf('src/edge/cli/main.ts')).toBe(4);
    expect(layerOf('src/main.ts')).toBe(5);
  });

  it('counts lines as an editor does: a last line without its newline counts', () => {
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount('')).toBe(0);
  });
});
