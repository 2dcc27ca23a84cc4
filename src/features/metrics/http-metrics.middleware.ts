import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppMetrics, UNMATCHED_ROUTE } from './app-metrics';

/** The route of GET /metrics itself, whose scrapes are not counted. */
export const METRICS_ROUTE = '/metrics';

/**
 * The route template that answered (`/users/:id`), never the raw path: a path can carry ids, emails
 * or codes, which must not become label values. Nest registers each handler with its full path
 * (controller prefix included), so `req.route.path` is enough; `baseUrl` covers a mounted router.
 * Express leaves `req.route` at the last route layer that ran, which for a 404 is a catch-all.
 */
export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  // A catch-all (`/{*path}`: middleware Nest mounts as a route) is not the route that answered.
  if (typeof path !== 'string' || path.includes('*')) return UNMATCHED_ROUTE;
  const full = `${req.baseUrl ?? ''}${path}`.replace(/\/+$/, '');
  return full || '/';
}

/**
 * Counts every request and its duration when its response ends, whatever answered it: a handler, a
 * guard (401, 403, 429), the exception filter, the input edge or the 404 handler. Mounted first
 * (configure-app.ts), so nothing can answer before it starts its clock.
 */
export function httpMetricsMiddleware(metrics: AppMetrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    let counted = false;
    const done = () => {
      if (counted) return;
      counted = true;
      const route = routeTemplate(req);
      if (route === METRICS_ROUTE) return;
      metrics.requestFinished(req.method, route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.once('finish', done);
    // A client that hangs up before the end is counted too (with the status that was to be sent).
    res.once('close', done);
    next();
  };
}
