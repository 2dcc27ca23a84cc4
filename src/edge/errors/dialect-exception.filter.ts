import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import type { Request, Response } from 'express';
import { dialectForPath, presenterFor } from './dialect-registry';
import { InternalError, StorageUnavailableError } from '../../ground/common/errors/domain-errors';
import { toDomainError } from '../../ground/common/errors/to-domain-error';

/**
 * The one global filter: whatever was thrown becomes a domain error, and the dialect that owns the
 * request path words it. Internals (stack, SQL, library names) never reach the client; a 500 carries
 * only the request id, which the log line carries too (SECURITY.md G2).
 */
@Catch()
export class DialectExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  private readonly basePath: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.basePath = new URL(config.publicUrl).pathname.replace(/\/+$/, '');
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    const error = toDomainError(exception);
    if (error instanceof InternalError || error instanceof StorageUnavailableError) {
      const e = exception as Error;
      this.logger.error({ requestId: req.id, err: { name: e?.name, message: e?.message, stack: e?.stack } }, `${error.code} on ${req.method} ${req.path}`);
    }
    const { status, body, headers, html } = presenterFor(dialectForPath(req.path)).present(error, {
      acceptLanguage: req.get('accept-language'),
      basePath: this.basePath,
    });
    if (res.headersSent) return;
    if (headers) res.set(headers);
    if (html !== undefined) res.status(status).send(html);
    else res.status(status).json(body);
  }
}
