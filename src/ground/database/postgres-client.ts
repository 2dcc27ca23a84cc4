import { createHash } from 'node:crypto';
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

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(...args: any[]) {
    super(...(args as []));
    // The pool listens while the connection is idle and TypeORM while a query runner holds it; a connection the
    // pool has just thrown away (a lost server's FATAL, then the socket's end) may still report an error with
    // nobody listening, and an 'error' nobody listens to ends the process. Those already reached their
    // listeners' handling (503, H3); this one only keeps the process alive (seen once under load in the
    // fast-shutdown test of test/e2e/postgres-connection-loss.e2e-spec.ts).
    this.on('error', () => undefined);
  }

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
    if (!(err instanceof Error) || !this.makesUnusable(err)) return;
    this.discard();
  }

  /** Whether a query's failure leaves the connection unfit for the next one (here: the client-side timeout). */
  protected makesUnusable(err: Error): boolean {
    return err.message === QUERY_TIMEOUT_MESSAGE;
  }

  private discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    // With a query in flight, end() destroys the socket instead of waiting for the server.
    this.end().catch(() => undefined);
  }
}

/** The most statements one connection keeps prepared; statements past it are sent unnamed (parsed each time). */
export const MAX_NAMED_STATEMENTS_PER_CONNECTION = 256;
/** A named statement the server can no longer run as prepared: its result type changed (0A000), or it is gone (26000). */
function isStaleStatement(err: Error & { code?: string }): boolean {
  return (err.code === '0A000' && /cached plan must not change result type/.test(err.message)) || err.code === '26000';
}

/** The name of a statement's text: the same text has the same name on every connection (a digest, 128 bits). */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `pls_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    if (statementNames.size < 4 * MAX_NAMED_STATEMENTS_PER_CONNECTION) statementNames.set(text, name);
  }
  return name;
}

/**
 * DiscardOnTimeoutClient that sends each parameterized statement as a named prepared statement of its
 * connection: the server parses (and, after five runs, may plan) it once per connection instead of at every
 * run, as JDBC's and pgx's statement caches do. TypeORM sends every statement unnamed, so the server parsed and
 * planned the same few statements again at every request (BENCHMARKS.md, PostgreSQL profile).
 *
 * - Named: a query given as (text, values), the form TypeORM uses; a statement without parameters
 *   (BEGIN, COMMIT, SET, migrations' DDL) stays a simple query, and a query given as a config object is left as is.
 * - Bounded: at most MAX_NAMED_STATEMENTS_PER_CONNECTION names per connection, so statements whose text varies
 *   (an IN list of any length) cannot grow the server's memory; past the bound they run unnamed.
 * - Stale: when the server refuses a prepared statement because a schema change altered its result type
 *   (SQLSTATE 0A000, "cached plan must not change result type", e.g. another instance's migration) or no
 *   longer has it (26000, a pooler in between), that query fails and the connection is thrown away like a
 *   timed-out one, so the next query runs on a fresh connection that prepares again.
 */
export class NamedStatementClient extends DiscardOnTimeoutClient {
  private readonly named = new Set<string>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [text, values, callback] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && args.length <= 3 && (callback === undefined || typeof callback === 'function')) {
      const name = statementName(text);
      if (this.named.has(name) || this.named.size < MAX_NAMED_STATEMENTS_PER_CONNECTION) {
        this.named.add(name);
        return super.query({ text, values, name }, ...(callback ? [callback] : []));
      }
    }
    return super.query(...args);
  }

  protected override makesUnusable(err: Error): boolean {
    return super.makesUnusable(err) || isStaleStatement(err);
  }
}
