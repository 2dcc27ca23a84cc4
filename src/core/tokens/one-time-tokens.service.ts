import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, IsNull, MoreThan, Repository } from 'typeorm';
import { Clock } from '../../ground/common/clock';
import { InvalidTokenError } from '../../ground/common/errors/domain-errors';
import { randomCode, randomToken, SecretKeys } from '../../ground/common/secrets';
import { OneTimeTokenNetwork } from './one-time-token-network.entity';
import { OneTimeToken, OneTimeTokenPurpose } from './one-time-token.entity';
import { columnsOf, hydrate, runSql, tableOf, updateRows } from '../../ground/database/sql';

/** A token consume() used up: which one, and whose. */
export interface ConsumedToken {
  id: string;
  userId: string;
}

/** Purposes whose live secrets die when the user's password changes (SECURITY.md D6, B10). */
export const CREDENTIAL_SECRETS: OneTimeTokenPurpose[] = ['invitation', 'verification_jwt', 'recovery', 'reset_code', 'password_change'];

export interface IssueOptions {
  purpose: OneTimeTokenPurpose;
  userId: string;
  ttlMs: number;
  /** Default: a 256-bit random token. Codes pass their own generator (length + alphabet). */
  secret?: { length: number; alphabet: string };
  /** Store a known secret (e.g. a JWT's jti) instead of generating one. */
  value?: string;
  /** Keyed hash of the requesting client's network (clientNetworkRef), kept with the secret. */
  issuedToNetwork?: string | null;
  /** Keyed hash of a client network that vouches for the secret (one_time_token_networks), in the same transaction. */
  vouchedBy?: string;
}

/**
 * One-time secrets: generated from the CSPRNG, stored only as a keyed hash, looked up by that hash
 * (one indexed query, never a bcrypt compare), single use, expiring, one live secret per user and
 * purpose (a new one voids the old: SECURITY.md B8). Consumption is one conditional UPDATE, so of
 * any number of concurrent attempts exactly one wins (SECURITY.md H1).
 */
@Injectable()
export class OneTimeTokensService {
  constructor(
    @InjectRepository(OneTimeToken) private readonly tokens: Repository<OneTimeToken>,
    private readonly secrets: SecretKeys,
    private readonly clock: Clock,
  ) {}

  /** Issues a new secret in the caller's transaction, voiding the user's older live ones of the same purpose. Returns the raw secret. */
  async issue(em: EntityManager, o: IssueOptions): Promise<string> {
    const now = this.clock.now();
    await this.voidLive(em, o.userId, [o.purpose]);
    // Short codes can collide across users; the unique index on secret_hash makes a code name one user only.
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = o.value ?? (o.secret ? randomCode(o.secret.length, o.secret.alphabet) : randomToken(32));
      const secretHash = this.secrets.lookupHash(`${o.purpose}:${raw}`);
      // Under any lookup key: a code still stored under a retired key names its user too.
      const clash = await em.findOneBy(OneTimeToken, { secretHash: In(this.secrets.lookupHashes(`${o.purpose}:${raw}`)) });
      if (clash) {
        if (o.value !== undefined) throw new Error('one-time secret value already issued');
        if (clash.usedAt || clash.expiresAt <= now) {
          await em.delete(OneTimeToken, { id: clash.id });
        } else {
          continue;
        }
      }
      const id = randomUUID();
      await em.insert(OneTimeToken, {
        id, userId: o.userId, purpose: o.purpose, secretHash, expiresAt: new Date(now.getTime() + o.ttlMs), usedAt: null, attempts: 0, createdAt: now, issuedToNetwork: o.issuedToNetwork ?? null,
      });
      if (o.vouchedBy) await this.vouch(em, id, o.vouchedBy);
      return raw;
    }
    throw new Error('could not issue a unique one-time code; the code space is too small for the live codes');
  }

  /** Whether this raw secret names a token of this purpose at all, live, used or expired (not a guess at an unknown one). Reads only. */
  async isIssued(raw: string, purpose: OneTimeTokenPurpose): Promise<boolean> {
    if (!raw || raw.length > 512) return false;
    return this.tokens.existsBy({ secretHash: In(this.secrets.lookupHashes(`${purpose}:${raw}`)), purpose });
  }

  /** The live token for this raw secret and purpose, or null (unknown, used, expired). Reads only. */
  async findUnusedBySecret(raw: string, purpose: OneTimeTokenPurpose, em?: EntityManager): Promise<OneTimeToken | null> {
    if (!raw || raw.length > 512) return null;
    // Written as SQL: every D1, D2 and D5 request (and every unknown token refused) starts here (issue 22).
    const manager = em ?? this.tokens.manager;
    const { rows } = await runSql(
      manager,
      `SELECT ${columnsOf(manager, OneTimeToken)} FROM ${tableOf(manager, OneTimeToken)}
       WHERE "secret_hash" IN (:...hashes) AND "purpose" = :purpose AND "used_at" IS NULL AND "expires_at" > :now LIMIT 1`,
      { hashes: this.secrets.lookupHashes(`${purpose}:${raw}`), purpose, now: this.clock.nowMs() },
    );
    return rows.length ? hydrate(manager, OneTimeToken, rows[0]) : null;
  }

  /**
   * Consumes the secret inside the caller's transaction: one conditional UPDATE … RETURNING; exactly one
   * caller wins (a concurrent one finds it used once the winner commits). Returns the consumed token's id
   * and user. Throws InvalidTokenError when unknown, expired, used or of another purpose.
   */
  async consume(em: EntityManager, raw: string, purpose: OneTimeTokenPurpose): Promise<ConsumedToken> {
    if (!raw || raw.length > 512) throw new InvalidTokenError();
    const { rows } = await runSql<{ id: string; user_id: string }>(
      em,
      `UPDATE ${tableOf(em, OneTimeToken)} SET "used_at" = :now
       WHERE "secret_hash" IN (:...hashes) AND "purpose" = :purpose AND "used_at" IS NULL AND "expires_at" > :now
       RETURNING "id", "user_id"`,
      { now: this.clock.nowMs(), hashes: this.secrets.lookupHashes(`${purpose}:${raw}`), purpose },
    );
    // One secret names one token (the unique index on secret_hash, a hash per lookup key).
    if (rows.length !== 1) throw new InvalidTokenError();
    return { id: rows[0].id, userId: rows[0].user_id };
  }

  /** Counts a failed attempt against a live token; at `max` failures the token is burned (SECURITY.md B6). */
  async recordFailure(em: EntityManager, tokenId: string, max: number): Promise<void> {
    await em.createQueryBuilder().update(OneTimeToken).set({ attempts: () => 'attempts + 1' }).where('id = :id', { id: tokenId }).execute();
    await em
      .createQueryBuilder()
      .update(OneTimeToken)
      .set({ usedAt: this.clock.now() })
      .where('id = :id AND attempts >= :max AND used_at IS NULL', { id: tokenId, max })
      .execute();
  }

  /**
   * Records that a client network (clientNetworkRef) vouches for a token, in the caller's transaction.
   * Vouching again makes it that network's newest (added_at moves to now).
   */
  async vouch(em: EntityManager, tokenId: string, network: string): Promise<void> {
    await em.upsert(OneTimeTokenNetwork, { tokenId, network, addedAt: this.clock.now() }, ['tokenId', 'network']);
  }

  /** The network vouches for every live secret of `purpose` the user has (at most one: a new one voids the older). Returns how many. */
  async vouchForLive(em: EntityManager, userId: string, purpose: OneTimeTokenPurpose, network: string): Promise<number> {
    const live = await em.find(OneTimeToken, { where: { userId, purpose, usedAt: IsNull(), expiresAt: MoreThan(this.clock.now()) }, select: { id: true } });
    for (const token of live) await this.vouch(em, token.id, network);
    return live.length;
  }

  /**
   * Whether `tokenId` is the newest live secret of `purpose` this network vouched for (so the network
   * vouched for it). One query on (network, added_at) joined to the token by its primary key. Reads only.
   * `networks`: the network's refs under every lookup key (clientNetworkRefs).
   */
  async isNewestVouchedBy(networks: string[], purpose: OneTimeTokenPurpose, tokenId: string): Promise<boolean> {
    const newest = await this.tokens.manager
      .createQueryBuilder(OneTimeTokenNetwork, 'n')
      .innerJoin(OneTimeToken, 't', 't.id = n.token_id')
      .select('n.token_id', 'tokenId')
      .where('n.network IN (:...networks) AND t.purpose = :purpose AND t.used_at IS NULL AND t.expires_at > :now', { networks, purpose, now: this.clock.nowMs() })
      .orderBy('n.added_at', 'DESC')
      .addOrderBy('t.created_at', 'DESC')
      .addOrderBy('n.token_id', 'DESC')
      .limit(1)
      .getRawOne<{ tokenId: string }>();
    return newest?.tokenId === tokenId;
  }

  /** Voids every live secret of these purposes for the user (marks them used). */
  async voidLive(em: EntityManager, userId: string, purposes: OneTimeTokenPurpose[], exceptId?: string): Promise<void> {
    await updateRows(em, OneTimeToken, { usedAt: this.clock.now() },
      `"user_id" = :userId AND "purpose" IN (:...purposes) AND "used_at" IS NULL${exceptId ? ' AND "id" <> :exceptId' : ''}`, { userId, purposes, exceptId });
  }
}
