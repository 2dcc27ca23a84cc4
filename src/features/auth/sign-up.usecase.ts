import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, MoreThan, QueryFailedError, Repository } from 'typeorm';
import { Locale, negotiateLocale } from '../../ground/common/locale';
import { Account } from '../../core/entities/account.entity';
import { clientKey } from '../../ground/common/client-ip';
import { Clock } from '../../ground/common/clock';
import { clientNetworkRef } from '../../ground/common/rate-limit/client-network';
import { SecretKeys } from '../../ground/common/secrets';
import { AccountNotFoundError, SignUpClosedError } from '../../ground/common/errors/domain-errors';
import { allowsSignUp } from '../accounts/sign-up-rule';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { emailVerificationMail } from '../../core/mail/mail-templates';
import { MailService } from '../../core/mail/mail.service';
import { SecretLinks } from '../../core/mail/secret-links';
import { Credential } from '../../core/password/credential.entity';
import { OneTimeToken } from '../../core/tokens/one-time-token.entity';
import { OneTimeTokensService } from '../../core/tokens/one-time-tokens.service';
import { normalizeEmail } from '../../core/entities/email';
import { User } from '../../core/entities/user.entity';
import { UsersService } from '../users/users.service';
import { SignUpDto } from './dto/sign-up.dto';
import { SignUpResponseDto } from './dto/sign-up-response.dto';

/** Verification codes: 8 characters from 31 without look-alikes (0/O, 1/I/L): 31^8 ≈ 8.5·10^11 ≈ 2^39.6. */
export const VERIFICATION_CODE = { length: 8, alphabet: 'ABCDEFGHJKMNPQRSTUVWXYZ23456789' } as const;
/** At most one verification email per address per this interval (SECURITY.md J4: no mail bombing). */
export const VERIFICATION_RESEND_INTERVAL_MS = 60_000;

/**
 * POST /auth/signup: creates an unverified user without a password and emails a verification code.
 *
 * The answer never depends on whether the email is registered (SECURITY.md C1): the same 201 with the
 * same body, built from the request only. For a registered address:
 *  - if that user has no password yet (an abandoned sign-up, an invitation not taken up), a fresh
 *    code is mailed to the stored address, so the owner of the mailbox can finish; the stored names
 *    and account are not changed;
 *  - if the user has a password, nothing is sent (the owner should log in or reset instead).
 * Either way only the mailbox owner can see a difference.
 */
@Injectable()
export class SignUpUseCase {
  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tokens: OneTimeTokensService,
    private readonly mail: MailService,
    private readonly links: SecretLinks,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly secrets: SecretKeys,
  ) {}

  /** `clientIp`: the caller's address; the code is bound to its network (a keyed hash) for VerifyEmailUseCase. */
  /** `acceptLanguage`: the request's header; the email is in the user's `locale`, else in the best match of it. */
  async execute(dto: SignUpDto, clientIp = '', acceptLanguage?: string): Promise<SignUpResponseDto> {
    const network = clientNetworkRef(this.secrets, clientKey(clientIp));
    if (dto.account_id !== undefined) {
      // Joining an account is the account's decision (CONTRACT.md "No escalation"): closed unless it allows this address.
      const account = await this.accounts.findOneBy({ id: dto.account_id });
      if (!account) throw new AccountNotFoundError();
      if (!allowsSignUp(account, dto.email)) throw new SignUpClosedError();
    }
    // Two sign-ups of one new address can race past the existence check (PostgreSQL); the unique
    // index stops the second insert, and a second attempt then takes the "registered" path.
    const requested = negotiateLocale(acceptLanguage);
    const sent = await this.register(dto, network, requested).catch((err) => (isUniqueViolation(err) ? this.register(dto, network, requested) : Promise.reject(err)));
    if (sent) this.mail.kick();
    return {
      success: true,
      message: 'Sign-up received. A verification code has been sent to the email address; submit it to POST /auth/verify-email.',
      data: { user: { email: dto.email.trim(), firstName: dto.firstName, lastName: dto.lastName, isEmailVerified: false } },
    };
  }

  /** True when a verification email was queued. */
  private register(dto: SignUpDto, network: string, requested: Locale): Promise<boolean> {
    return this.uow.run(async (em) => {
      const existing = await em.findOneBy(User, { emailNormalized: normalizeEmail(dto.email) });
      if (existing) return this.resumeSignUp(em, existing, network, requested);
      const user = await this.users.insert(
        em,
        { email: dto.email, firstName: dto.firstName, lastName: dto.lastName, accountId: dto.account_id ?? null, locale: dto.locale ?? null },
        // Nobody proved anything yet: the person signs up with no credential.
        { via: 'signup', actor: { kind: 'anonymous' } },
      );
      await this.sendCode(em, user, network, requested);
      return true;
    });
  }

  private async resumeSignUp(em: EntityManager, user: User, network: string, requested: Locale): Promise<boolean> {
    if (!user.isActive || (await em.existsBy(Credential, { userId: user.id }))) return false;
    const since = new Date(this.clock.nowMs() - VERIFICATION_RESEND_INTERVAL_MS);
    const recent = await em.existsBy(OneTimeToken, { userId: user.id, purpose: 'email_verification', usedAt: IsNull(), createdAt: MoreThan(since) });
    if (recent) return false;
    await this.sendCode(em, user, network, requested);
    return true;
  }

  private async sendCode(em: EntityManager, user: User, network: string, requested: Locale): Promise<void> {
    const code = await this.tokens.issue(em, {
      purpose: 'email_verification', userId: user.id, ttlMs: this.config.verificationCodeTtlMs, secret: VERIFICATION_CODE, issuedToNetwork: network,
    });
    await this.mail.enqueue(em, user.email, emailVerificationMail({
      code,
      link: await this.links.buildForUser(em, 'verification', code, user),
      ttlMinutes: Math.round(this.config.verificationCodeTtlMs / 60_000),
      firstName: user.firstName,
      locale: user.locale ?? requested,
    }));
  }
}

function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
