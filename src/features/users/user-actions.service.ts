import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Account } from '../../core/entities/account.entity';
import { actorOf, type Caller } from '../../access/caller';
import { type Action, authorize } from '../../access/policy';
import { SessionsService } from '../../core/sessions/sessions.service';
import { decodeAuditCursor, encodeAuditCursor } from '../audit/audit-cursor';
import { AttemptLimiter, Limit } from '../../ground/common/attempt-limiter.service';
import { AuditTrail } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { DomainEvents, eventUser } from '../../ground/common/domain-events';
import { AccountNotFoundError, PasswordAlreadySetError, RequestValidationError, UserNotFoundError } from '../../ground/common/errors/domain-errors';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { MailService } from '../../core/mail/mail.service';
import { Credential } from '../../core/password/credential.entity';
import { PasswordLifecycleService } from '../../core/password/password-lifecycle.service';
import { RecoveryRequestService } from '../../core/recovery/recovery-request.service';
import { UserEnvelopeDto, UserResponseDto } from './dto/user-response.dto';
import { SetUserPasswordDto } from './dto/set-user-password.dto';
import { normalizeEmail } from '../../core/entities/email';
import { User } from '../../core/entities/user.entity';
import { UsersService } from './users.service';
import { ACCOUNT_USERS_PAGE_DEFAULT, ListAccountUsersQueryDto } from './dto/list-account-users.query.dto';
import { ImportPasswordHashDto, toImportedHash } from './dto/import-password-hash.dto';
import { AccountUsersPageDto, PasswordHashImportedEnvelopeDto, UserMailSentEnvelopeDto } from './dto/user-action-response.dto';

/** Invitations an administrator may resend to one user per window (so nobody can mail-bomb an address). */
export const INVITATION_RESENDS_PER_USER = 1;
export const INVITATION_RESEND_WINDOW_MS = 60_000;

export function invitationResendLimit(userId: string): Limit {
  return { key: `admin:invitation:${userId}`, max: INVITATION_RESENDS_PER_USER, windowMs: INVITATION_RESEND_WINDOW_MS };
}

/**
 * The network a D5 code mailed by an administrator is bound to: none that any client comes from, so the
 * administrator's own network gains no extra guesses at the user's code (RequestResetCodeUseCase).
 */
export const ADMIN_ACTION_CLIENT = 'admin-action';

/**
 * Admin actions on one user (CONTRACT.md "Callers with JWT bearer tokens"): resend the invitation, mail a
 * D5 reset code, end every session; and the list of an account's users. Each checks the caller's account
 * access policy (src/access/policy.ts) after the target is found (unknown → 404, another
 * account's → 403) and records an audit event naming the caller (actorOf) in the transaction that acts.
 * A deactivated user is answered like an unknown one (404) by the actions that mail.
 */
@Injectable()
export class UserActionsService {
  private readonly logger = new Logger('UserActions');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Credential) private readonly credentials: Repository<Credential>,
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    private readonly usersService: UsersService,
    private readonly sessions: SessionsService,
    private readonly recovery: RecoveryRequestService,
    private readonly limiter: AttemptLimiter,
    private readonly audit: AuditTrail,
    private readonly mail: MailService,
    private readonly uow: UnitOfWork,
    private readonly clock: Clock,
    private readonly passwords: PasswordLifecycleService,
    private readonly events: DomainEvents,
  ) {}

  /** POST /users/{id}/invitation: a new D1 token (the older one is voided by OneTimeTokensService.issue) and the invitation email. */
  async resendInvitation(id: string, caller: Caller): Promise<UserMailSentEnvelopeDto> {
    await this.reachable(id, caller, 'users.invitation.send', { active: true });
    await this.uow.run(async (em) => {
      const user = await em.findOneBy(User, { id });
      if (!user || !user.isActive) throw new UserNotFoundError();
      if (await em.existsBy(Credential, { userId: id })) throw new PasswordAlreadySetError();
      await this.limiter.hitOrThrow(em, invitationResendLimit(id));
      const account = user.accountId ? await em.findOneBy(Account, { id: user.accountId }) : null;
      await this.usersService.invite(em, user, account);
      await this.audit.record(em, { type: 'user.invitation_sent', userId: id, accountId: user.accountId, actor: actorOf(caller), outcome: 'success' });
    });
    this.mail.kick();
    this.logger.log({ event: 'user.invitation_sent', userId: id }, 'user.invitation_sent');
    return { data: { user_id: id, sent: true } };
  }

  /** POST /users/{id}/password-reset: a D5 code and its link, issued and mailed as POST /v1/auth/password-reset/request would. */
  async sendPasswordReset(id: string, caller: Caller): Promise<UserMailSentEnvelopeDto> {
    await this.reachable(id, caller, 'users.passwordReset.send', { active: true });
    await this.uow.run(async (em) => {
      const user = await em.findOneBy(User, { id });
      if (!user || !user.isActive) throw new UserNotFoundError();
      await this.recovery.issueNow(em, 'D5', user, ADMIN_ACTION_CLIENT);
      await this.audit.record(em, {
        type: 'user.password_reset_sent', userId: id, accountId: user.accountId, actor: actorOf(caller), outcome: 'success', details: { dialect: 'D5' },
      });
    });
    this.mail.kick();
    this.logger.log({ event: 'user.password_reset_sent', userId: id }, 'user.password_reset_sent');
    return { data: { user_id: id, sent: true } };
  }

  /**
   * DELETE /users/{id}/sessions: revokes every live refresh token and moves credentialsChangedAt to now,
   * so every access token issued before carries an outdated `pwv` and is refused (jwt-access.strategy.ts),
   * as after a password change. The password and outstanding one-time secrets stay as they are.
   */
  async endSessions(id: string, caller: Caller): Promise<void> {
    await this.reachable(id, caller, 'users.sessions.end', { active: false });
    const sessions = await this.uow.run(async (em) => {
      const user = await em.findOneBy(User, { id });
      if (!user) throw new UserNotFoundError();
      const revoked = await this.sessions.revokeAll(em, id);
      const now = this.clock.now();
      await em.update(User, { id }, { credentialsChangedAt: now, updatedAt: now });
      await this.events.publish(em, { type: 'sessions.revoked', user: eventUser(user), actor: actorOf(caller), at: now, reason: 'admin', sessions: revoked });
      return revoked;
    });
    this.logger.log({ event: 'session.revoked', userId: id, reason: 'admin', sessions }, 'session.revoked');
  }

  /**
   * PUT /users/{id}/password-hash: the user's existing hash from another system becomes the current one
   * (PasswordLifecycleService.importHash: the previous one to history, sessions ended, `password.imported`
   * by the caller). Also for a deactivated user (migrated as they are).
   */
  async importPasswordHash(id: string, dto: ImportPasswordHashDto, caller: Caller): Promise<PasswordHashImportedEnvelopeDto> {
    const imported = toImportedHash(dto);
    const { credential, replaced } = await this.passwords.importHash({
      userId: id, imported, actor: actorOf(caller),
      guard: (user) => authorize(caller, 'passwords.import', { user }),
    });
    return { data: { user_id: id, format: imported.format, algorithm: credential.algorithm, replaced } };
  }

  /**
   * PUT /users/{id}/password: the pipeline sets the password the administrator chose (policy, history,
   * hashing), as temporary (the next login must change it) unless `temporary` is false; every session of
   * the user ends. Never for a user above the caller (`passwords.setByAdmin`). Answers the user.
   */
  async setPassword(id: string, dto: SetUserPasswordDto, caller: Caller): Promise<UserEnvelopeDto> {
    const temporary = dto.temporary ?? true;
    await this.passwords.setPassword({
      userId: id, password: dto.password, mode: 'replace', temporary, via: temporary ? 'temporary' : 'admin', actor: actorOf(caller),
      guard: (user) => authorize(caller, 'passwords.setByAdmin', { user }),
    });
    return { data: UserResponseDto.from(await this.usersService.get(id)) };
  }

  /** GET /accounts/{id}/users: newest first (created_at, then id, descending), keyset-paged with an opaque cursor. */
  async listAccountUsers(accountId: string, query: ListAccountUsersQueryDto, caller: Caller): Promise<AccountUsersPageDto> {
    if (!(await this.accounts.existsBy({ id: accountId }))) throw new AccountNotFoundError();
    authorize(caller, 'accounts.users.list', { accountId });
    const cursor = query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor);
    if (cursor === null) throw new RequestValidationError([{ path: 'cursor', kind: 'format', params: { format: 'cursor from a previous page' } }], 'query');

    const limit = query.limit ?? ACCOUNT_USERS_PAGE_DEFAULT;
    const qb = this.users.createQueryBuilder('u').where('u.accountId = :accountId', { accountId });
    if (query.email !== undefined) qb.andWhere('u.emailNormalized = :email', { email: normalizeEmail(query.email) });
    if (cursor) qb.andWhere('(u.createdAt < :cursorAt OR (u.createdAt = :cursorAt AND u.id < :cursorId))', { cursorAt: cursor.atMs, cursorId: cursor.id });
    const rows = await qb.orderBy('u.createdAt', 'DESC').addOrderBy('u.id', 'DESC').limit(limit + 1).getMany();

    const page = rows.slice(0, limit);
    const withPassword = new Set(
      page.length === 0 ? [] : (await this.credentials.find({ where: { userId: In(page.map((u) => u.id)) }, select: { userId: true } })).map((c) => c.userId),
    );
    const last = page[page.length - 1];
    return {
      data: page.map((user) => UserResponseDto.from({ user, hasPassword: withPassword.has(user.id) })),
      next_cursor: rows.length > limit && last ? encodeAuditCursor({ atMs: last.createdAt.getTime(), id: last.id }) : null,
    };
  }

  /** The user, or 404 (also for a deactivated one when `active`); 403 when the access policy refuses `action` on it. */
  private async reachable(id: string, caller: Caller, action: Action, o: { active: boolean }): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new UserNotFoundError();
    authorize(caller, action, { user });
    if (o.active && !user.isActive) throw new UserNotFoundError();
    return user;
  }
}
