/**
 * A start-up failure caused by one setting: main.ts reports it as the one line `<SETTING>: <reason>`
 * and exits 1, without a stack trace.
 */
export class StartupError extends Error {
  constructor(
    readonly setting: string,
    readonly reason: string,
  ) {
    super(`${setting}: ${reason}`);
    this.name = 'StartupError';
  }
}

/** The one line main.ts prints for any start-up failure (newlines folded, so it stays one line). */
export function describeStartupFailure(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  const e = error as { name?: string; message?: string; code?: string } | undefined;
  const text = e?.message ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : String(error);
  return `start-up failed: ${text}`.replace(/\s*\n\s*/g, ' ');
}

/** The error code of a Node or driver error (ECONNREFUSED, ENOTDIR, 28P01…), if any. */
export function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: unknown[] } | undefined;
  if (typeof e?.code === 'string' && e.code) return e.code;
  // AggregateError (a host name resolving to several addresses, all refused): the first one's code.
  if (Array.isArray(e?.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  return undefined;
}

/**
 * A failure of the HTTP listen as the start-up failure of PORT: `PORT: port 3000 is already in use
 * (EADDRINUSE)`, or not allowed (EACCES, a port below 1024 without the privilege). Anything else is
 * returned as it is.
 */
export function listenFailure(error: unknown, port: number): unknown {
  const code = errorCode(error);
  if (code === 'EADDRINUSE') return new StartupError('PORT', `port ${port} is already in use (EADDRINUSE): stop what listens there, or choose another PORT`);
  if (code === 'EACCES') return new StartupError('PORT', `not allowed to listen on port ${port} (EACCES): choose a PORT above 1023`);
  return error;
}
