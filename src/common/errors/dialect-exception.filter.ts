import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { dialectForPath, presenterFor } from '../../dialects/dialect-registry';
import { InternalError, StorageUnavailableError } from './domain-errors';
import { toDomainError } from './to-domain-error';

/**
 * The one global filter: whatever was thrown becomes a domain error, and the dialect that owns the
 * request path words it. Internals (stack, SQL, library names) never reach the client; a 500 carries
 * only the request id, which the log line carries too (SECURITY.md G2).
 */
@Catch()
export class DialectExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    const error = toDomainError(exception);
    if (error instanceof InternalError || error instanceof StorageUnavailableError) {
      const e = exception as Error;
      this.logger.error({ requestId: req.id, err: { name: e?.name, message: e?.message, stack: e?.stack } }, `${error.code} on ${req.method} ${req.path}`);
    }
    const { status, body, headers } = presenterFor(dialectForPath(req.path)).present(error);
    if (res.headersSent) return;
    if (headers) res.set(headers);
    res.status(status).json(body);
  }
}
