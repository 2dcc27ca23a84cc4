import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { Repository } from 'typeorm';
import { InvalidCurrentPasswordError, RequestValidationError, UserNotFoundError } from '../../ground/common/errors/domain-errors';
import { Credential } from '../../core/password/credential.entity';
import { PasswordHasher } from '../../core/password/password-hasher';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import { User } from '../../core/entities/user.entity';
import { ChangeTokens } from './change-tokens';
import { ChangePasswordDto, PasswordChangedEnvelopeDto } from './dto/change-password.dto';
import { PasswordCheckBudget } from './password-check-budget';
import type { ChangePrincipal, UserPrincipal } from '../../access/principals';
import { SessionsService } from '../../core/sessions/sessions.service';

/**
 * POST /users/me/password (CONTRACT.md "Changing a password while signed in", "A change the user must
 * make"). With the user's access token the current password is checked within the login's budgets
 * (PasswordCheckBudget: a wrong one is a failed login of that user, 400 INVALID_CURRENT_PASSWORD, then
 * 429 past the budgets, on both routes); with a change token the login already proved it, and the token
 * is used up in the change's transaction. Then the one pipeline sets the new password (policy, history,
 * hashing; every session and earlier access token ends, the notice is mailed, `password.set` via
 * `change`), and the caller gets a fresh session issued in that same transaction.
 */
@Injectable()
export class ChangePasswordUseCase {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    private readonly hasher: PasswordHasher,
    private readonly lifecycle: PasswordLifecycleService,
    private readonly budget: PasswordCheckBudget,
    private readonly changeTokens: ChangeTokens,
    private readonly sessions: SessionsService,
  ) {}

  async execute(caller: UserPrincipal | ChangePrincipal, dto: ChangePasswordDto, clientIp: string): Promise<PasswordChangedEnvelopeDto> {
    const user = await this.users.findOneBy({ id: caller.userId });
    if (!user) throw new UserNotFoundError();
    if (caller.kind === 'change') {
      // The login proved the current password; one sent anyway is not checked, so it is refused rather than ignored.
      if (dto.current_password !== undefined) throw new RequestValidationError([{ path: 'current_password', kind: 'unknown' }]);
      return this.change(user, dto.new_password, { authorize: (em) => this.changeTokens.consume(em, caller.jti) });
    }
    const current = dto.current_password;
    if (current === undefined) throw new RequestValidationError([{ path: 'current_password', kind: 'required' }]);
    return this.budget.run(user.email, clientIp, 'password_change', async (outcome) => {
      const credential = await this.credentials.findOneBy({ userId: user.id });
      // One compare either way (a user without a password compares against a dummy), so timing tells nothing.
      const right = credential ? await this.hasher.verify(current, credential) : (await this.hasher.verifyAgainstDummy(current), false);
      if (!right) {
        outcome.wrong(user);
        throw new InvalidCurrentPasswordError();
      }
      return this.change(user, dto.new_password, { settle: (em) => outcome.right(em) });
    });
  }

  private async change(
    user: User,
    password: string,
    o: { authorize?: (em: EntityManager) => Promise<void>; settle?: (em: EntityManager) => Promise<void> },
  ): Promise<PasswordChangedEnvelopeDto> {
    const { result: session } = await this.lifecycle.setPassword({
      // A change is a new password: the current one is refused whatever the policy's history says, so a temporary
      // password an administrator chose never becomes the user's own (SECURITY.md F5).
      userId: user.id, password, mode: 'replace', via: 'change', actor: { kind: 'user', id: user.id }, differentFromCurrent: true,
      authorize: o.authorize,
      complete: async (em, changed) => {
        await o.settle?.(em);
        // As the pipeline left it: credentialsChangedAt just moved, and the new access token carries it.
        return this.sessions.issue(em, changed);
      },
    });
    return {
      data: { user_id: user.id, access_token: session.accessToken, refresh_token: session.refreshToken, token_type: 'Bearer', expires_in: session.expiresIn },
    };
  }
}
