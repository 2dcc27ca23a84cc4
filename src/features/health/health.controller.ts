import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ServiceErrorDto } from '../../ground/common/openapi/service-error.dto';
import { ApiRequestEdgeErrors } from '../../ground/common/openapi/admin-errors';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle, ThrottlerStorage } from '@nestjs/throttler';
import { Public } from '../../access/decorators/auth.decorators';
import { RateLimitStoreState } from '../../ground/common/rate-limit/resilient-throttler-storage';
import { API_TAGS } from '../../ground/common/openapi/tags';

/** Each check by name: `status` (`up`), and what else it reports (terminus's health check result). */
const CHECKS = {
  type: 'object',
  additionalProperties: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['up'] } }, additionalProperties: true },
};
const READY = {
  type: 'object',
  required: ['status', 'info', 'error', 'details'],
  properties: { status: { type: 'string', enum: ['ok'] }, info: CHECKS, error: CHECKS, details: CHECKS },
  example: {
    status: 'ok',
    info: { database: { status: 'up' }, rateLimits: { status: 'up', store: 'redis', redis: 'up' } },
    error: {},
    details: { database: { status: 'up' }, rateLimits: { status: 'up', store: 'redis', redis: 'up' } },
  },
};

@ApiTags(API_TAGS.health.name)
@Controller('health')
@Public()
@SkipThrottle()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    @Inject(ThrottlerStorage) private readonly throttlerStorage: ThrottlerStorage,
  ) {}

  /**
   * Readiness: 200 when the database answers, 503 when it does not. `rateLimits` says where the rate
   * limits are counted (`store`: `redis` or `memory`; `redis`: `up`, `down` or `not-configured`); it is
   * always `up`, because with Redis down the service still works, counting in this instance's memory.
   */
  @Get()
  // Documented here rather than by terminus: the global filter answers its refusal in the service envelope.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Ready', schema: READY })
  @ApiServiceUnavailableResponse({
    type: ServiceErrorDto,
    description: 'Not ready: the database did not answer within 1.5 s.',
    example: { statusCode: 503, error: 'Service Unavailable', code: 'STORAGE_UNAVAILABLE', message: 'The service is temporarily unavailable.' },
  })
  @ApiOperation({ summary: 'Readiness', description: 'Ready when the database answers. `rateLimits` says where the rate limits are counted (always `up`: with Redis down they are counted in memory).' })
  @ApiRequestEdgeErrors({ rateLimited: false })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 1500 }), () => this.rateLimits()]);
  }

  /** Liveness: the process is up and serving. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness', description: 'The process is up and serving.' })
  @ApiOkResponse({ description: 'Alive', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'], example: { status: 'ok' } } })
  @ApiRequestEdgeErrors({ rateLimited: false })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private rateLimits(): HealthIndicatorResult<'rateLimits'> {
    const storage = this.throttlerStorage as Partial<{ state(): RateLimitStoreState }>;
    const state: RateLimitStoreState = typeof storage.state === 'function' ? storage.state() : { store: 'memory', redis: 'not-configured' };
    return { rateLimits: { status: 'up', ...state } };
  }
}
