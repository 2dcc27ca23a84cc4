import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { InvalidBearerTokenError, InvalidTokenError } from '../../ground/common/errors/domain-errors';
import { JWT_TYPES, TokenSigner } from '../../core/keys/token-signer';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import type { User } from '../../core/entities/user.entity';
import { PASSWORD_CHANGE_AUDIENCE, PASSWORD_CHANGE_TTL_SECONDS } from '../../core/keys/jwt-claims';

/**
 * Change tokens (CONTRACT.md "A change the user must make"): what a login with the right password gets
 * instead of a session when the password is due for change. A JWT of its own kind (`typ`
 * `password-change+jwt`, audience `pls:password-change`: refused by every other route), carrying the
 * password version (`pwv`, so any other change kills it) and a `jti` recorded as a one-time token
 * (purpose `password_change`: consumed by the change, voided with the user's other secrets).
 */
@Injectable()
export class ChangeTokens {
  constructor(private readonly signer: TokenSigner, private readonly tokens: OneTimeTokensService) {}

  /** A new change token for the user, in the caller's transaction (an older one dies). */
  async issue(em: EntityManager, user: Pick<User, 'id' | 'credentialsChangedAt'>): Promise<{ token: string; expiresInSeconds: number }> {
    const jti = randomUUID();
    await this.tokens.issue(em, { purpose: 'password_change', userId: user.id, ttlMs: PASSWORD_CHANGE_TTL_SECONDS * 1000, value: jti });
    const token = await this.signer.sign(
      { pwv: user.credentialsChangedAt?.getTime() ?? 0 },
      { audience: PASSWORD_CHANGE_AUDIENCE, expiresInSeconds: PASSWORD_CHANGE_TTL_SECONDS, subject: user.id, jwtId: jti, type: JWT_TYPES.passwordChange },
    );
    return { token, expiresInSeconds: PASSWORD_CHANGE_TTL_SECONDS };
  }

  /**
   * Uses the token up inside the change's transaction. Used or voided meanwhile (a parallel change with the
   * same token won, or a newer login voided it): InvalidBearerTokenError, the 401 the route answers a token
   * used before, so which of two parallel requests loses does not change the answer (README: `401` once used).
   */
  async consume(em: EntityManager, jti: string): Promise<void> {
    try {
      await this.tokens.consume(em, jti, 'password_change');
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new InvalidBearerTokenError();
      throw error;
    }
  }
}
