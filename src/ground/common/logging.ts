import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger as NestPinoLogger, PinoLogger, type Params } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';
import type { AppConfig } from '../config/app-config';

/** The response header (and request header, when well-formed) carrying the request id. */
export const REQUEST_ID_HEADER = 'X-Request-Id';
/** A request id taken from the client: up to 128 of letters, digits and . _ : - (anything else is replaced). */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: its X-Request-Id when well-formed (REQUEST_ID_PATTERN), else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

/** Injection token of the pino-http middleware, mounted first by configureApp. */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT when set; otherwise pretty only on a terminal outside production, JSON everywhere else
 * (a file, a pipe, a log collector).
 */
export function resolveLogFormat(forced: LogFormat | null, env: { NODE_ENV?: string } = process.env, isTty = !!process.stdout.isTTY): LogFormat {
  if (forced) return forced;
  return isTty && env.NODE_ENV !== 'production' ? 'pretty' : 'json';
}

/**
 * The service's one pino logger: JSON lines with an ISO 8601 `time`, credential headers redacted,
 * written to `destination` (tests), else stdout (pino-pretty when resolveLogFormat says so).
 */
export function createRootLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Pino {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'], censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  if (resolveLogFormat(config.logFormat ?? null) === 'pretty') {
    const pretty = loadPretty();
    if (pretty) return pino(options, pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(options, stdoutDestination());
}

/**
 * stdout, each line written synchronously (pino.destination's default), and a reader that is gone
 * (EPIPE) ends the logging instead of the process, as pino's own default stream does. pino's default
 * for stdout buffers asynchronously and writes what is left synchronously at exit, and sonic-boom's
 * synchronous flush retries a write that failed with EPIPE forever: with stdout piped to a reader that
 * stopped (`npm start | tee service.log`, then Ctrl-C, which stops tee too), the service stopped listening
 * and never exited (5 of 5 tries; test/e2e/graceful-shutdown.e2e-spec.ts).
 */
function stdoutDestination(): DestinationStream {
  const destination = pino.destination({ dest: process.stdout.fd ?? 1, sync: true });
  const noop = () => undefined;
  destination.on('error', function onError(err: NodeJS.ErrnoException) {
    if (err.code === 'EPIPE') {
      Object.assign(destination, { write: noop, end: noop, flushSync: noop, destroy: noop });
      return;
    }
    destination.removeListener('error', onError);
    destination.emit('error', err);
  });
  return destination;
}

/** pino-pretty is a development dependency: without it (production install) the output stays JSON. */
function loadPretty(): ((opts: Record<string, unknown>) => DestinationStream) | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('pino-pretty') as (opts: Record<string, unknown>) => DestinationStream;
  } catch {
    return null;
  }
}

const HEALTH_PATH = /^\/health(\/|$|\?)/;

/**
 * pino-http: exactly one line per request, written when the response is finished, with the request
 * id, method, path (never the query string, which could hold a secret: SECURITY.md G7), status and
 * `responseTime` (ms). Bodies and headers are never logged (SECURITY.md I1). Health probes are logged
 * at debug unless they fail (5xx). The id is echoed in the X-Request-Id response header.
 */
export function httpLoggerOptions(logger: Pino): Options {
  return {
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader(REQUEST_ID_HEADER, id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : HEALTH_PATH.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? '') ? 'debug' : res.statusCode >= 400 ? 'warn' : 'info',
  };
}

export function createHttpLogger(logger: Pino): HttpLogger {
  return pinoHttp(httpLoggerOptions(logger));
}

/** nestjs-pino's parameters: the request logger is the one configureApp mounts (useExisting). */
export function loggerModuleParams(logger: Pino): Params {
  return { pinoHttp: { logger }, useExisting: true };
}

/** Nest's own start-up chatter (module and route mapping): debug, not info. */
const DEBUG_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);
/**
 * Errors that main.ts reports itself, as one line naming the setting at fault: Nest's report of a
 * failed start-up (with stack) and TypeORM's "Unable to connect" are kept at debug.
 */
const STARTUP_ERROR_CONTEXTS = new Set(['ExceptionHandler', 'TypeOrmModule']);

/** nestjs-pino's Nest logger, with Nest's mapping lines and start-up error reports moved to debug. */
export class ServiceLogger extends NestPinoLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (DEBUG_CONTEXTS.has(optionalParams[optionalParams.length - 1] as string)) return super.debug(message, ...optionalParams);
    super.log(message, ...optionalParams);
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (STARTUP_ERROR_CONTEXTS.has(optionalParams[optionalParams.length - 1] as string)) return super.debug(message, ...optionalParams);
    super.error(message, ...optionalParams);
  }

  /** The Nest logger over `logger`, outside dependency injection (main.ts, before the app exists). */
  static over(logger: Pino): ServiceLogger {
    const params = loggerModuleParams(logger);
    return new ServiceLogger(new PinoLogger(params), params);
  }
}
