import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpenApiDocument, serializeOpenApiDocument } from '../../scripts/openapi-document';
import { NAME_PATTERN } from '../../src/ground/common/dto-fields';
import { LINK_TEMPLATE_PATTERN } from '../../src/ground/config/link-template';
import { ensureBuilt } from './support/built-service';
import { OpenApiResponseChecker } from './support/openapi-responses';

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
    // Generated in a child process from the build (dist/, rebuilt here when older than src/), which `nest build`
    // compiled with the swagger plugin, as `npm run openapi` compiles the sources: ts-jest compiles this suite
    // without it, and the DTOs' documentation would be poorer.
    ensureBuilt();
    const gen = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/openapi.ts', '--stdout', '--built'], {
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

  it('lints clean with redocly (recommended rules): no error and no warning, without touching the network', () => {
    const { status, output } = runOffline('redocly', ['lint', 'openapi.json', '--config', 'redocly.yaml']);
    expect(output).not.toContain('NETWORK ATTEMPT');
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('valid') });
    // "You have 1 warning." and "Warning was generated by the … rule" (not the banner about Node versions).
    expect(output).not.toMatch(/You have \d+ warnings?|Warning was generated/);
  });

  describe('says exactly what the service does (issue 17)', () => {
    const doc = JSON.parse(readFileSync(FILE, 'utf8'));
    const schemas = doc.components.schemas as Record<string, any>;
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, path, method, op })));
    const op = (method: string, path: string) => doc.paths[path][method];
    const resolve = (schema: any): any => (schema?.$ref ? schemas[schema.$ref.replace('#/components/schemas/', '')] : schema);
    /** Every component schema reachable from `schema` (through $ref, properties, items, allOf/oneOf/anyOf). */
    const reachable = (schema: any, seen = new Set<string>()): Set<string> => {
      if (!schema || typeof schema !== 'object') return seen;
      if (schema.$ref) {
        const name = schema.$ref.replace('#/components/schemas/', '');
        if (seen.has(name)) return seen;
        seen.add(name);
        return reachable(schemas[name], seen);
      }
      for (const nested of [...Object.values(schema.properties ?? {}), schema.items, ...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) reachable(nested, seen);
      return seen;
    };
    const bodies = ops.filter((o) => o.op.requestBody).map((o) => ({ ...o, content: o.op.requestBody.content as Record<string, { schema: any; example?: unknown; examples?: Record<string, { value: unknown }> }> }));

    it('request bodies refuse unknown fields (additionalProperties: false, nested objects too); the OAuth token form ignores them (RFC 6749 §3.2)', () => {
      expect(bodies.length).toBeGreaterThan(20);
      for (const { where, path, content } of bodies) {
        for (const [media, { schema }] of Object.entries(content)) {
          if (path === '/oauth/token') {
            expect([where, media, schema.$ref, schema.additionalProperties]).toEqual([where, 'application/x-www-form-urlencoded', undefined, undefined]);
            continue;
          }
          const names = [...reachable(schema)];
          expect([where, names.length > 0]).toEqual([where, true]);
          for (const name of names.filter((n) => schemas[n].properties)) expect([where, name, schemas[name].additionalProperties]).toEqual([where, name, false]);
        }
      }
    });

    it('every email field of a request body is format: email (the recovery requests included)', () => {
      const emails = bodies.flatMap(({ where, content }) =>
        Object.values(content).flatMap(({ schema }) => [...reachable(schema)].flatMap((name) => (schemas[name].properties?.email ? [[where, name, schemas[name].properties.email.format]] : []))));
      expect(emails.map(([where]) => where)).toEqual(expect.arrayContaining(['POST /api/v2/account/recover', 'POST /v1/auth/password-reset/request', 'POST /auth/signup', 'POST /accounts']));
      for (const [where, name, format] of emails) expect([where, name, format]).toEqual([where, name, 'email']);
    });

    it('names state their character rules (pattern and words); link templates too', () => {
      const named = [['CreateAccountDto', 'name'], ['CreateUserDto', 'firstName'], ['CreateUserDto', 'lastName'], ['SignUpDto', 'firstName'], ['SignUpDto', 'lastName'], ['CreateApiKeyDto', 'name']];
      for (const [model, field] of named) {
        expect([model, field, schemas[model].properties[field].pattern]).toEqual([model, field, NAME_PATTERN]);
        expect([model, field, schemas[model].properties[field].description]).toEqual([model, field, expect.stringMatching(/visible character.*no control characters/)]);
      }
      for (const kind of ['invitation', 'verification', 'reset', 'recovery']) {
        const template = schemas.AccountLinksDto.properties[kind];
        expect([kind, template.pattern, template.maxLength, template.nullable]).toEqual([kind, LINK_TEMPLATE_PATTERN, 2048, true]);
        expect([kind, template.description]).toEqual([kind, expect.stringContaining('`{code}` exactly once')]);
      }
    });

    it('the page forms mark the fields they need as required', () => {
      const forms = ops.filter((o) => o.op.tags[0] === 'Pages' && o.method === 'post');
      expect(forms).toHaveLength(6);
      for (const { where, op: form } of forms) {
        const schema = resolve(form.requestBody.content['application/x-www-form-urlencoded'].schema);
        expect([where, schema.required]).toEqual([where, [expect.stringMatching(/^(token|code|validation_code|email)$/)]]);
      }
    });

    it('GET /metrics: 200 Prometheus text, 401 JSON in the service envelope (as it is sent)', () => {
      const metrics = op('get', '/metrics');
      expect(Object.keys(metrics.responses['200'].content)).toEqual(['text/plain; version=0.0.4; charset=utf-8']);
      expect(metrics.responses['401'].content).toEqual({ 'application/json': expect.objectContaining({ schema: { $ref: '#/components/schemas/ServiceErrorDto' } }) });
    });

    it('PUT /users/{id}/password-hash: one example per format, each valid (bcrypt without Firebase fields); its security says admin only', () => {
      const importHash = op('put', '/users/{id}/password-hash');
      const { schema, examples } = importHash.requestBody.content['application/json'];
      const values = Object.values(examples as Record<string, { value: Record<string, unknown> }>).map((e) => e.value);
      expect(values.map((v) => v.format).sort()).toEqual(['argon2', 'bcrypt', 'django-pbkdf2-sha256', 'firebase-scrypt']);
      for (const value of values.filter((v) => v.format !== 'firebase-scrypt')) expect(Object.keys(value).sort()).toEqual(['format', 'hash']);
      const checker = new OpenApiResponseChecker(doc);
      for (const [name, example] of Object.entries(examples as Record<string, { value: unknown }>)) expect([name, checker.matches(schema, example.value)]).toEqual([name, null]);
      // No property example pairs a Firebase parameter with another format.
      for (const field of ['salt', 'salt_separator', 'signer_key', 'rounds', 'mem_cost']) expect([field, schemas.ImportPasswordHashDto.properties[field].example]).toEqual([field, undefined]);
      expect(importHash.security).toContainEqual({ oauth2: ['admin'] });
      expect(JSON.stringify(importHash.security)).not.toContain('users:write');
      expect(importHash.responses['403'].description).toMatch(/admin scope/);
    });

    it('every request example (what Swagger UI pre-fills) matches its schema', () => {
      const checker = new OpenApiResponseChecker(doc);
      let count = 0;
      for (const { where, content } of bodies) {
        for (const [media, { schema, example, examples }] of Object.entries(content)) {
          const all = [...(example === undefined ? [] : [example]), ...Object.values(examples ?? {}).map((e) => e.value)];
          for (const value of all) {
            count += 1;
            expect([where, media, checker.matches(schema, value)]).toEqual([where, media, null]);
          }
        }
      }
      expect(count).toBeGreaterThanOrEqual(6);
    });

    it("POST /accounts: the examples carry no links (an account made from them mails the service's own links)", () => {
      const { examples } = op('post', '/accounts').requestBody.content['application/json'];
      expect(Object.keys(examples).length).toBeGreaterThan(0);
      for (const example of Object.values(examples) as Array<{ value: Record<string, unknown> }>) {
        expect(example.value).toEqual(expect.objectContaining({ name: expect.any(String), owner: expect.objectContaining({ email: expect.any(String) }) }));
        expect(example.value.links).toBeUndefined();
      }
    });

    it('a query-string error says "The query string is invalid.": no route without a body has a 400 example saying "The request body is invalid."', () => {
      let queryExamples = 0;
      for (const { where, op: operation } of ops.filter((o) => !o.op.requestBody)) {
        const content = operation.responses['400']?.content?.['application/json'];
        const values = [content?.example, ...Object.values(content?.examples ?? {}).map((e: any) => e.value)].filter(Boolean);
        for (const value of values) {
          expect([where, value.message]).not.toEqual([where, 'The request body is invalid.']);
          if (value.message === 'The query string is invalid.') queryExamples += 1;
        }
      }
      expect(queryExamples).toBeGreaterThan(10);
    });

    it('tags: the admin API first, then OAuth; the dialects after; the pages (and their assets) last', () => {
      const tags = (doc.tags as Array<{ name: string }>).map((t) => t.name);
      expect(tags.slice(0, 6)).toEqual(['Accounts', 'Users', 'API keys', 'Audit events', 'Webhooks', 'OAuth']);
      const dialects = tags.map((t, i) => [t, i] as const).filter(([t]) => /^D[1-5] /.test(t)).map(([, i]) => i);
      expect(dialects).toEqual([...dialects].sort((a, b) => a - b));
      expect(Math.min(...dialects)).toBeGreaterThan(5);
      expect(tags[tags.length - 1]).toBe('Pages');
      expect(op('get', '/assets/favicon.svg').tags).toEqual(['Pages']);
    });

    it('each security scheme says how to get the credential and how to send it', () => {
      const schemes = doc.components.securitySchemes;
      expect(schemes['api-key'].description).toEqual(expect.stringMatching(/POST \/api-keys.*api-key create.*ADMIN_API_KEY/s));
      expect(schemes['api-key'].description).toContain('X-Api-Key: <key>');
      expect(schemes.bearer.description).toEqual(expect.stringMatching(/POST \/auth\/login.*POST \/oauth\/token.*POST \/auth\/verify-email/s));
      expect(schemes.bearer.description).toContain('Authorization: Bearer <token>');
      expect(schemes.oauth2.description).toEqual(expect.stringMatching(/client_id.*client_secret.*POST \/oauth\/token.*oauth-authorization-server/s));
      expect(schemes['oauth-client-basic'].description).toEqual(expect.stringMatching(/POST \/oauth\/token.*user name.*password/s));
    });

    it('documents the RFC 8414 metadata route', () => {
      const discovery = op('get', '/.well-known/oauth-authorization-server');
      expect(discovery.security).toEqual([]);
      const metadata = resolve(discovery.responses['200'].content['application/json'].schema);
      expect(Object.keys(metadata.properties)).toEqual(expect.arrayContaining(['issuer', 'token_endpoint', 'jwks_uri', 'grant_types_supported', 'token_endpoint_auth_methods_supported', 'scopes_supported', 'response_types_supported']));
    });
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
