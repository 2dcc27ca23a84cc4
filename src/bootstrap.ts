import 'reflect-metadata';
import 'dotenv/config';
import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer, type AddressInfo } from 'node:net';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger as Pino } from 'pino';
import { AppModule } from './app.module';
import { AppConfig, ConfigError, loadAppConfig } from './ground/config/app-config';
import { GracefulShutdown } from './ground/common/graceful-shutdown';
import { createRootLogger, ServiceLogger } from './ground/common/logging';
import { describeStartupFailure, listenFailure } from './ground/config/startup-error';
import { lowerWorkerPoolPriority, sizeWorkerPool } from './ground/common/worker-pool-priority';
import { configureApp } from './configure-app';
import { checkDatabase } from './ground/database/preflight';

/**
 * Starts the service: configuration, logger, database check, the Nest app, the port. Every start-up failure
 * ends the process with one line naming the setting at fault (exit 1; 78 for a configuration error).
 * Entry points: `src/main.ts` (the sources, `nest start`) and `src/start.ts` (what `npm start` runs: the bundle).
 */
export async function bootstrap(start: { codeCache?: CodeCacheUse } = {}): Promise<void> {
  let config: AppConfig;
  try {
    config = loadAppConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  // Before the first job of libuv's pool (a log line may be one): the hashing threads, one a core by default.
  sizeWorkerPool(config.hashThreads);
  // Every line from here on, Nest's included, is one pino stream (JSON; pretty on a terminal in development).
  const logger = createRootLogger(config);
  const nestLogger = ServiceLogger.over(logger);
  NestLogger.overrideLogger(nestLogger);
  if (start.codeCache) logCodeCache(logger, start.codeCache);
  try {
    // Before anything else uses libuv's pool: the hashing threads yield the CPU to the main thread.
    const pool = await lowerWorkerPoolPriority(config.hashThreadNice);
    if (pool.skipped === 'pool-already-started') {
      // Something loaded before the service (--require, NODE_OPTIONS: an APM agent) used the pool first.
      logger.warn({ context: 'Bootstrap', size: config.hashThreads, nice: config.hashThreadNice }, `libuv's thread pool was already running when the service started (a module loaded before it, with --require or NODE_OPTIONS, used it): passwords hash on the threads it started with (UV_THREADPOOL_SIZE as it was then, else libuv's 4), not on ${config.hashThreads}, and at normal priority`);
    } else {
      logger.debug({ context: 'Bootstrap', size: config.hashThreads, nice: config.hashThreadNice, ...(pool.skipped ? { skipped: pool.skipped } : { threads: pool.threads.length }) }, 'hashing threads reniced');
    }
    // A wrong DATABASE_URL stops the start here, in one line naming it (src/ground/database/preflight.ts).
    await checkDatabase(config.database);
    const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { logger }), {
      logger: nestLogger,
      abortOnError: false,
    });
    configureApp(app, config);
    // SIGTERM/SIGINT/SIGHUP: stop accepting, finish requests in flight, stop the outbox, exit 0 (docs/shutdown-and-redis.md).
    const shutdown = new GracefulShutdown(app, { timeoutMs: config.shutdownTimeoutSeconds * 1000 }).trackRequests();
    // A port in use is one line naming PORT, like every other start-up failure: tried on a probe first,
    // because Nest logs a failed listen of its own before it rejects.
    await probePort(config.port).catch((err: unknown) => {
      throw listenFailure(err, config.port);
    });
    await app.listen(config.port).catch((err: unknown) => {
      throw listenFailure(err, config.port);
    });
    shutdown.listenTo();
    // PORT=0 asks the system for a free port: the line names the one it gave.
    const { port } = app.getHttpServer().address() as AddressInfo;
    app.get(ServiceLogger).log(`listening on port ${port}; Swagger UI at ${config.publicUrl}/docs`, 'Bootstrap');
  } catch (err) {
    failStart(logger, err);
  }
}

/**
 * How src/start.ts compiled the bundle: with its V8 code cache (`used`), or without it, and why: no cache
 * file (`missing`), one it could not read (`unreadable`), one made from another bundle (`stale`), one V8
 * refused (`rejected`: another Node.js version or V8 flags than the build's), or loaded by Node's loader for
 * --enable-source-maps (`off (source maps)`).
 */
export type CodeCacheUse = 'used' | 'missing' | 'unreadable' | 'stale' | 'rejected' | 'off (source maps)';

function logCodeCache(logger: Pino, use: CodeCacheUse): void {
  if (use === 'used') {
    logger.debug({ context: 'Bootstrap', codeCache: use }, 'compiled the bundle with its code cache');
    return;
  }
  if (use === 'off (source maps)') {
    logger.info({ context: 'Bootstrap', codeCache: use }, 'compiled the bundle without its code cache: loaded by Node for --enable-source-maps, which maps stack traces to src/ (a slower start)');
    return;
  }
  logger.info({ context: 'Bootstrap', codeCache: use }, `compiled the bundle without its code cache (the code cache is ${use}): a slower start; \`npm run build\` with this Node.js and these node options writes it`);
}

/** Listens on `port` (every interface, as the service will) and closes at once: rejects as a listen would. */
function probePort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/** Any start-up failure: one line (fatal), the stack only at LOG_LEVEL=debug, exit 1. */
function failStart(logger: Pino, err: unknown): never {
  const line = describeStartupFailure(err);
  if (logger.isLevelEnabled('debug')) logger.fatal({ context: 'Bootstrap', err }, line);
  else if (logger.isLevelEnabled('fatal')) logger.fatal({ context: 'Bootstrap' }, line);
  else process.stderr.write(`${line}\n`); // LOG_LEVEL=silent: still say why
  process.exit(1);
}
