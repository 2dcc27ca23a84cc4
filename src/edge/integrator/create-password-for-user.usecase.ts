import { Injectable, Logger } from '@nestjs/common';
import { actorOf, type Caller } from '../../access/caller';
import { authorize } from '../../access/policy';
import { SessionsService } from '../../core/sessions/sessions.service';
import { DomainError } from '../../ground/common/errors/domain-errors';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import { PasswordCreatedResponseDto } from './dto/password-created-response.dto';

export interface CreatePasswordForUserCommand {
  userId: string;
  password: string;
  caller: Caller;
}

/**
 * D3 `POST /v1/password/{user_id}`: an integrator creates the password of a user who has none.
 * Runs the shared pipeline in 'initial' mode (policy, history of the last N, hash, one transaction);
 * the key may only reach its own account's users (SECURITY.md F2). Answers the password's expiry
 * and an access token signed inside the transaction, carrying the new credentials version.
 */
@Injectable()
export class CreatePasswordForUserUseCase {
  private readonly logger = new Logger('Integrator');

  constructor(
    private readonly lifecycle: PasswordLifecycleService,
    private readonly sessions: SessionsService,
  ) {}

  async execute({ userId, password, caller }: CreatePasswordForUserCommand): Promise<PasswordCreatedResponseDto> {
    let outcome = 'ok';
    try {
      const { credential, result: token } = await this.lifecycle.setPassword({
        via: 'D3',
        // The audit event (password.set, flow integrator) names the key by its id, never the key (SECURITY.md F6).
        actor: actorOf(caller),
        userId,
        password,
        mode: 'initial',
        // The access policy: the user's account within the caller's reach, and the user not above the caller
        // (D3 hands the caller the user's sign-in: never a super admin's to an account's key, SECURITY.md F2).
        guard: (user) => authorize(caller, 'passwords.set', { user }),
        // The user as the pipeline left it: credentialsChangedAt just moved, and a token carrying the old
        // value would be refused at once (SECURITY.md D2).
        complete: async (_em, user) => this.sessions.signAccessToken(user),
      });
      return PasswordCreatedResponseDto.from(userId, credential.expiresAt, token);
    } catch (err) {
      outcome = err instanceof DomainError ? err.code : 'ERROR';
      throw err;
    } finally {
      // SECURITY.md F6/I2: the key id (never the key), the target user and the outcome; never the password.
      this.logger.log({ event: 'password.created', via: 'D3', apiKeyId: caller.keyId, userId, outcome }, `password.created ${outcome}`);
    }
  }
}
