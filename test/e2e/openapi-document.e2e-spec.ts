import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpenApiDocument, serializeOpenApiDocument } from '../../scripts/openapi-document';

/**
 * The committed openapi.json (README "OpenAPI") is the live document, lints clean with the recommended
 * rules (redocly.yaml), offline, and a TypeScript client generated from it compiles.
 */
const ROOT = join(__dirname, '..', '..');
const FILE = join(ROOT, 'openapi.json');
const BIN = join(ROOT, 'node_modules', '.bin');
const NO_NETWORK = join(__dirname, 'support', 'no-network.js');

/** Runs a tool from node_modules/.bin with the network cut off; answers its exit code and output. */
function runOffline(tool: string, args: string[], cwd = ROOT): { status: number | null; output: string } {
  const res = spawnSync(join(BIN, tool), args, {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${NO_NETWORK}`.trim(),
      REDOCLY_TELEMETRY: 'off',
      REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
      NO_COLOR: '1',
    },
  });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

describe('openapi.json', () => {
  it('is the live document, as the built service serves it (otherwise: run npm run openapi)', () => {
    // Generated in a child process compiled like `npm run openapi` (with the swagger plugin, as `nest build`
    // applies it): ts-jest compiles this suite without it, and the DTOs' documentation would be poorer.
    const gen = spawnSync(process.execPath, ['-r', './scripts/register-ts-node-swagger.js', 'scripts/openapi.ts', '--stdout'], {
      cwd: ROOT, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024,
    });
    expect({ status: gen.status, stderr: gen.stderr }).toEqual({ status: 0, stderr: '' });
    const live = gen.stdout;
    const committed = readFileSync(FILE, 'utf8');
    if (committed !== live) {
      const a = committed.split('\n');
      const b = live.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      throw new Error(
        `openapi.json differs from the live document (first at line ${line + 1}: committed ${JSON.stringify(a[line])}, live ${JSON.stringify(b[line])}).\n` +
          'Run npm run openapi and commit openapi.json (expected after a route or DTO changes, and after merges that add routes).',
      );
    }
  });

  it('the in-process document (without the plugin) has the same operations as openapi.json', async () => {
    const inProcess = JSON.parse(serializeOpenApiDocument(await generateOpenApiDocument()));
    const committed = JSON.parse(readFileSync(FILE, 'utf8'));
    const operations = (doc: { paths: Record<string, Record<string, { operationId: string }>> }) =>
      Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => `${method} ${path} ${op.operationId}`)).sort();
    expect(operations(inProcess)).toEqual(operations(committed));
  });

  it('every operation has a unique operationId, a summary, a tag the document describes, and security (empty when public)', () => {
    const doc = JSON.parse(readFileSync(FILE, 'utf8'));
    const tags = new Set((doc.tags as Array<{ name: string; description?: string }>).map((t) => t.name));
    const ids: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        ids.push(op.operationId);
        expect([where, typeof op.summary === 'string' && op.summary.length > 0]).toEqual([where, true]);
        expect([where, op.tags.length, tags.has(op.tags[0])]).toEqual([where, 1, true]);
        expect([where, Array.isArray(op.security)]).toEqual([where, true]);
      }
    }
    expect(ids.length).toBe(new Set(ids).size);
    for (const d of ['D1', 'D2', 'D3', 'D4', 'D5']) expect([...tags].filter((t) => t.startsWith(`${d} `))).toHaveLength(1);
    expect(doc.servers).toEqual([expect.objectContaining({ url: 'http://localhost:3000' })]);
  });

  it('lints clean with redocly (recommended rules), without touching the network', () => {
    const { status, output } = runOffline('redocly', ['lint', 'openapi.json', '--config', 'redocly.yaml']);
    expect(output).not.toContain('NETWORK ATTEMPT');
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('valid') });
  });

  it('generates a TypeScript client (openapi-typescript) that compiles with tsc --strict', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-client-'));
    try {
      const gen = runOffline('openapi-typescript', [FILE, '-o', join(dir, 'schema.d.ts')]);
      expect(gen.output).not.toContain('NETWORK ATTEMPT');
      expect({ status: gen.status, output: gen.output }).toEqual({ status: 0, output: expect.any(String) });
      writeFileSync(
        join(dir, 'usage.ts'),
        [
          "import type { components, operations, paths } from './schema';",
          "type Created = paths['/accounts']['post']['responses']['201']['content']['application/json'];",
          "type Conflict = paths['/accounts']['post']['responses']['409']['content']['application/json'];",
          "type NewKey = paths['/api-keys']['post']['requestBody'];",
          "export const conflict: Conflict = { statusCode: 409, error: 'Conflict', code: 'EMAIL_TAKEN', message: 'A user with this email already exists.' };",
          "export const accountId = (c: Created): string => c.data.account_id;",
          "export const key: components['schemas']['CreateApiKeyDto'] | undefined = undefined;",
          "export type Ops = keyof operations;",
          "export type Body = NonNullable<NewKey>['content']['application/json'];",
          '// The types are precise, not any: a wrong body does not compile.',
          '// @ts-expect-error statusCode is a number',
          "export const wrong: Conflict = { statusCode: '409', error: 'Conflict', code: 'EMAIL_TAKEN', message: '' };",
          '',
        ].join('\n'),
      );
      const tsc = runOffline('tsc', ['--noEmit', '--strict', '--skipLibCheck', 'false', 'usage.ts'], dir);
      expect({ status: tsc.status, output: tsc.output }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
