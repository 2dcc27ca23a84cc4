import { SERVICE_EXAMPLES, ServiceErrorDto } from '../../ground/common/openapi/service-error.dto';
import { API_TAGS } from '../../ground/common/openapi/tags';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { BEARER_SECURITY, Public } from '../../access/decorators/auth.decorators';
import { UnauthenticatedError } from '../../ground/common/errors/domain-errors';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { AppMetrics } from './app-metrics';
import { presentsMetricsToken } from './metrics-token';

@ApiTags(API_TAGS.operations.name)
@Controller('metrics')
@Public()
@SkipThrottle()
export class MetricsController {
  constructor(private readonly metrics: AppMetrics, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Prometheus exposition text. With METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>`
   * is answered (401 otherwise). Without it the route is open (protect it at the proxy), but a request
   * that sends an Authorization header anyway is refused: no token is configured for it to match.
   */
  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Requests, latencies, password hashing, the mail outbox, limit hits and the database pool, in Prometheus text format. ' +
      'With METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`; without it it is open and should be reachable only from the monitoring network.',
    security: [{}, { [BEARER_SECURITY]: [] }],
  })
  @ApiOkResponse({ description: 'The metrics', content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } })
  // JSON, in the service envelope, like every other refusal (not the text of the 200).
  @ApiUnauthorizedResponse({
    type: ServiceErrorDto,
    description: 'METRICS_TOKEN is set and the request does not carry it (or an Authorization header was sent with none configured)',
    example: SERVICE_EXAMPLES.unauthenticated,
  })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    const required = this.config.metricsToken !== null || authorization !== undefined;
    if (required && !presentsMetricsToken(authorization, this.config.metricsToken)) throw new UnauthenticatedError();
    const text = await this.metrics.render();
    // Written as is: res.send() would reorder the Content-Type parameters.
    res.status(200).setHeader('Content-Type', this.metrics.contentType);
    res.end(text);
  }
}
