import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError, ForbiddenError, InvalidBearerTokenError, UnauthenticatedError } from '../common/errors/domain-errors';
import { BEARER_JWT, CallerResolver } from './caller-resolver';
import { AUTH_METADATA, AuthRequirement, BearerStrategy } from './decorators/auth.decorators';

/**
 * Registered globally: every route is closed unless it says how it authenticates
 * (@Public, @RequireScope, @RequireBearer). A forgotten decorator closes a route, never opens it.
 */
@Injectable()
export class GlobalAuthGuard implements CanActivate {
  private readonly bearerGuards = new Map<BearerStrategy, CanActivate>();

  constructor(private readonly reflector: Reflector, private readonly callers: CallerResolver) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { user?: unknown }>();
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [context.getHandler(), context.getClass()]);
    if (!requirement) throw new ForbiddenError();
    switch (requirement.kind) {
      case 'public':
        return true;
      case 'apiKey': {
        req.user = await this.callers.authorize(req, requirement.scope);
        return true;
      }
      case 'bearer': {
        // No header, or not "Bearer <something shaped like a JWT>": the caller did not authenticate.
        if (!BEARER_JWT.test(req.header('authorization') ?? '')) throw new UnauthenticatedError();
        try {
          return (await this.bearerGuard(requirement.strategy).canActivate(context)) as boolean;
        } catch (err) {
          // A strategy's validate() may name the failure (e.g. the token's user is gone); passport's own is generic.
          if (err instanceof DomainError) throw err;
          throw new InvalidBearerTokenError();
        }
      }
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
