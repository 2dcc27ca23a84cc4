import { Inject, Injectable } from '@nestjs/common';
import { decodeJwt } from 'jose';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Account } from '../../core/entities/account.entity';
import { SetPasswordWithInvitationUseCase } from '../../features/accounts/set-password-with-invitation.usecase';
import { SetPasswordWithVerificationUseCase } from '../../features/auth/set-password-with-verification.usecase';
import { VerifyEmailUseCase } from '../../features/auth/verify-email.usecase';
import { InvalidTokenError, PasswordAlreadySetError, PasswordLoginDisabledError } from '../../ground/common/errors/domain-errors';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { Credential } from '../../core/password/credential.entity';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import type { PasswordPolicy } from '../../core/password/password-policy';
import { PasswordPolicyService } from '../../core/password/password-policy.service';
import { evaluatePassword } from '../../core/password/password-policy.evaluator';
import type { PolicyViolation } from '../../core/password/policy-violation';
import { RecoverAccountUseCase } from '../password-reset/recover-account.usecase';
import { RequestResetCodeUseCase } from '../password-reset/request-reset-code.usecase';
import { ResetWithCodeUseCase } from '../password-reset/reset-with-code.usecase';
import { ResetWithValidationCodeUseCase } from '../password-reset/reset-with-validation-code.usecase';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { User } from '../../core/entities/user.entity';
import type { RequestFlow, SecretFlow } from './page-flows';

/** What a page shows once a secret is known to be live: who, which account, which rules, where to sign in after. */
export interface SecretContext {
  user: User;
  accountName: string | null;
  policy: PasswordPolicy;
  /** The account's `links.sign_in`, else SIGN_IN_URL; null: the success page offers no link. */
  signInUrl: string | null;
}

/**
 * The pages behind the email links as one more client of the dialects' pipeline: nothing here sets a
 * password or spends a secret by itself.
 *
 * `open` reads what a secret names without using it up, under the same budgets as redeeming it (a
 * wrong D5, D4 or sign-up code spends a failure exactly like a wrong reset or verification; invitation
 * tokens are 256-bit and only the per-route request limit applies, as on D1). `submit` runs the
 * dialect's own use case (D1, D5, D4; for a sign-up code, the verification and then D2), so every
 * refusal is the pipeline's. Opening a link (GET, HEAD) calls neither: the secret is in the fragment,
 * which browsers never send.
 */
@Injectable()
export class SecretPagesService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly policies: PasswordPolicyService,
    private readonly lifecycle: PasswordLifecycleService,
    private readonly tokens: OneTimeTokensService,
    private readonly invitation: SetPasswordWithInvitationUseCase,
    private readonly verifyEmail: VerifyEmailUseCase,
    private readonly setWithVerification: SetPasswordWithVerificationUseCase,
    private readonly resetWithCode: ResetWithCodeUseCase,
    private readonly resetWithValidationCode: ResetWithValidationCodeUseCase,
    private readonly requestResetCode: RequestResetCodeUseCase,
    private readonly recoverAccount: RecoverAccountUseCase,
  ) {}

  /**
   * The user, account and policy a live secret names; throws InvalidTokenError (also for a deactivated
   * user), RateLimitedError, PasswordAlreadySetError (first-password flows) or PasswordLoginDisabledError.
   */
  async open(flow: SecretFlow, code: string, clientIp: string): Promise<SecretContext> {
    const userId = await this.userNamedBy(flow, code, clientIp);
    const user = await this.users.findOneBy({ id: userId });
    if (!user || !user.isActive) throw new InvalidTokenError();
    const policy = await this.policies.forAccount(user.accountId);
    if (!policy.passwordLogin) throw new PasswordLoginDisabledError();
    if ((flow === 'invitation' || flow === 'verification') && (await this.credentials.existsBy({ userId: user.id }))) throw new PasswordAlreadySetError();
    const account = user.accountId ? await this.accounts.findOneBy({ id: user.accountId }) : null;
    return { user, accountName: account?.name ?? null, policy, signInUrl: account?.signInUrl ?? this.config.signInUrl };
  }

  /** Sets the password through the flow's dialect; the same errors as that dialect's use case. */
  async submit(flow: SecretFlow, code: string, password: string, ctx: SecretContext, clientIp: string): Promise<void> {
    switch (flow) {
      case 'invitation':
        await this.invitation.execute({ token: code, password });
        return;
      case 'reset':
        await this.resetWithCode.execute({ code, newPassword: password, clientIp });
        return;
      case 'recovery':
        await this.resetWithValidationCode.execute({ validationCode: code, password, clientIp });
        return;
      case 'verification': {
        // The sign-up code is spent by the verification, before D2 checks the password: check it first,
        // so a refused password leaves the code usable (SECURITY.md A15).
        await this.lifecycle.check({ userId: ctx.user.id, password, mode: 'initial' });
        const { data } = await this.verifyEmail.execute({ code }, clientIp);
        const claims = decodeJwt(data.token);
        // Just issued by this service, in this request: read, not verified again.
        if (!claims?.sub || !claims.jti) throw new InvalidTokenError();
        await this.setWithVerification.execute({ kind: 'verification', userId: claims.sub, jti: claims.jti }, { password });
        return;
      }
    }
  }

  /**
   * What the account's policy refuses in this password by its own rules (no history compare, nothing
   * hashed): for a form refused anyway (the confirmation differs), so the person learns it in one round.
   */
  policyRefusals(password: string, ctx: SecretContext): PolicyViolation[] {
    return evaluatePassword(password, ctx.policy, ctx.user);
  }

  /** Sends a D5 code ('forgot') or a D4 validation code ('recover'); the same answer for any address (C1). */
  async request(flow: RequestFlow, email: string, clientIp: string): Promise<number> {
    if (flow === 'forgot') {
      await this.requestResetCode.execute({ email, clientIp });
      return this.config.resetCodeTtlMs;
    }
    await this.recoverAccount.execute({ email, clientIp });
    return this.config.recoveryCodeTtlMs;
  }

  private async userNamedBy(flow: SecretFlow, code: string, clientIp: string): Promise<string> {
    switch (flow) {
      case 'invitation': {
        const token = await this.tokens.findUnusedBySecret(code, 'invitation');
        if (!token) throw new InvalidTokenError();
        return token.userId;
      }
      case 'verification':
        return this.verifyEmail.inspect(code, clientIp);
      case 'reset':
        return this.resetWithCode.inspect(code, clientIp);
      case 'recovery':
        return this.resetWithValidationCode.inspect(code, clientIp);
    }
  }
}
