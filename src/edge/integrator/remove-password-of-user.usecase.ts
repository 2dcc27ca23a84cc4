import { Injectable, Logger } from '@nestjs/common';
import { actorOf, type Caller } from '../../access/caller';
import { authorize } from '../../access/policy';
import { DomainError } from '../../ground/common/errors/domain-errors';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';

/**
 * D3 `DELETE /v1/password/{user_id}`: removes the user's password. The removed hash stays in the
 * history, so a later create is still checked against the last N (SECURITY.md A13); sessions end as
 * on any change. Removing from a user without a password is a no-op (idempotent DELETE).
 */
@Injectable()
export class RemovePasswordOfUserUseCase {
  private readonly logger = new Logger('Integrator');

  constructor(private readonly lifecycle: PasswordLifecycleService) {}

  async execute({ userId, caller }: { userId: string; caller: Caller }): Promise<void> {
    let outcome = 'ok';
    try {
      // The audit event (password.removed) names the key by its id, never the key.
      await this.lifecycle.removePassword(userId, (user) => authorize(caller, 'passwords.remove', { user }), actorOf(caller));
    } catch (err) {
      outcome = err instanceof DomainError ? err.code : 'ERROR';
      throw err;
    } finally {
      this.logger.log({ event: 'password.removed', via: 'D3', apiKeyId: caller.keyId, userId, outcome }, `password.removed ${outcome}`);
    }
  }
}
