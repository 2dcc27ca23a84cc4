import type { INestApplication } from '@nestjs/common';
import { OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';

/** Where the document and Swagger UI are served, relative to PUBLIC_URL's path. */
export const DOCS_PATHS = { ui: 'docs', json: 'docs-json', yaml: 'docs-yaml' } as const;

/**
 * The Content-Security-Policy of Swagger UI's page and assets under /docs (the pages behind the email
 * links keep their own, stricter one: src/edge/pages/page-headers.ts). Scripts come only from this origin and
 * are never inline; styles may be inline (Swagger UI's page and markup carry `<style>` and `style=`);
 * images also as `data:` URLs (Swagger UI's icons); requests ("Try it out", the document, the OAuth token)
 * go to this origin or to PUBLIC_URL's (the document's server, which can differ from the address a
 * browser used).
 */
export function swaggerUiCsp(publicUrl: string): string {
  const publicOrigin = new URL(publicUrl).origin;
  return (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    `connect-src 'self' ${publicOrigin}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`
  );
}

/**
 * Serves the OpenAPI document at `/docs-json` (and `/docs-yaml`) and Swagger UI at `/docs`, which loads
 * the document from `/docs-json` by URL.
 *
 * Why by URL: `@nestjs/swagger` writes the document it is given into `/docs/swagger-ui-init.js` with
 * `String.prototype.replace`, where `` $` ``, `$'` and `$&` in the replacement stand for parts of the
 * template; a description that contains one (a `$2a$` bcrypt prefix does) turned the script into a
 * syntax error and `/docs` into a blank page (issue 17). Swagger UI's own setup is given no document, so
 * no description can reach a script.
 *
 * The document's URL is root-relative, under PUBLIC_URL's path (`https://example.com/id` → `/id/docs-json`),
 * like the links of the pages: it works through a proxy that strips the prefix and from any host name.
 *
 * `document` may be a function: the document is then built at the first request for it, not at start
 * (building it scans every route and schema: ~150 ms of a start that should take well under a second).
 */
export function serveOpenApi(app: INestApplication, document: OpenAPIObject | (() => OpenAPIObject), publicUrl: string): void {
  const base = new URL(publicUrl).pathname.replace(/\/+$/, '');
  const csp = swaggerUiCsp(publicUrl);
  // Before Swagger UI's routes and assets, so every answer under /docs carries it (not /docs-json: another path).
  app.use(`/${DOCS_PATHS.ui}`, (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', csp);
    next();
  });
  SwaggerModule.setup(DOCS_PATHS.ui, app, document, { ui: false, jsonDocumentUrl: DOCS_PATHS.json, yamlDocumentUrl: DOCS_PATHS.yaml });
  // An empty document: Swagger UI loads the `url` instead of an inline `spec` when the spec has no keys.
  SwaggerModule.setup(DOCS_PATHS.ui, app, {} as OpenAPIObject, {
    raw: false,
    swaggerOptions: { url: `${base}/${DOCS_PATHS.json}`, requestInterceptor: toThisOrigin },
  });
}

/**
 * Swagger UI's request interceptor (serialized into its init script by `@nestjs/swagger`, so it closes over
 * nothing): a request to the document's server (PUBLIC_URL), "Try it out" or the OAuth token, goes to the
 * origin the page was loaded from when that differs (`http://127.0.0.1:3000/docs` with PUBLIC_URL
 * `http://localhost:3000`), under the page's path prefix. The service answers no cross-origin request
 * (no CORS), so without this every request from such a page failed with "Failed to fetch".
 */
export function toThisOrigin(request: { url: string }): { url: string } {
  try {
    const w = globalThis as unknown as { location: Location; ui?: { specSelectors: { specJson(): { toJS(): { servers?: Array<{ url: string }> } } } } };
    const server = w.ui?.specSelectors.specJson().toJS().servers?.[0]?.url;
    if (!server) return request;
    const serverUrl = new URL(server);
    const target = new URL(request.url, w.location.href);
    const serverBase = serverUrl.pathname.replace(/\/+$/, '');
    if (target.origin !== serverUrl.origin || target.origin === w.location.origin || !target.pathname.startsWith(serverBase)) return request;
    const pageBase = w.location.pathname.replace(/\/docs(\/.*)?$/, '');
    request.url = `${w.location.origin}${pageBase}${target.pathname.slice(serverBase.length)}${target.search}`;
  } catch {
    // Swagger UI sends the request unchanged.
  }
  return request;
}
