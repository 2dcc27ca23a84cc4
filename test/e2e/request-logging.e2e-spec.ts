import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 11 "Logs": every response carries X-Request-Id (the client's when well-formed, else a new
 * UUID); each request is logged once, when it ends, with that id, method, path (no query string),
 * status and duration; health probes are not logged at info.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Line {
  level: number;
  time: string;
  msg?: string;
  req?: { id: string; method: string; path: string };
  res?: { statusCode: number };
  responseTime?: number;
  [key: string]: unknown;
}

describe('request logging and X-Request-Id', () => {
  const raw: string[] = [];
  const lines = (): Line[] => raw.map((l) => JSON.parse(l) as Line);
  /** Lines of one request: the completion line, and any other line logged while serving it. */
  const linesOf = (id: string) => lines().filter((l) => l.req?.id === id || l.requestId === id);
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' }, logDestination: { write: (line: string) => void raw.push(line) } });
  });
  afterAll(() => t?.close());

  /**
   * pino writes the completion line when the response has finished, a moment after the client has it: waits
   * for the line of request `id` (bounded: a missing line fails the assertions after it), then one turn more,
   * so a second line for it would be seen too. No fixed sleep that a busy machine could outrun.
   */
  const settle = async (id: string) => {
    for (const deadline = Date.now() + 10_000; linesOf(id).length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setImmediate(r));
  };

  it('echoes a well-formed X-Request-Id and logs the request once, with method, path without the query string, status and duration', async () => {
    const id = 'trace-1.2:3_4';
    const res = await t.http.get('/.well-known/jwks.json?token=s3cr3t-in-query').set('X-Request-Id', id);
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBe(id);
    await settle(id);
    const mine = linesOf(id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 30, req: { id, method: 'GET', path: '/.well-known/jwks.json' }, res: { statusCode: 200 } });
    expect(typeof mine[0].responseTime).toBe('number');
    expect(mine[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(raw.join('\n')).not.toContain('s3cr3t-in-query');
  });

  it('generates a UUID when the header is absent or malformed, and logs under it', async () => {
    for (const given of [undefined, 'has spaces', 'x'.repeat(129), 'semi;colon']) {
      const req = t.http.get('/no-such-route?q=hidden-value');
      const res = await (given === undefined ? req : req.set('X-Request-Id', given));
      expect(res.status).toBe(404);
      const id = res.headers['x-request-id'];
      expect(id).toMatch(UUID);
      await settle(id);
      const mine = linesOf(id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ level: 40, req: { id, method: 'GET', path: '/no-such-route' }, res: { statusCode: 404 } });
    }
    expect(raw.join('\n')).not.toContain('hidden-value');
  });

  it('a request refused before routing (malformed JSON) still has its id and its one line', async () => {
    const res = await t.http.post('/v1/users').set('X-Request-Id', 'bad-json-1').set('Content-Type', 'application/json').send('{"a":');
    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toBe('bad-json-1');
    await settle('bad-json-1');
    expect(linesOf('bad-json-1')).toHaveLength(1);
  });

  it('health probes are not logged at info', async () => {
    for (const path of ['/health', '/health/live']) {
      const res = await t.http.get(path).set('X-Request-Id', `probe${path.replace(/\//g, '-')}`);
      expect(res.headers['x-request-id']).toBe(`probe${path.replace(/\//g, '-')}`);
    }
    // A request that is logged, after the probes: once its line is written, theirs would have been too.
    await t.http.get('/no-such-route').set('X-Request-Id', 'after-probes').expect(404);
    await settle('after-probes');
    expect(linesOf('after-probes')).toHaveLength(1);
    expect(lines().filter((l) => l.req?.path?.startsWith('/health'))).toEqual([]);
  });

  it("Nest's module and route mapping lines are not at info", () => {
    const mapping = lines().filter((l) => ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication'].includes(l.context as string));
    expect(mapping).toEqual([]);
  });
});
