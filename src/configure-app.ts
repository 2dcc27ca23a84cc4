import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { API_KEY_SCOPES } from './access/scopes';
import { API_KEY_SECURITY, BEARER_SECURITY, OAUTH2_SECURITY, OAUTH_CLIENT_BASIC_SECURITY } from './access/decorators/auth.decorators';
import type { HttpLogger } from 'pino-http';
import { HTTP_LOGGER, ServiceLogger } from './ground/common/logging';
import { serveOpenApi } from './ground/common/openapi/swagger-ui';
import { API_TAGS } from './ground/common/openapi/tags';
import { requestEdge } from './ground/common/request-edge';
import { createValidationPipe } from './ground/common/validation';
import { AppMetrics } from './features/metrics/app-metrics';
import { addResponsesOfEveryRoute, ERROR_MODELS, refuseUnknownBodyFields } from './edge/openapi/document-rules';
import { httpMetricsMiddleware } from './features/metrics/http-metrics.middleware';
import type { AppConfig } from './ground/config/app-config';

/** Everything about the HTTP app that is not a module: shared by main.ts and the e2e tests. */
export function configureApp(app: NestExpressApplication, config: AppConfig): INestApplication {
  app.useLogger(app.get(ServiceLogger));
  // First of all: every request gets its id (X-Request-Id) and its one log line, even one refused by the checks below.
  app.use(app.get<HttpLogger>(HTTP_LOGGER));
  app.disable('x-powered-by');
  // Client-supplied X-Forwarded-* headers are ignored unless a trusted proxy is configured (SECURITY.md G8).
  app.set('trust proxy', config.trustProxy ? 1 : false);
  // First, so that every request is counted, however early it is answered (src/features/metrics).
  app.use(httpMetricsMiddleware(app.get(AppMetrics)));
  // Bodies over 100 kB are refused before parsing (SECURITY.md G1); a "__proto__" key is refused as
  // malformed JSON so it can never reach an object merge (SECURITY.md G4).
  app.useBodyParser('json', { limit: '100kb', strict: true, reviver: refuseProtoKeys });
  // Form bodies (Nest's default parser, registered here so that the edge check below runs after it).
  app.useBodyParser('urlencoded', { extended: true });
  // Right after parsing, before routing: depth, well-formed text without NUL in every body key and value,
  // path segment, query value and header; unread bodies are 415 (docs/input-handling.md).
  app.use(requestEdge());
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // Responses may carry tokens; nothing is cacheable (SECURITY.md G6). The docs UI is static.
    if (!req.path.startsWith('/docs')) res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.useGlobalPipes(createValidationPipe());
  // No enableShutdownHooks(): main.ts installs GracefulShutdown (Nest's hook re-raises the signal, so the
  // process would end by signal instead of exit code 0, and it does not drain keep-alive connections).
  setUpSwagger(app, config.publicUrl);
  return app;
}

function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('forbidden key in JSON body');
  return value;
}

/** What each scope allows, for the OAuth2 scheme (Swagger UI's Authorize dialog lists them). */
const SCOPE_DESCRIPTIONS: Record<(typeof API_KEY_SCOPES)[number], string> = {
  'accounts:read': 'read accounts and their password policies',
  'accounts:write': 'create accounts and set their password policies and links (implies accounts:read)',
  'users:write': 'create and manage users',
  'passwords:write': 'set users\' passwords (D3)',
  admin: 'everything, including API keys and audit events',
};

/** /docs, /docs-json and /docs-yaml; the document is built at the first request for it (then kept), not at start. */
export function setUpSwagger(app: INestApplication, publicUrl: string): void {
  serveOpenApi(app, () => buildOpenApiDocument(app, publicUrl), publicUrl);
}

/** The OpenAPI document of the app's routes (served at /docs-json; committed as openapi.json by `npm run openapi`). */
export function buildOpenApiDocument(app: INestApplication, publicUrl: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Password lifecycle service')
    .setDescription(
      'Sets, creates and resets users\' passwords. One password core, five wire-compatible dialects (D1–D5), ' +
        'and the admin API that issues their secrets. Admin routes take an `X-Api-Key` or a client token from ' +
        '`POST /oauth/token` (OAuth 2.0 client credentials: the key\'s id and secret); user routes a bearer JWT.',
    )
    .setVersion('0.1.0')
    .addServer(publicUrl, 'This instance (PUBLIC_URL)')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Api-Key',
        description:
          'An API key, sent as `X-Api-Key: <key>`. Get one from `POST /api-keys` (scope admin; the key is shown once), the operator CLI ' +
          '(`npm run cli -- api-key create --name <n> --scopes <a,b>`), or set ADMIN_API_KEY for a key with scope admin at start. ' +
          'It needs the route\'s scope (admin implies every scope); a key bound to an account reaches only that account.',
      },
      API_KEY_SECURITY,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'A JWT, sent as `Authorization: Bearer <token>`: a user\'s access token from `POST /auth/login` (or `/auth/refresh`) for ' +
          '`/users/me` and `/auth/logout`, and, for an account\'s owner or admin, the admin routes of that account; a client token from ' +
          '`POST /oauth/token` (see oauth2) on the admin routes; the verification token of `POST /auth/verify-email` on ' +
          '`POST /auth/setpassword` only. With METRICS_TOKEN set, `GET /metrics` takes that token.',
      },
      BEARER_SECURITY,
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          'OAuth 2.0 client credentials (RFC 6749 §4.4): an API key\'s `id` as client_id and the key as client_secret buy a short-lived ' +
          'client token at `POST /oauth/token` (metadata: `GET /.well-known/oauth-authorization-server`), sent as ' +
          '`Authorization: Bearer <token>` with the key\'s scopes, or the ones requested. In Swagger UI: Authorize, then the key\'s id and key.',
        flows: { clientCredentials: { tokenUrl: `${publicUrl}/oauth/token`, scopes: SCOPE_DESCRIPTIONS } },
      },
      OAUTH2_SECURITY,
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description:
          'Client authentication at `POST /oauth/token` (RFC 6749 §2.3.1): the API key\'s `id` as user name and the key as password ' +
          '(each form-urlencoded). Instead, the form may carry client_id and client_secret.',
      },
      OAUTH_CLIENT_BASIC_SECURITY,
    );
  for (const tag of Object.values(API_TAGS)) builder.addTag(tag.name, tag.description);
  const config = builder.build();
  // package.json says UNLICENSED (npm's term: no licence is granted to use the code); no URL to point to.
  config.info.license = { name: 'UNLICENSED' };
  const document = SwaggerModule.createDocument(app, config, {
    // The error envelopes of every dialect, for the responses every route can give (document-rules.ts).
    extraModels: ERROR_MODELS,
    // Stable ids, the same in every build: <Controller without the suffix>_<method>, e.g. Accounts_create
    // (an explicit ApiOperation operationId wins). Generated clients name their functions after them.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  markPublicOperations(document);
  addResponsesOfEveryRoute(document);
  refuseUnknownBodyFields(document);
  return document;
}

/**
 * An operation without a security requirement is public (`Public()`): say so with `security: []`, so a
 * client generator or a reader does not take it for one that inherits a default scheme.
 */
function markPublicOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const) {
      const operation = item[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
}
