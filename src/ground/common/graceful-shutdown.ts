import { INestApplication, Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';

export interface GracefulShutdownOptions {
  /** How long in-flight requests may take once a signal arrives (ms); past it every connection is closed. */
  timeoutMs: number;
  /** Bound of the app's own shutdown hooks (outbox worker, database, Redis) after the HTTP drain (ms). */
  closeTimeoutMs?: number;
  /** Ends the process; `process.exit` by default (tests pass their own). */
  exit?: (code: number) => void;
  logger?: Pick<Logger, 'log' | 'warn' | 'error'>;
}

/** Bound of app.close() after the HTTP drain, unless given. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

/**
 * Graceful stop on SIGTERM/SIGINT, as a process manager (Kubernetes, systemd, Docker) expects:
 *
 * 1. stop accepting: the listening socket is closed, a new connection is refused;
 * 2. idle keep-alive connections are closed at once (`server.closeIdleConnections()`);
 * 3. requests in flight finish and get their normal answer, with `Connection: close`, so their
 *    connection ends after it (and so does any request that arrives on a kept-alive connection meanwhile);
 * 4. after `timeoutMs` whatever is still open is closed (`server.closeAllConnections()`);
 * 5. `app.close()` runs the shutdown hooks within `closeTimeoutMs`: the outbox worker stops and
 *    releases the messages it claimed (another instance sends them at once), the database and Redis
 *    connections close;
 * 6. the process exits with code 0 (1 if a hook failed or hung); pino flushes its buffer on exit.
 *
 * The whole stop takes at most `timeoutMs + closeTimeoutMs`.
 */
export class GracefulShutdown {
  private readonly inFlight = new Set<ServerResponse>();
  private readonly logger: Pick<Logger, 'log' | 'warn' | 'error'>;
  private readonly exit: (code: number) => void;
  private readonly closeTimeoutMs: number;
  private draining = false;
  private stopping: Promise<number> | null = null;

  constructor(
    private readonly app: INestApplication,
    private readonly options: GracefulShutdownOptions,
  ) {
    this.logger = options.logger ?? new Logger('Shutdown');
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  }

  private get server(): Server {
    return this.app.getHttpServer() as Server;
  }

  /** Tracks requests in flight; call before `listen`. */
  trackRequests(): this {
    // Runs before the app's own handler, so a request that arrives while draining is answered with
    // Connection: close like the others.
    this.server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      this.inFlight.add(res);
      res.once('close', () => this.inFlight.delete(res));
      if (this.draining) askToClose(res);
    });
    return this;
  }

  /**
   * Stops gracefully on the first of `signals`; a second signal while stopping is ignored. SIGHUP (the
   * terminal that ran the service closed, or `kill -HUP`) stops it like SIGTERM: Node's default would end
   * the process at once, cutting the requests in flight.
   */
  listenTo(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP']): this {
    for (const signal of signals) {
      process.on(signal, () => {
        void this.stop(signal).then((code) => this.exit(code));
      });
    }
    return this;
  }

  /** Runs steps 1–5 once; resolves with the exit code (0, or 1 when the app's hooks failed or hung). */
  stop(reason: string): Promise<number> {
    this.stopping ??= this.run(reason);
    return this.stopping;
  }

  private async run(reason: string): Promise<number> {
    const server = this.server;
    const seconds = Math.round(this.options.timeoutMs / 100) / 10;
    this.logger.log(`${reason} received: no new connections; finishing ${this.inFlight.size} request(s) in flight (at most ${seconds} s)`);
    this.draining = true;
    for (const res of this.inFlight) askToClose(res);
    // Stop accepting first, then close idle connections. http.Server#close() does it the other way
    // round, so a client that sees its idle connection end could still connect in between.
    const drained = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    server.closeIdleConnections();
    // A connection whose response was already under way when the signal came stays keep-alive: close
    // it as soon as it goes idle, not after the keep-alive timeout.
    const sweeper = setInterval(() => server.closeIdleConnections(), 250);
    const inTime = await withinMs(drained, this.options.timeoutMs);
    clearInterval(sweeper);
    if (!inTime) {
      this.logger.warn(`${this.inFlight.size} request(s) still running after ${seconds} s: closing every connection`);
      server.closeAllConnections();
    }
    try {
      if (!(await withinMs(this.app.close(), this.closeTimeoutMs))) {
        this.logger.error(`shutdown hooks did not finish within ${this.closeTimeoutMs} ms; exiting anyway`);
        return 1;
      }
    } catch (error) {
      this.logger.error(`shutdown hooks failed: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    this.logger.log('stopped');
    return 0;
  }
}

/** Ends the connection after this response (only possible while its headers are not sent yet). */
function askToClose(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}

/** Whether `work` settles within `ms`; a rejection is rethrown. */
async function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
