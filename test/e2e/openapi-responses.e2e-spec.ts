import request from 'supertest';
import type { OpenAPIObject } from '@nestjs/swagger';
import { buildOpenApiDocument } from '../../src/configure-app';
import { describeEachDatabase } from './support/databases';
import { admin } from './support/factories';
import { OpenApiResponseChecker } from './support/openapi-responses';
import { checkedAgent, startTestApp, TestApp } from './support/test-app';

const JSON_UTF8 = 'application/json; charset=utf-8';

/**
 * The check every e2e response goes through (test/e2e/support/openapi-responses.ts, hooked into `t.http`):
 * it refuses what the document does not describe, so the document cannot drift from the service. Also
 * the routes Swagger UI serves beside the document: /docs-json, /docs-yaml.
 */
describeEachDatabase('responses checked against the OpenAPI document (/docs-json)', (kind) => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let sut: OpenApiResponseChecker;

  beforeAll(async () => {
    t = await startTestApp({ kind });
    doc = buildOpenApiDocument(t.app, t.config.publicUrl);
    sut = new OpenApiResponseChecker(doc);
  });
  afterAll(() => t?.close());

  const json = (status: number, body: unknown) => ({ status, headers: { 'content-type': JSON_UTF8 }, text: JSON.stringify(body) });
  const refusal = (status: number, code: string) => json(status, { statusCode: status, error: 'x', code, message: 'y' });

  it('accepts a documented response: status, content type and a body its schema accepts (nullable fields null, parameters of the media type ignored)', () => {
    expect(sut.check('GET', '/health/live', json(200, { status: 'ok' }))).toBeNull();
    expect(sut.check('GET', '/api-keys?x=1', json(200, { data: [] }))).toBeNull();
    expect(sut.check('GET', `/accounts/${crypto.randomUUID()}/users`, json(200, { data: [], next_cursor: null }))).toBeNull();
    expect(sut.check('DELETE', `/api-keys/${crypto.randomUUID()}`, { status: 204, headers: {} })).toBeNull();
  });

  it('refuses an undocumented status, naming the operation and the documented ones', () => {
    expect(sut.check('GET', '/health/live', json(418, {}))).toMatch(/^GET \/health\/live \(Health_live\): status 418 is not documented \(documented: 200, 400, 413, 415, 500\)$/);
  });

  it('refuses an undocumented content type, and a body where the document says there is none', () => {
    expect(sut.check('GET', '/health/live', { status: 200, headers: { 'content-type': 'text/plain' }, text: 'ok' })).toMatch(/answered Content-Type text\/plain, documented: application\/json/);
    expect(sut.check('DELETE', `/api-keys/${crypto.randomUUID()}`, json(204, {}))).toMatch(/documented without a body/);
  });

  it('refuses a body that breaks the schema: a wrong type, a missing field, a field the document does not name, a value outside an enum', () => {
    expect(sut.check('GET', '/health/live', json(200, { status: 'down' }))).toMatch(/body breaks the documented schema: \/status must be equal to one of the allowed values \["ok"\]/);
    expect(sut.check('GET', '/api-keys', json(401, { statusCode: '401', error: 'x', code: 'y', message: 'z' }))).toMatch(/\/statusCode must be number/);
    expect(sut.check('GET', '/api-keys', json(401, { statusCode: 401, error: 'x', code: 'y' }))).toMatch(/must have required property 'message'/);
    expect(sut.check('GET', '/api-keys', json(401, { statusCode: 401, error: 'x', code: 'y', message: 'z', stack: 'at …' }))).toMatch(/has the undocumented field "stack"/);
    expect(sut.check('GET', '/api-keys', { status: 401, headers: { 'content-type': JSON_UTF8 }, text: 'not json' })).toMatch(/the body is not JSON/);
  });

  it('matches concrete paths before templates, and ignores case and a trailing slash as the routes do', () => {
    // GET /accounts/set-password is D1's path (no GET there), not GET /accounts/{id}: a 4xx in D1's envelope.
    expect(sut.check('GET', '/accounts/set-password', json(401, { error: 'Authentication is required.' }))).toBeNull();
    expect(sut.check('GET', '/accounts/set-password', refusal(401, 'UNAUTHENTICATED'))).toMatch(/no operation in the document; dialect D1/);
    expect(sut.check('POST', '/API/V2/ACCOUNT/RECOVER/', json(200, { nope: 1 }))).toMatch(/^POST \/api\/v2\/account\/recover \(AccountRecovery_recover\): status 200 application\/json: the body breaks/);
  });

  it('a request no operation takes must get a 4xx in its dialect\'s envelope', () => {
    expect(sut.check('GET', '/nope', refusal(404, 'ROUTE_NOT_FOUND'))).toBeNull();
    expect(sut.check('GET', '/nope', json(200, {}))).toMatch(/must get a 4xx/);
    expect(sut.check('GET', '/api/v2/account/nope', json(404, { detail: 'Not found.' }))).toBeNull();
    expect(sut.check('GET', '/api/v2/account/nope', refusal(404, 'ROUTE_NOT_FOUND'))).toMatch(/dialect D4/);
  });

  it('pages and assets are checked for status and content type only; HEAD as its GET, without a body', () => {
    const html = { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<!doctype html>' };
    expect(sut.check('GET', '/set-password', html)).toBeNull();
    expect(sut.check('HEAD', '/set-password', { status: 200, headers: html.headers })).toBeNull();
    expect(sut.check('GET', '/set-password', json(200, {}))).toMatch(/documented: text\/html/);
    expect(sut.check('GET', '/set-password', { ...html, status: 429 })).toMatch(/status 429 is not documented/);
    // Assets likewise: their content type is checked, their text is not read.
    expect(sut.check('GET', '/assets/pages.css', { status: 200, headers: { 'content-type': 'text/css; charset=utf-8' }, text: 'not read {' })).toBeNull();
    expect(sut.check('GET', '/assets/pages.js', { status: 200, headers: { 'content-type': 'text/javascript; charset=utf-8' }, text: 'not read (' })).toBeNull();
    expect(sut.check('GET', '/assets/pages.css', { status: 200, headers: { 'content-type': 'text/plain' }, text: '' })).toMatch(/documented: text\/css/);
  });

  it('hooked into t.http: a response the document does not describe fails the request after the test\'s own expectations, naming the operation, status and schema error', async () => {
    const doctored = JSON.parse(JSON.stringify(doc)) as OpenAPIObject;
    delete (doctored.paths['/health/live'].get!.responses as Record<string, unknown>)['200'];
    const http = checkedAgent(request.agent(t.app.getHttpServer()), () => doctored);
    await expect(http.get('/health/live').expect(200).then(() => 'passed')).rejects.toThrow(
      'Response not as /docs-json documents it: GET /health/live (Health_live): status 200 is not documented',
    );
    // The test's own expectation fails first, with its own message.
    await expect(http.get('/health/live').expect(201).then(() => 'passed')).rejects.toThrow('expected 201 "Created", got 200 "OK"');
    // And t.http itself checks: a documented response passes.
    await t.http.get('/health/live').expect(200);
  });

  it('GET /docs-json is the document; GET /docs-yaml has the same paths, as YAML (text/yaml)', async () => {
    const served = (await t.http.get('/docs-json').expect(200).expect('Content-Type', /^application\/json/)).body as OpenAPIObject;
    expect(Object.keys(served.paths).sort()).toEqual(Object.keys(doc.paths).sort());
    expect(served).toEqual(JSON.parse(JSON.stringify(doc)));
    const yaml = await t.http.get('/docs-yaml').expect(200).expect('Content-Type', /^text\/yaml/);
    expect(yaml.text).toMatch(/^openapi: 3\.0\.0$/m);
    const yamlPaths = [...yaml.text.matchAll(/^ {2}'?(\/[^':]*)'?:$/gm)].map((m) => m[1]);
    expect(yamlPaths.sort()).toEqual(Object.keys(doc.paths).sort());
  });

  it('GET /assets/favicon.svg: 200 image/svg+xml', async () => {
    const res = await t.http.get('/assets/favicon.svg').expect(200).expect('Content-Type', /^image\/svg\+xml/);
    expect(res.body.toString()).toMatch(/<svg[\s>]/);
    await t.http.get('/api-keys').set(admin).expect(200);
  });
});
