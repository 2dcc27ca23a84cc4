import { ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerModuleOptions, ThrottlerRequest, ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { OperationalMetrics } from '../metrics';
import { AuditTrail } from '../audit-trail';
import { clientAddress, clientKey } from '../client-ip';
import { Clock } from '../clock';
import { RateLimitedError } from '../errors/domain-errors';
import { CallerIdentifier, RateLimitedCaller } from './caller-identity';
import { OncePerWindow } from './once-per-window';

/**
 * The blanket request limit, registered globally before the auth guard (so requests with no or a
 * wrong credential are limited too):
 * - a caller that authenticates (API key; later an OAuth client token: any principal with a key id)
 *   gets its own budget per key across all routes: the key's `rate_limit_per_minute`, or
 *   API_KEY_RATE_LIMIT_PER_MINUTE (default 2400, i.e. 40 requests per second) — a second key from
 *   the same address has a budget of its own, and one integrator never spends another's;
 * - every other request is limited per client address (IPv4, or IPv6 /64; X-Forwarded-For only with
 *   TRUST_PROXY) and route: RATE_LIMIT_PER_MINUTE (default 60).
 * Past a budget: 429 RATE_LIMITED in the route's dialect with Retry-After (seconds), and one
 * `rate_limit.hit` audit event per tracker and window. Counts go to the throttler storage configured
 * in app.module.ts (memory, or Redis).
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  private readonly reported = new OncePerWindow();
  private readonly callers = new WeakMap<object, Promise<RateLimitedCaller | null>>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly identifier: CallerIdentifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    @Optional() private readonly metrics?: OperationalMetrics,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, ttl, throttler, blockDuration } = props;
    const { req, res } = this.getRequestResponse(context);
    const caller = await this.callerOf(req as Request);
    const limit = caller ? caller.limitPerMinute ?? this.config.apiKeyRateLimitPerMinute : props.limit;
    // Per key, whatever the key showed: its X-Api-Key requests and its client tokens' share one budget.
    const tracker = caller ? `api_key:${caller.keyId}` : clientKey((req as Request).ip);
    // A key's budget spans every route; an address's is per route (as before).
    const key = caller ? `caller:${throttler.name}:${tracker}` : props.generateKey(context, tracker, throttler.name ?? 'default');
    const { totalHits, timeToExpire, isBlocked, timeToBlockExpire } = await this.storageService.increment(key, ttl, limit, blockDuration, throttler.name ?? 'default');
    if (isBlocked) {
      const retryAfterSeconds = Math.max(1, Math.ceil(timeToBlockExpire));
      this.metrics?.limitHit('requests');
      this.report(context, req as Request, caller, key, limit, ttl, retryAfterSeconds);
      throw new RateLimitedError(retryAfterSeconds);
    }
    this.setResponseHeader(res, `${this.headerPrefix}-Limit`, limit);
    this.setResponseHeader(res, `${this.headerPrefix}-Remaining`, Math.max(0, limit - totalHits));
    this.setResponseHeader(res, `${this.headerPrefix}-Reset`, timeToExpire);
    return true;
  }

  /** Who the request authenticates as (asked once per request, whatever the number of throttlers). */
  private callerOf(req: Request): Promise<RateLimitedCaller | null> {
    let caller = this.callers.get(req);
    if (!caller) {
      caller = this.identifier.identify(req).catch(() => null);
      this.callers.set(req, caller);
    }
    return caller;
  }

  private report(context: ExecutionContext, req: Request, caller: RateLimitedCaller | null, key: string, limit: number, ttlMs: number, retryAfterSeconds: number): void {
    const now = this.clock.nowMs();
    if (!this.reported.firstUntil(key, now, now + retryAfterSeconds * 1000)) return;
    void this.audit
      .record(null, {
        type: 'rate_limit.hit',
        actor: caller ? { kind: 'api_key', id: caller.keyId } : { kind: 'anonymous' },
        clientIp: clientAddress(req.ip),
        outcome: 'limited',
        details: {
          tracker: caller ? caller.kind : 'address',
          route: `${context.getClass().name}.${context.getHandler().name}`,
          limit,
          window_seconds: Math.round(ttlMs / 1000),
          retry_after_seconds: retryAfterSeconds,
        },
      })
      .catch(() => undefined);
  }
}
