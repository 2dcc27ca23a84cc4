import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Request } from 'express';
import { Repository } from 'typeorm';
import { InvalidBearerTokenError } from '../../ground/common/errors/domain-errors';
import { User } from '../../core/entities/user.entity';
import { BearerCallerSource, CallerResolver } from '../../access/caller-resolver';
import type { Caller } from '../../access/caller';
import { callerForUser } from '../../access/policy';
import { ACCESS_AUDIENCE } from '../../core/keys/jwt-claims';
import type { UserPrincipal } from '../../access/principals';
import { JwtAccessStrategy } from './strategies/jwt-access.strategy';

/**
 * Users' access tokens (login, refresh, D2, D4) on the admin routes. A token is of this kind when its
 * (unverified) payload names the access audience and carries `pwv`, which only user access tokens
 * have; it is then verified by the very 'jwt-access' strategy that guards /users/me (signature, issuer,
 * audience, exp, an active user, `pwv` = credentialsChangedAt), and any failure is a 401.
 */
@Injectable()
export class UserTokenCallers implements BearerCallerSource, OnModuleInit {
  readonly name = 'user-access-token';

  constructor(
    private readonly callers: CallerResolver,
    private readonly access: JwtAccessStrategy,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  onModuleInit(): void {
    this.callers.register(this);
  }

  async resolve(token: string, req: Request): Promise<Caller | null> {
    if (!isUserAccessToken(token)) return null;
    const principal = await this.verify(token, req);
    if (!principal) throw new InvalidBearerTokenError();
    const user = await this.users.findOneBy({ id: principal.userId });
    if (!user || !user.isActive) throw new InvalidBearerTokenError();
    return callerForUser(user);
  }

  /**
   * Runs the passport strategy on this token the way passport does (a delegate with success/fail/error),
   * so the checks stay exactly those of @RequireBearer('jwt-access').
   */
  private verify(token: string, req: Request): Promise<UserPrincipal | null> {
    return new Promise((resolve, reject) => {
      const delegate = Object.create(this.access) as JwtAccessStrategy & {
        success(user: unknown): void;
        fail(): void;
        error(err: unknown): void;
        pass(): void;
        redirect(): void;
      };
      delegate.success = (user) => resolve(user as UserPrincipal);
      delegate.fail = () => resolve(null);
      delegate.pass = () => resolve(null);
      delegate.redirect = () => resolve(null);
      delegate.error = (err) => reject(err);
      const headers = { ...req.headers, authorization: `Bearer ${token}` };
      delegate.authenticate(Object.assign(Object.create(req) as Request, { headers }));
    });
  }
}

/** An access token's shape, read without trusting it: audience ACCESS_AUDIENCE and a numeric `pwv`. */
function isUserAccessToken(token: string): boolean {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const aud = payload.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    return audiences.includes(ACCESS_AUDIENCE) && typeof payload.pwv === 'number';
  } catch {
    return false;
  }
}
