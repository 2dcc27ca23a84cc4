import { Agent } from 'node:http';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from '../../../src/app.module';
import { Clock } from '../../../src/ground/common/clock';
import { AppConfig, loadAppConfig } from '../../../src/ground/config/app-config';
import { buildOpenApiDocument, configureApp } from '../../../src/configure-app';
import { OutboxWorker } from '../../../src/core/mail/outbox.worker';
import { RecoveryRequestService } from '../../../src/core/recovery/recovery-request.service';
import { createTestDatabase, DatabaseKind, TestDatabase } from './databases';
import { MovableClock } from './movable-clock';
import { ADMIN_KEY } from '../../support/admin-key';
import { OpenApiResponseChecker } from './openapi-responses';
import { SmtpTestServer } from '../../support/smtp-test-server';
import { __resetOutOfContextForTests as resetOutOfContextLogger } from 'nestjs-pino/PinoLogger';

export { ADMIN_KEY } from '../../support/admin-key';
export const TEST_JWT_SECRET = 'e2e-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sA';
/** Seals the test database's key ring: set, so no master-key file is written beside a test database. */
export const TEST_MASTER_KEY = 'e2e-master-Rk3vQ8mZ2xW7pL5nT9yB4cH6jD1fG0sA';

export interface TestAppOptions {
  kind?: DatabaseKind;
  /**
   * Reuse a database (restart scenarios); otherwise a fresh one is made (on PostgreSQL with the migrations
   * already applied: createTestDatabase's `migrated`) and dropped on close.
   */
  database?: TestDatabase;
  smtpUrl?: string;
  /** Extra environment variables (CONTRACT.md names). */
  env?: Record<string, string>;
  clock?: MovableClock;
  /** Receives every log line (JSON) instead of stdout, e.g. to search the logs for secrets. */
  logDestination?: DestinationStream;
  /**
   * Listen on an ephemeral port of 127.0.0.1 at start (the default), so every request of `http` reuses the
   * one server; false for a suite that calls `app.listen` itself (a port named in PUBLIC_URL, every interface).
   * Without it supertest would listen on a new port and close it again for every request (~11% of the CPU of
   * a request-heavy file).
   */
  listen?: boolean;
}

export interface TestApp {
  app: NestExpressApplication;
  /** Requests to the app; every response is checked against the app's OpenAPI document (checkedAgent). */
  http: TestAgent;
  config: AppConfig;
  clock: MovableClock;
  dataSource: DataSource;
  database: TestDatabase;
  /** Resolves waiting recovery requests, then sends every due outbox message, now. */
  flushMail(): Promise<void>;
  /** Closes the app; drops the database unless it was passed in or keepDatabase is set. */
  close(opts?: { keepDatabase?: boolean }): Promise<void>;
}

/** Boots the real AppModule on a real database, the way main.ts does. */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const database = opts.database ?? (await createTestDatabase(opts.kind ?? 'sqlite', { migrated: true }));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    MASTER_KEY: TEST_MASTER_KEY,
    ADMIN_API_KEY: ADMIN_KEY,
    BCRYPT_COST: process.env.BCRYPT_COST ?? '4',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PUBLIC_URL: 'https://id.example.test',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...(opts.smtpUrl ? { SMTP_URL: opts.smtpUrl } : {}),
    ...opts.env,
  };
  const loaded = loadAppConfig(env);
  // The schema is not an environment variable: added here, keeping the DATABASE_* bounds read from env.
  const config: AppConfig = database.schema ? { ...loaded, database: { ...loaded.database, kind: 'postgres', url: database.url, schema: database.schema } } : loaded;
  const clock = opts.clock ?? new MovableClock();
  // nestjs-pino keeps the logger for lines written outside a request (background work: the outbox, recovery
  // requests resolved after their answer) in a module variable set by the first app of the process only: the
  // next app of a test file would send those lines to the first app's destination. One app per process in
  // production; here each app starts with its own.
  resetOutOfContextLogger();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, { logDestination: opts.logDestination })] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true });
  configureApp(app, config);
  await app.init();
  if (opts.listen !== false) await app.listen(0, '127.0.0.1');
  const dataSource = app.get(DataSource);
  // Keep-alive: with `timeout` set, the agent also retires an idle connection 1 s before the server's
  // announced keep-alive timeout (`Keep-Alive: timeout=5`), so a request never goes out on a connection the
  // server is closing (ECONNRESET; without `timeout` Node 20's agent ignores the server's hint).
  const connections = new Agent({ keepAlive: true, timeout: 60_000 });
  return {
    app,
    http: checkedAgent(request.agent(app.getHttpServer()), () => documentOf(app, config.publicUrl), connections),
    config,
    clock,
    dataSource,
    database,
    flushMail: async () => {
      await app.get(RecoveryRequestService).resolvePending();
      await app.get(OutboxWorker).drain();
    },
    close: async (o = {}) => {
      connections.destroy();
      await app.close();
      if (!opts.database && !o.keepDatabase) await database.drop();
    },
  };
}

/**
 * The set-up most suites share: before all tests, a real SMTP server and the app on `kind` sending to
 * it, handed to `ready` (which may also create the suite's fixtures); after all, both are stopped.
 */
export function withAppAndSmtp(
  kind: DatabaseKind,
  ready: (t: TestApp, smtp: SmtpTestServer) => void | Promise<void>,
  opts: Omit<TestAppOptions, 'kind' | 'smtpUrl'> = {},
): void {
  let t: TestApp | undefined;
  let smtp: SmtpTestServer | undefined;
  beforeAll(async () => {
    smtp = await SmtpTestServer.start();
    t = await startTestApp({ ...opts, kind, smtpUrl: smtp.url });
    await ready(t, smtp);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });
}

/** Documents already built in this test file, by PUBLIC_URL and the routes Express serves. */
const documents = new Map<string, OpenAPIObject>();

/** Express's own table of routes, as "METHOD /path/{param}" (OpenAPI's notation). */
export function expressRoutes(app: NestExpressApplication): string[] {
  const router = app.getHttpAdapter().getInstance().router as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
  return router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) => Object.keys(layer.route!.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '') || '/'}`));
}

/**
 * The app's OpenAPI document, as /docs-json serves it. Built once per test file for each PUBLIC_URL and set
 * of routes (the apps of a file share their module graph, so their documents are the same): building it
 * and compiling its schemas took ~0.2 s of CPU per app.
 */
function documentOf(app: NestExpressApplication, publicUrl: string): OpenAPIObject {
  const key = JSON.stringify([publicUrl, expressRoutes(app)]);
  let document = documents.get(key);
  if (!document) documents.set(key, (document = buildOpenApiDocument(app, publicUrl)));
  return document;
}

/** One checker per document (compiling a document's schemas is the costly part of checking). */
const checkers = new WeakMap<OpenAPIObject, OpenApiResponseChecker>();

const AGENT_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options'] as const;

/**
 * The agent, with every request it makes checked when its response arrives: the response must be one the
 * OpenAPI document lists for the operation, status and content type, with a body its schema accepts
 * (OpenApiResponseChecker). A mismatch fails the request (the awaiting test) after the test's own
 * expectations, with a message naming the operation, status and schema error. The document is built from
 * the app (as /docs-json serves it) at the first response, once per test file (documentOf).
 */
export function checkedAgent(agent: TestAgent, document: () => OpenAPIObject, connections?: Agent): TestAgent {
  let checker: OpenApiResponseChecker | undefined;
  const target = agent as unknown as Record<string, (url: string, ...rest: unknown[]) => request.Test>;
  for (const name of AGENT_METHODS) {
    const make = target[name].bind(agent);
    target[name] = (url, ...rest) => {
      const test = make(url, ...rest) as request.Test & { assert(err: Error | null, res: request.Response | undefined, fn?: AssertCallback): void };
      // Keep-alive connections (superagent opens and closes one per request without an agent).
      if (connections) test.agent(connections);
      const assert = test.assert.bind(test);
      test.assert = (err, res, fn) =>
        assert(err, res, function (this: unknown, failure: Error | null, response: request.Response) {
          if (!failure && res) {
            checker ??= checkerOf(document());
            const problem = checker.check(test.method, url, { status: res.status, headers: res.headers, text: res.text });
            if (problem) failure = new Error(`Response not as /docs-json documents it: ${problem}`);
          }
          fn?.call(this, failure, response);
        });
      return test;
    };
  }
  return agent;
}

function checkerOf(document: OpenAPIObject): OpenApiResponseChecker {
  let checker = checkers.get(document);
  if (!checker) checkers.set(document, (checker = new OpenApiResponseChecker(document)));
  return checker;
}

type AssertCallback = (this: unknown, err: Error | null, res: request.Response) => void;
