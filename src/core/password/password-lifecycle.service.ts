import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, Repository } from 'typeorm';
import type { AuditActor } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { DomainEvents, eventUser } from '../../ground/common/domain-events';
import {
  PasswordAlreadySetError, PasswordLoginDisabledError, PasswordPolicyError, RequestValidationError, UserDisabledError, UserNotFoundError,
} from '../../ground/common/errors/domain-errors';
import { insertRows, runSql, tableOf, updateRows } from '../../ground/database/sql';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { CREDENTIAL_SECRETS, OneTimeTokensService } from '../tokens/one-time-tokens.service';
import { User } from '../entities/user.entity';
import { Credential } from './credential.entity';
import { ImportedHash, isImportRefusal, parseImportedHash } from './hash-schemes/imported-hash';
import { PasswordHasher, StoredPasswordHash } from './password-hasher';
import { checkPasswordHistory } from './password-history.check';
import { PasswordHistoryEntry } from './password-history.entity';
import { PasswordPolicy } from './password-policy';
import { PasswordPolicyService, PasswordSubject } from './password-policy.service';
import { evaluatePassword } from './password-policy.evaluator';

/** History rows kept per user: enough for any policy (historySize <= 24). */
const HISTORY_KEEP = 24;
const DAY_MS = 86_400_000;

export interface SetPasswordCommand<T> {
  userId: string;
  password: string;
  /** 'initial': only for a user without a password (D1, D2, D3). 'replace': resets (D4, D5), changes, an administrator's set. */
  mode: 'initial' | 'replace';
  /** An administrator's temporary password: the next login must change it. */
  temporary?: boolean;
  /** The new password must differ from the current one even when the policy keeps no history (a change). */
  differentFromCurrent?: boolean;
  /**
   * Which path set it, for the audit event (SECURITY.md I2): 'D1' … 'D5'. The event's `flow` follows
   * from it (D1 invitation, D2 verification, D3 integrator, D4/D5 recovery).
   */
  via: string;
  /** Who set it, for the audit event: an API key (D3) by its id; by default the user the secret names. */
  actor?: AuditActor;
  /** Checked on the loaded user before anything else (e.g. an API key's account boundary). */
  guard?: (user: User) => void;
  /** First step of the transaction: consume the secret that authorizes the change. Throwing aborts it all. */
  authorize?: (em: EntityManager, user: User) => Promise<void>;
  /**
   * Last step of the transaction, e.g. issue the session the dialect answers with. `user` as the transaction
   * has written it (credentialsChangedAt is this change's time); `account` is the user's (id, name, change address), as read before the hash.
   */
  complete?: (em: EntityManager, user: User, credential: Credential, account: PasswordSubject['account']) => Promise<T>;
}

export interface SetPasswordResult<T> {
  user: User;
  credential: Credential;
  policy: PasswordPolicy;
  result: T;
}

/**
 * The one set-password pipeline every dialect runs (STYLE.md example 3):
 * policy → history (parallel compares) → hash, all before any write; then one transaction:
 * consume the secret, move the current hash to history, store the new one with its expiry, void every
 * outstanding secret and earlier access token of the user (credentialsChangedAt), publish the domain
 * event (`password.set`, src/ground/common/domain-events.ts) whose subscribers end the sessions, queue the
 * notice and record the audit event, and let the caller finish (issue tokens). A rejected password
 * changes nothing and publishes nothing (SECURITY.md A15, H2).
 */
@Injectable()
export class PasswordLifecycleService {
  private readonly logger = new Logger('Passwords');

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(PasswordHistoryEntry) private readonly history: Repository<PasswordHistoryEntry>,
    private readonly policies: PasswordPolicyService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: OneTimeTokensService,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly events: DomainEvents,
  ) {}

  async setPassword<T = void>(cmd: SetPasswordCommand<T>): Promise<SetPasswordResult<T>> {
    const { user, policy, account, stored } = await this.checkAndHash(cmd);
    const now = this.clock.now();
    const credential = Object.assign(new Credential(), {
      userId: user.id, hash: stored.hash, algorithm: stored.algorithm, setAt: now,
      expiresAt: policy.maxAgeDays > 0 ? new Date(now.getTime() + policy.maxAgeDays * DAY_MS) : null,
      mustChange: cmd.temporary === true, expiryWarnedDays: null,
    });

    const result = await this.uow.run(async (em) => {
      // The user's row first (as every change of the user takes it), by the stamp that voids earlier access tokens.
      await this.stampCredentialsChanged(em, user.id, now);
      // As the row now reads: tokens issued in `complete` carry this change's time (`pwv`) without a second read.
      Object.assign(user, { credentialsChangedAt: now, updatedAt: now });
      await cmd.authorize?.(em, user);
      const replaced = await this.archiveCurrent(em, user.id, now);
      if (cmd.mode === 'initial' && replaced) throw new PasswordAlreadySetError();
      await this.store(em, credential, replaced);
      await this.voidSecrets(em, user.id);
      const actor = cmd.actor ?? { kind: 'user', id: user.id };
      await this.events.publish(em, {
        type: 'password.set', user: eventUser(user), actor, at: now, via: cmd.via, mode: cmd.mode, replaced, changePasswordUrl: account?.changePasswordUrl ?? null,
      });
      return cmd.complete ? cmd.complete(em, user, credential, account) : (undefined as T);
    });
    this.logger.log({ event: 'password.set', via: cmd.via, mode: cmd.mode, userId: user.id, sessionsRevoked: true }, `password.set via ${cmd.via}`);
    return { user, credential, policy, result };
  }

  /**
   * The checks of setPassword that come before any write (user, guard, password sign-in, mode, policy,
   * history), on their own: for a flow that must know the password will be accepted before it spends a
   * secret that setPassword does not consume itself (the verification page: the sign-up code, then D2).
   * Throws the same errors as setPassword; changes nothing.
   */
  async check(cmd: Pick<SetPasswordCommand<unknown>, 'userId' | 'password' | 'mode' | 'guard' | 'differentFromCurrent'>): Promise<{ user: User; policy: PasswordPolicy; current: Credential | null }> {
    const { user, policy, current, violations, recent, historySize } = await this.evaluate(cmd);
    violations.push(...(await checkPasswordHistory(this.hasher, cmd.password, { historySize }, recent)));
    if (violations.length > 0) throw new PasswordPolicyError(violations, policy);
    return { user, policy, current };
  }

  /**
   * check(), and the new hash computed while the history compares run: the N compares and the hash
   * are N + 1 independent slow operations, so started together they take about (N + 1) / cores hash
   * times instead of N / cores + 1. The hash starts only once the cheap rules pass, so a password
   * they refuse costs no hash; one the history refuses throws the hash away.
   */
  private async checkAndHash(cmd: Pick<SetPasswordCommand<unknown>, 'userId' | 'password' | 'mode' | 'guard' | 'differentFromCurrent'>): Promise<{ user: User; policy: PasswordPolicy; account: PasswordSubject['account']; stored: StoredPasswordHash }> {
    const { user, policy, account, violations, recent, historySize } = await this.evaluate(cmd);
    const hashing = violations.length === 0 ? this.hasher.hash(cmd.password) : null;
    // Settled either way below, so a refused password never leaves a rejection unhandled.
    const hashed = hashing?.then((stored) => ({ stored }), (error: unknown) => ({ error }));
    violations.push(...(await checkPasswordHistory(this.hasher, cmd.password, { historySize }, recent)));
    if (violations.length > 0 || !hashed) throw new PasswordPolicyError(violations, policy);
    const outcome = await hashed;
    if ('error' in outcome) throw outcome.error;
    return { user, policy, account, stored: outcome.stored };
  }

  /** Everything before the history rule: the user, the guard, the account's policy, the mode and the cheap rules. */
  private async evaluate(cmd: Pick<SetPasswordCommand<unknown>, 'userId' | 'password' | 'mode' | 'guard' | 'differentFromCurrent'>) {
    const subject = await this.policies.subject({ id: cmd.userId });
    if (!subject) throw new UserNotFoundError();
    const { user, policy, account, credential: current } = subject;
    cmd.guard?.(user);
    // A disabled user gets no password on any path (CONTRACT.md "The end of a user's life": D1–D5 set nothing).
    if (!user.isActive) throw new UserDisabledError();
    if (!policy.passwordLogin) throw new PasswordLoginDisabledError();
    if (cmd.mode === 'initial' && current) throw new PasswordAlreadySetError();
    const violations = evaluatePassword(cmd.password, policy, user);
    // The last N the policy keeps; a change refuses at least the current one.
    const historySize = cmd.differentFromCurrent && current ? Math.max(policy.historySize, 1) : policy.historySize;
    const recent = await this.recentHashes(user.id, current, historySize);
    return { user, policy, account, current, violations, recent, historySize };
  }

  /**
   * Stores a hash the user's password already has in another system (PUT /users/{id}/password-hash,
   * `users import-hash`), so an enterprise moves its users here without a reset: parsed strictly
   * (hash-schemes/imported-hash.ts; a refusal is a REQUEST_INVALID naming the field), then, like a set,
   * the current hash moves to history, the imported one becomes current with the policy's expiry, every
   * session and outstanding secret of the user ends, and `password.imported` is recorded (the format and
   * scheme, never the hash). No policy or history check (the password is unknown) and no email (the
   * user's password did not change). The first login rehashes it into the configured scheme.
   */
  async importHash(cmd: { userId: string; imported: ImportedHash; actor: AuditActor; guard?: (user: User) => void }): Promise<{ user: User; credential: Credential; replaced: boolean }> {
    const parsed = parseImportedHash(cmd.imported);
    if (isImportRefusal(parsed) || !this.hasher.recognizes(parsed)) {
      const issue = isImportRefusal(parsed) ? parsed : { field: 'hash', expected: 'hash' };
      throw new RequestValidationError([{ path: issue.field, kind: 'format', params: { format: issue.expected } }]);
    }
    const user = await this.users.findOneBy({ id: cmd.userId });
    if (!user) throw new UserNotFoundError();
    cmd.guard?.(user);
    const policy = await this.policies.forAccount(user.accountId);
    const now = this.clock.now();
    const credential = Object.assign(new Credential(), {
      userId: user.id, hash: parsed.hash, algorithm: parsed.algorithm, setAt: now,
      expiresAt: policy.maxAgeDays > 0 ? new Date(now.getTime() + policy.maxAgeDays * DAY_MS) : null,
      mustChange: false, expiryWarnedDays: null,
    });
    const replaced = await this.uow.run(async (em) => {
      await this.stampCredentialsChanged(em, user.id, now);
      const existed = await this.archiveCurrent(em, user.id, now);
      await this.store(em, credential, existed);
      await this.voidSecrets(em, user.id);
      await this.events.publish(em, {
        type: 'password.imported', user: eventUser(user), actor: cmd.actor, at: now, format: cmd.imported.format, algorithm: parsed.algorithm, replaced: existed,
      });
      return existed;
    });
    this.logger.log({ event: 'password.imported', format: cmd.imported.format, algorithm: parsed.algorithm, userId: user.id }, 'password.imported');
    return { user, credential, replaced };
  }

  /**
   * Removes the user's password, keeping it in history (D3 DELETE). Ends sessions like a change does
   * and publishes `password.removed` by `actor`; a user without a password is left alone (no event).
   */
  async removePassword(userId: string, guard?: (user: User) => void, actor: AuditActor = { kind: 'system' }): Promise<void> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw new UserNotFoundError();
    guard?.(user);
    const now = this.clock.now();
    await this.uow.run(async (em) => {
      await this.uow.lock(em, User, userId);
      if (!(await this.archiveCurrent(em, userId, now))) return;
      await em.delete(Credential, { userId });
      await this.stampCredentialsChanged(em, userId, now);
      await this.voidSecrets(em, userId);
      await this.events.publish(em, { type: 'password.removed', user: eventUser(user), actor, at: now, via: 'D3' });
    });
  }

  /** The hashes "the last N" means: the current one (if any) and the newest history entries, N in all. */
  private async recentHashes(userId: string, current: Credential | null, n: number): Promise<StoredPasswordHash[]> {
    if (n <= 0) return [];
    const fromHistory = await this.history.find({ where: { userId }, order: { seq: 'DESC' }, take: current ? n - 1 : n });
    return [...(current ? [current] : []), ...fromHistory].map(({ hash, algorithm }) => ({ hash, algorithm }));
  }

  /**
   * Moves the user's current hash, if any, to history (the next seq): one INSERT … SELECT that reads the
   * credential and the newest seq itself, so a change under the user's lock needs no reads before it.
   * True when there was a current hash.
   */
  private async archiveCurrent(em: EntityManager, userId: string, now: Date): Promise<boolean> {
    const [history, credentials] = [tableOf(em, PasswordHistoryEntry), tableOf(em, Credential)];
    const { rows } = await runSql<{ seq: number | string }>(
      em,
      `INSERT INTO ${history} ("id", "user_id", "seq", "hash", "algorithm", "created_at")
       SELECT :id, c."user_id", COALESCE((SELECT MAX(h."seq") FROM ${history} h WHERE h."user_id" = c."user_id"), 0) + 1, c."hash", c."algorithm", :now
       FROM ${credentials} c WHERE c."user_id" = :userId
       RETURNING "seq"`,
      { id: randomUUID(), userId, now: now.getTime() },
    );
    if (rows.length === 0) return false;
    // seq counts every entry the user ever had: up to HISTORY_KEEP of them, none can be stale yet.
    if (Number(rows[0].seq) <= HISTORY_KEEP) return true;
    const stale = await em.find(PasswordHistoryEntry, { where: { userId }, order: { seq: 'DESC' }, skip: HISTORY_KEEP, select: { id: true } });
    if (stale.length > 0) await em.delete(PasswordHistoryEntry, { id: In(stale.map((s) => s.id)) });
    return true;
  }

  /** Stores the new credential over the current one (`replaced`) or as the first; save() would read the row again first. */
  private async store(em: EntityManager, credential: Credential, replaced: boolean): Promise<void> {
    if (!replaced) {
      await insertRows(em, Credential, [credential]);
      return;
    }
    await updateRows(em, Credential, {
      hash: credential.hash, algorithm: credential.algorithm, setAt: credential.setAt, expiresAt: credential.expiresAt, mustChange: credential.mustChange, expiryWarnedDays: null,
    }, '"user_id" = :userId', { userId: credential.userId });
  }

  /**
   * SECURITY.md D2: access tokens issued before now are refused (their `pwv` is older than
   * credentialsChangedAt). The UPDATE also takes the user's row (PostgreSQL), so a change that stamps
   * first needs no lock of its own (UnitOfWork.lock, which the others take: they wait for it and it for
   * them); rolled back with the rest when a later step refuses.
   */
  private async stampCredentialsChanged(em: EntityManager, userId: string, now: Date): Promise<void> {
    await updateRows(em, User, { credentialsChangedAt: now, updatedAt: now }, '"id" = :userId', { userId });
  }

  /**
   * SECURITY.md D6: every outstanding secret of the user is void. The sessions (refresh tokens, D1) end by
   * the domain event's subscriber (src/features/auth).
   */
  private async voidSecrets(em: EntityManager, userId: string): Promise<void> {
    await this.tokens.voidLive(em, userId, CREDENTIAL_SECRETS);
  }
}
