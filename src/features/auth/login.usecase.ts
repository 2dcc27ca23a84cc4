import { Injectable } from '@nestjs/common';
import { Clock } from '../../ground/common/clock';
import { InvalidCredentialsError, PasswordChangeRequiredError, PasswordLoginDisabledError, UserDisabledError } from '../../ground/common/errors/domain-errors';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { Credential } from '../../core/password/credential.entity';
import { PasswordHasher } from '../../core/password/password-hasher';
import { PasswordPolicyService } from '../../core/password/password-policy.service';
import { normalizeEmail } from '../../core/entities/email';
import { User } from '../../core/entities/user.entity';
import { ChangeTokens } from './change-tokens';
import { LoginDto } from './dto/login.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { CheckOutcome, PasswordCheckBudget } from './password-check-budget';
import { SessionsService, tokenBody } from '../../core/sessions/sessions.service';

/**
 * POST /auth/login. One answer (401 INVALID_CREDENTIALS) for an unknown email, a user without a
 * password and a wrong password, each after exactly one bcrypt compare, so neither body nor timing
 * tells them apart (SECURITY.md C1, C2), within the budgets of PasswordCheckBudget (429 past them).
 * Only after a correct password does the caller learn that the user is disabled (403 USER_DISABLED),
 * that the password is due for change (older than the policy's maxAgeDays, A14, or temporary, F5: 403
 * PASSWORD_CHANGE_REQUIRED with a change token for POST /users/me/password instead of a session), or
 * that the account does not use passwords.
 */
@Injectable()
export class LoginUseCase {
  constructor(
    private readonly policies: PasswordPolicyService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly budget: PasswordCheckBudget,
    private readonly changeTokens: ChangeTokens,
  ) {}

  execute(dto: LoginDto, clientIp = ''): Promise<TokenResponseDto> {
    return this.budget.run(dto.email, clientIp, 'login', (outcome) => this.checkAndIssue(dto, outcome));
  }

  /** The credential check, then a session (or a change token) in the transaction that settles the budgets. */
  private async checkAndIssue(dto: LoginDto, outcome: CheckOutcome): Promise<TokenResponseDto> {
    // One statement whether or not the address is known: the user, its credential and its policy (SECURITY.md C2).
    const subject = await this.policies.subject({ emailNormalized: normalizeEmail(dto.email) });
    const user = subject?.user ?? null;
    const credential = subject?.credential ?? null;
    if (!subject || !user || !credential) {
      await this.hasher.verifyAgainstDummy(dto.password);
      outcome.wrong(user);
      throw new InvalidCredentialsError();
    }
    if (!(await this.hasher.verify(dto.password, credential))) {
      outcome.wrong(user);
      throw new InvalidCredentialsError();
    }
    if (!user.isActive) throw new UserDisabledError();
    const due = credential.mustChange ? 'temporary' : credential.expiresAt && credential.expiresAt <= this.clock.now() ? 'expired' : null;
    if (due) {
      const change = await this.uow.run(async (em) => {
        await outcome.right(em);
        return this.changeTokens.issue(em, user);
      });
      throw new PasswordChangeRequiredError(due, change.token, change.expiresInSeconds);
    }
    if (!subject.policy.passwordLogin) throw new PasswordLoginDisabledError();

    // Upgrade an old scheme or cost while we hold the plaintext; hashed before the transaction opens.
    const upgraded = this.hasher.needsRehash(credential) ? await this.hasher.hash(dto.password) : null;
    const session = await this.uow.run(async (em) => {
      // The user's row first, as a password change takes it, then the counters (in key order): a login
      // and a reset of one user never wait for each other in opposite orders (PostgreSQL). And still as
      // it was when the password was checked: a password set (or the user disabled) meanwhile means the
      // password checked is no longer the one in force, and no session may outlive that change (SECURITY.md D1).
      const now = await this.uow.lockAndRead(em, User, user.id, ['credentials_changed_at', 'is_active']);
      if (!now || !now.is_active || Number(now.credentials_changed_at ?? 0) !== (user.credentialsChangedAt?.getTime() ?? 0)) throw new InvalidCredentialsError();
      if (upgraded) {
        // Conditional on the hash we verified: a password changed meanwhile is never overwritten.
        await em
          .createQueryBuilder()
          .update(Credential)
          .set({ hash: upgraded.hash, algorithm: upgraded.algorithm })
          .where('user_id = :userId AND hash = :old', { userId: user.id, old: credential.hash })
          .execute();
      }
      await outcome.right(em);
      return this.sessions.issue(em, user);
    });
    return tokenBody(session);
  }
}
