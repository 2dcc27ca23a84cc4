import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EntityManager, IsNull, Repository, In } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { dataDirectory, writePrivateFile } from '../../ground/config/service-secret';
import { AccountNotFoundError, ApiKeyNotFoundError, UnauthenticatedError } from '../../ground/common/errors/domain-errors';
import { AuditActor, AuditTrail } from '../../ground/common/audit-trail';
import { Clock } from '../../ground/common/clock';
import { constantTimeEqual, randomToken, SecretKeys } from '../../ground/common/secrets';
import { ID_SHAPE } from '../../ground/common/id-param';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { Account } from '../../core/entities/account.entity';
import { actorOf, type Caller } from '../../access/caller';
import { authorize, decide, listedAccount } from '../../access/policy';
import type { RateLimitedCaller } from '../../ground/common/rate-limit/caller-identity';
import type { ApiKeyScope } from '../../access/scopes';
import { ApiKey } from './api-key.entity';

const KEY_PREFIX = 'pls_';

/**
 * Issues, authenticates and revokes API keys. Raw keys are shown once and stored only as keyed hashes.
 * Creating and revoking a key records `api_key.created` / `api_key.revoked` (by the key's id, never
 * the key) in the same transaction.
 */
@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  /** Per-request key lookups (findUnrevokedForRequest); entries go with their request. */
  private readonly lookups = new WeakMap<object, { raw: string; key: Promise<ApiKey | null> }>();
  /** Per-request key lookups by id (findUnrevokedByIdForRequest: client tokens); entries go with their request. */
  private readonly lookupsById = new WeakMap<object, { id: string; key: Promise<ApiKey | null> }>();

  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: SecretKeys,
    private readonly clock: Clock,
    private readonly uow: UnitOfWork,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * ADMIN_API_KEY bootstraps the first admin key: it exists (with scope admin) once the app has started,
   * unless that key was revoked, which a restart never undoes.
   * Without it, a service that has no live admin key yet creates one and writes it to
   * data/admin-api-key (mode 0600) — never to the log — so a fresh `npm start` can be driven at once.
   */
  async onApplicationBootstrap(): Promise<void> {
    const raw = this.config.adminApiKey;
    if (!raw) return this.createFirstAdminKeyFile();
    const keyHash = this.secrets.lookupHash(raw);
    await this.uow.run(async (em) => {
      const existing = await em.findOneBy(ApiKey, { keyHash: In(this.secrets.lookupHashes(raw)) });
      if (existing?.revokedAt) {
        // Revoking a leaked bootstrap key must stick: a restart does not bring it back.
        this.logger.error('ADMIN_API_KEY names a key that was revoked: it stays revoked. Set ADMIN_API_KEY to a new value to bootstrap another admin key.');
        return;
      }
      if (existing) {
        if (!existing.scopes.includes('admin')) await em.update(ApiKey, { id: existing.id }, { scopes: ['admin'] });
        return;
      }
      // Instances started together all try: the first insert wins, the others' are ignored (no unique-key error at start).
      const inserted = await this.insertKey(em, this.newKey('bootstrap admin (ADMIN_API_KEY)', ['admin'], null, keyHash), { kind: 'system' }, { ignoreDuplicate: true });
      if (inserted) this.logger.log('created the bootstrap admin API key from ADMIN_API_KEY');
    });
  }

  /**
   * Without ADMIN_API_KEY: creates an admin key when no live one exists, and writes it to the data
   * directory's `admin-api-key`. Instances started together all get here: the look and the insert run
   * under one lock every instance takes on the database (UnitOfWork.runExclusive), so exactly one
   * creates a key and the others find it; the file is written by that one, inside its transaction (a
   * failed commit leaves a file naming no key, which the next start replaces) and whole (written beside,
   * then renamed).
   */
  private async createFirstAdminKeyFile(): Promise<void> {
    if (this.config.database.kind === 'sqlite' && this.config.database.path === ':memory:') return;
    const file = join(dataDirectory(this.config), 'admin-api-key');
    const raw = KEY_PREFIX + randomToken(32);
    const created = await this.uow.runExclusive('first-admin-key', async (em) => {
      const hasAdmin = (await em.findBy(ApiKey, { revokedAt: IsNull() })).some((k) => k.scopes.includes('admin'));
      if (hasAdmin) return false;
      await this.insertKey(em, this.newKey(`first admin key (${file})`, ['admin'], null, this.secrets.lookupHash(raw)), { kind: 'system' });
      writePrivateFile(file, raw);
      return true;
    });
    if (!created) {
      // Each database has its own data directory, so this file belongs to this database (never another's).
      if (existsSync(file)) this.logger.log(`the admin API key this database's first start created is in ${file}`);
      return;
    }
    this.logger.warn(`no admin API key existed: created one and wrote it to ${file} (readable by this user only). Use it as X-Api-Key in /docs, then delete the file.`);
  }

  async create(
    input: { name: string; scopes: ApiKeyScope[]; accountId?: string | null; rateLimitPerMinute?: number | null },
    creator: Caller,
  ): Promise<{ key: ApiKey; raw: string }> {
    const accountId = input.accountId ?? null;
    const scopes = [...new Set(input.scopes)];
    // A key never grants more than its creator holds: not a wider reach, not a scope the creator lacks.
    authorize(creator, 'apiKeys.create', { accountId, grants: { scopes, accountId } });
    if (accountId && !(await this.accounts.existsBy({ id: accountId }))) throw new AccountNotFoundError();
    const raw = KEY_PREFIX + randomToken(32);
    const key = this.newKey(input.name, scopes, accountId, this.secrets.lookupHash(raw), input.rateLimitPerMinute ?? null);
    await this.uow.run((em) => this.insertKey(em, key, actorOf(creator)));
    return { key, raw };
  }

  list(creator: Caller): Promise<ApiKey[]> {
    return liveApiKeys(this.keys, listedAccount(creator));
  }

  async revoke(id: string, creator: Caller): Promise<void> {
    const key = await this.keys.findOneBy({ id, revokedAt: IsNull() });
    // Another account's key is answered as unknown (its existence is not the caller's business).
    if (!key || !decide(creator, 'apiKeys.revoke', { accountId: key.accountId }).allowed) throw new ApiKeyNotFoundError();
    await this.uow.run(async (em) => {
      const revoked = await em.update(ApiKey, { id, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
      if (revoked.affected !== 1) throw new ApiKeyNotFoundError();
      await this.audit.record(em, {
        type: 'api_key.revoked', accountId: key.accountId, actor: actorOf(creator), outcome: 'success', details: { api_key_id: key.id },
      });
    });
  }

  /** Inserts the key and its `api_key.created` event; with `ignoreDuplicate`, a concurrent identical key wins silently (false). */
  private async insertKey(em: EntityManager, key: ApiKey, actor: AuditActor, opts: { ignoreDuplicate?: boolean } = {}): Promise<boolean> {
    if (opts.ignoreDuplicate) {
      await em.createQueryBuilder().insert().into(ApiKey).values(key).orIgnore().execute();
      if (!(await em.existsBy(ApiKey, { id: key.id }))) return false;
    } else {
      await em.insert(ApiKey, key);
    }
    await this.audit.record(em, {
      type: 'api_key.created', accountId: key.accountId, actor, outcome: 'success',
      details: { api_key_id: key.id, name: key.name, scopes: key.scopes.join(' ') },
    });
    return true;
  }

  /** Missing, unknown and revoked keys all fail the same way (SECURITY.md F1). Records last use. */
  async authenticate(raw: string | undefined, request?: object): Promise<Caller> {
    if (!raw || raw.length > 200) throw new UnauthenticatedError();
    const key = await this.findUnrevokedForRequest(raw, request);
    if (!key) throw new UnauthenticatedError();
    await this.recordUse(key, raw);
    return { kind: 'apiKey', keyId: key.id, scopes: key.scopes, accountId: key.accountId };
  }

  /**
   * After a key proved itself: a hash found under a retired lookup key is stored again under the active
   * one (lazy rehash, so the retired key's work ends), and the last use is recorded at most once a minute
   * per key (hot keys do not write on every call).
   */
  private async recordUse(key: ApiKey, raw: string): Promise<void> {
    if (!this.secrets.isCurrentLookupHash(key.keyHash)) {
      await this.uow.run((em) => em.update(ApiKey, { id: key.id, keyHash: key.keyHash }, { keyHash: this.secrets.lookupHash(raw) }));
    }
    const now = this.clock.now();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000) {
      await this.uow.run((em) => em.update(ApiKey, { id: key.id }, { lastUsedAt: now }));
    }
  }

  /**
   * The live key named by `raw`, for the request limiter (CallerThrottlerGuard): its id and own limit,
   * or null for a missing, malformed, unknown or revoked key. Reads only; never records use.
   */
  async rateLimitedCaller(raw: string | undefined, request?: object): Promise<RateLimitedCaller | null> {
    if (!raw || raw.length > 200) return null;
    const key = await this.findUnrevokedForRequest(raw, request);
    return key ? { kind: 'api_key', keyId: key.id, limitPerMinute: key.rateLimitPerMinute ?? null } : null;
  }

  /**
   * The live key named by `raw`, looked up once per request: the request limiter and the auth guard
   * share one query (and, with the database down, one timeout and one failure). Without `request`,
   * a fresh lookup. Never cached across requests, so a revocation holds from the next request.
   */
  private findUnrevokedForRequest(raw: string, request?: object): Promise<ApiKey | null> {
    const lookup = () => this.keys.findOneBy({ keyHash: In(this.secrets.lookupHashes(raw)), revokedAt: IsNull() });
    if (!request) return lookup();
    const seen = this.lookups.get(request);
    if (seen && seen.raw === raw) return seen.key;
    const key = lookup();
    this.lookups.set(request, { raw, key });
    return key;
  }

  /**
   * OAuth client authentication (POST /oauth/token, RFC 6749 §2.3.1): the live key whose id is `id` and
   * whose secret is `raw`, or null for an unknown id, a wrong secret or a revoked key alike. Records last use.
   */
  async authenticateClient(id: string, raw: string): Promise<ApiKey | null> {
    if (!ID_SHAPE.test(id) || !raw || raw.length > 200) return null;
    // Hashed under every lookup key (the stored hash may predate a rotation), whether or not the id names a
    // key, so an unknown id takes as long as a wrong secret; each comparison is constant-time and all are made.
    const candidates = this.secrets.lookupHashes(raw);
    const key = await this.keys.findOneBy({ id: id.toLowerCase(), revokedAt: IsNull() });
    const matches = candidates.map((hash) => constantTimeEqual(key?.keyHash ?? '', hash));
    if (!key || !matches.includes(true)) return null;
    await this.recordUse(key, raw);
    return key;
  }

  /**
   * The live (not revoked) key with this id, looked up once per request like findUnrevokedForRequest (client tokens:
   * the request limiter and the auth guard share one query). Never cached across requests, so revoking
   * a key ends its client tokens from the next request.
   */
  findUnrevokedByIdForRequest(id: string, request?: object): Promise<ApiKey | null> {
    if (!ID_SHAPE.test(id)) return Promise.resolve(null);
    const lookup = () => this.keys.findOneBy({ id: id.toLowerCase(), revokedAt: IsNull() });
    if (!request) return lookup();
    const seen = this.lookupsById.get(request);
    if (seen && seen.id === id) return seen.key;
    const key = lookup();
    this.lookupsById.set(request, { id, key });
    return key;
  }

  private newKey(name: string, scopes: ApiKeyScope[], accountId: string | null, keyHash: string, rateLimitPerMinute: number | null = null): ApiKey {
    return Object.assign(new ApiKey(), {
      id: randomUUID(), name, keyHash, scopes, accountId, createdAt: this.clock.now(), lastUsedAt: null, revokedAt: null, rateLimitPerMinute,
    });
  }
}

/** The live (unrevoked) keys, oldest first; only one account's when `accountId` is given (also `npm run cli -- api-key list`). */
export function liveApiKeys(keys: Repository<ApiKey>, accountId?: string | null): Promise<ApiKey[]> {
  return keys.find({ where: accountId ? { revokedAt: IsNull(), accountId } : { revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
}
