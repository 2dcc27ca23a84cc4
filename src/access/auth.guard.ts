import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { decodeProtectedHeader } from 'jose';
import { JWT_TYPES } from '../core/keys/token-signer';
import { ACTIONS, authorize } from './policy';
import { DomainError, ForbiddenError, InvalidBearerTokenError, UnauthenticatedError } from '../ground/common/errors/domain-errors';
import { BEARER_JWT, CallerResolver } from './caller-resolver';
import { AUTH_METADATA, AuthRequirement, BearerStrategy } from './decorators/auth.decorators';

/** The passport strategy that verifies each bearer credential of the access policy. */
const STRATEGIES: Record<'session' | 'verification', BearerStrategy> = { session: 'jwt-access', verification: 'jwt-verification' };

/**
 * The strategy for a bearer token on a route that takes a session or a change token ('change'): the
 * token's own unverified `typ` routes it, and that strategy verifies everything (a forged `typ` only
 * picks a strategy that then refuses the token).
 */
function changeOrSession(authorization: string): BearerStrategy {
  try {
    return decodeProtectedHeader(BEARER_JWT.exec(authorization)?.[1] ?? '').typ === JWT_TYPES.passwordChange ? 'jwt-change' : 'jwt-access';
  } catch {
    return 'jwt-access';
  }
}

/**
 * Registered globally: every route is closed unless it says how it authenticates (@Public, @Can).
 * A forgotten decorator closes a route, never opens it. For an action, the caller is authenticated
 * here and the access policy is asked whether it may attempt the action at all (src/access/policy.ts);
 * the route's service asks again about the target.
 */
@Injectable()
export class GlobalAuthGuard implements CanActivate {
  private readonly bearerGuards = new Map<BearerStrategy, CanActivate>();

  constructor(private readonly reflector: Reflector, private readonly callers: CallerResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { user?: unknown }>();
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [context.getHandler(), context.getClass()]);
    if (!requirement) throw new ForbiddenError('no requirement');
    if (requirement.kind === 'public') return true;
    const rule = ACTIONS[requirement.action];
    if (rule.credential === 'admin') {
      const caller = await this.callers.resolve(req);
      authorize(caller, requirement.action);
      req.user = caller;
      return true;
    }
    // No header, or not "Bearer <something shaped like a JWT>": the caller did not authenticate as a user (an API key does not).
    if (!BEARER_JWT.test(req.header('authorization') ?? '')) throw new UnauthenticatedError('user-token');
    try {
      const strategy = rule.credential === 'change' ? changeOrSession(req.header('authorization') ?? '') : STRATEGIES[rule.credential];
      return (await this.bearerGuard(strategy).canActivate(context)) as boolean;
    } catch (err) {
      // A strategy's validate() may name the failure (e.g. the token's user is gone); passport's own is generic.
      if (err instanceof DomainError) throw err;
      throw new InvalidBearerTokenError();
    }
  }

  private bearerGuard(strategy: BearerStrategy): CanActivate {
    let guard = this.bearerGuards.get(strategy);
    if (!guard) {
      guard = new (PassportAuthGuard(strategy))();
      this.bearerGuards.set(strategy, guard);
    }
    return guard;
  }
}
