import { Client } from 'pg';

/** The message of the error node-postgres raises when its client-side `query_timeout` fires. */
export const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * node-postgres' Client (used by the pool through pg-pool's `Client` option) with one change: when a
 * query's client-side timeout (`query_timeout`) fires, the connection is closed at once.
 *
 * Plain pg only stops waiting: the query stays on the wire, the connection goes back to the pool
 * and the next request that borrows it waits behind a query that may never be answered (a frozen
 * server), or reads the late answer of a statement it did not send. Closing it errors every query
 * queued on it ("Connection terminated"), marks it not reusable (pg-pool then removes it on release)
 * and, on the server, ends the session, which rolls back whatever transaction it had open.
 */
export class DiscardOnTimeoutClient extends Client {
  private discarded = false;

  // One signature for pg's overloads (text, config object, submittable; promise or callback).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => {
        this.discardIfTimedOut(err);
        last(err, res);
      };
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, (err: unknown) => this.discardIfTimedOut(err));
    }
    return result;
  }

  private discardIfTimedOut(err: unknown): void {
    if (this.discarded || !(err instanceof Error) || err.message !== QUERY_TIMEOUT_MESSAGE) return;
    this.discarded = true;
    // With a query in flight, end() destroys the socket instead of waiting for the server.
    this.end().catch(() => undefined);
  }
}
