import type { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { loginTargetLimits, loginTargetSecret } from '../../features/auth/login-limits';
import type { AttemptLimiter } from '../../ground/common/attempt-limiter.service';
import { clientKey } from '../../ground/common/client-ip';
import { DomainError, InvalidTokenError } from '../../ground/common/errors/domain-errors';
import type { SecretKeys } from '../../ground/common/secrets';
import type { User } from '../../core/entities/user.entity';
import type { OneTimeToken, OneTimeTokenPurpose } from '../../core/tokens/one-time-token.entity';
import type { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';

/* What the D4 and D5 resets share (reset-with-validation-code.usecase.ts, reset-with-code.usecase.ts). */

/** A disabled user cannot redeem a code (SECURITY.md B11); the answer is the invalid-code one. */
export function assertMayReset(user: User): void {
  if (!user.isActive) throw new InvalidTokenError();
}

/**
 * The reset's step inside the password pipeline's transaction: use the admitted code up (it must still be
 * that code, and the owner's), then forget the owner's failed logins: the person proved themselves (SECURITY.md D5).
 */
export function useAdmittedCode(
  deps: { tokens: OneTimeTokensService; limiter: AttemptLimiter; secrets: SecretKeys },
  admitted: OneTimeToken,
  secret: string,
  purpose: OneTimeTokenPurpose,
): (em: EntityManager, owner: User) => Promise<void> {
  return async (em, owner) => {
    const used = await deps.tokens.consume(em, secret, purpose);
    if (used.id !== admitted.id || used.userId !== owner.id) throw new InvalidTokenError();
    await deps.limiter.clear(loginTargetLimits(deps.secrets.lookupHash(loginTargetSecret(owner.emailNormalized))).map((l) => l.key), em);
  };
}

/**
 * Runs a reset and logs `password_reset.completed` whatever happens: the dialect, the user once known, the
 * client key and the outcome (`ok`, a domain error's code, or `ERROR`). `run` names the user with `noteUser`.
 */
export async function loggedReset<T>(logger: Logger, dialect: 'D4' | 'D5', clientIp: string, run: (noteUser: (id: string) => void) => Promise<T>): Promise<T> {
  const client = clientKey(clientIp);
  let outcome = 'ok';
  let userId: string | undefined;
  try {
    return await run((id) => {
      userId = id;
    });
  } catch (error) {
    outcome = error instanceof DomainError ? error.code : 'ERROR';
    throw error;
  } finally {
    logger.log({ event: 'password_reset.completed', dialect, userId, client, outcome }, `password_reset.completed ${outcome}`);
  }
}
