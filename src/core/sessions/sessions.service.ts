import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, In } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';
import { Clock } from '../../ground/common/clock';
import { randomToken, SecretKeys } from '../../ground/common/secrets';
import { JWT_TYPES, TokenSigner } from '../keys/token-signer';
import { User } from '../entities/user.entity';
import { ACCESS_AUDIENCE, ACCESS_SCOPE, AccessTokenClaims, CLIENT_ID } from '../keys/jwt-claims';
import { RefreshToken } from '../entities/refresh-token.entity';
import { insertRows, runSql, tableOf } from '../../ground/database/sql';

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
  clientId: string;
  scope: string;
}

/**
 * Issues sessions: a short-lived access JWT and a random refresh token stored hashed. Issue inside
 * the transaction that authenticated the user, so a failed change returns no tokens (SECURITY.md D3).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly signer: TokenSigner,
    private readonly secrets: SecretKeys,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async issue(em: EntityManager, user: Pick<User, 'id' | 'credentialsChangedAt'>, familyId: string = randomUUID()): Promise<SessionTokens> {
    const now = this.clock.now();
    const refreshToken = randomToken(32);
    await insertRows(em, RefreshToken, [{
      id: randomUUID(), userId: user.id, familyId, tokenHash: this.secrets.lookupHash(`refresh:${refreshToken}`),
      expiresAt: new Date(now.getTime() + this.config.refreshTokenTtlMs), rotatedAt: null, revokedAt: null, createdAt: now,
    }]);
    return {
      accessToken: await this.signAccessToken(user),
      refreshToken,
      expiresIn: this.config.accessTokenTtlSeconds,
      tokenType: 'Bearer',
      clientId: CLIENT_ID,
      scope: ACCESS_SCOPE,
    };
  }

  /** An access token (RFC 9068 claims, `pwv`), signed with the active signing key. */
  signAccessToken(user: Pick<User, 'id' | 'credentialsChangedAt'>): Promise<string> {
    const claims: AccessTokenClaims = { sub: user.id, pwv: user.credentialsChangedAt?.getTime() ?? 0, jti: randomUUID() };
    // RFC 9068: a JWT access token has `typ: at+jwt` and names its client (the service's own, as in the response's client_id).
    return this.signer.sign(
      { pwv: claims.pwv, client_id: CLIENT_ID, scope: ACCESS_SCOPE },
      { audience: ACCESS_AUDIENCE, expiresInSeconds: this.config.accessTokenTtlSeconds, subject: claims.sub, jwtId: claims.jti, type: JWT_TYPES.access },
    );
  }

  /**
   * Rotates a refresh token inside the caller's transaction: the presented token is marked rotated by
   * one conditional UPDATE and a new pair is issued in the same family. Presenting a token that was
   * already rotated (or losing a race to rotate it) is reuse: the whole family is revoked. The caller
   * commits that revocation and then answers 401 (the outcome says which).
   */
  async rotate(em: EntityManager, raw: string): Promise<RotationOutcome> {
    const now = this.clock.now();
    const row = raw && raw.length <= 512 ? await em.findOneBy(RefreshToken, { tokenHash: In(this.secrets.lookupHashes(`refresh:${raw}`)) }) : null;
    if (!row || row.revokedAt || row.expiresAt <= now) return { kind: 'invalid' };
    if (row.rotatedAt) {
      const revoked = await this.revokeFamily(em, row.familyId);
      return { kind: 'reused', userId: row.userId, familyId: row.familyId, revoked };
    }
    const rotated = await em
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ rotatedAt: now })
      .where('id = :id AND rotated_at IS NULL AND revoked_at IS NULL', { id: row.id })
      .execute();
    if (rotated.affected !== 1) {
      const revoked = await this.revokeFamily(em, row.familyId);
      return { kind: 'reused', userId: row.userId, familyId: row.familyId, revoked };
    }
    const user = await em.findOneBy(User, { id: row.userId });
    if (!user || !user.isActive) {
      await this.revokeFamily(em, row.familyId);
      return { kind: 'invalid' };
    }
    return { kind: 'rotated', tokens: await this.issue(em, user, row.familyId) };
  }

  /** Revokes every token of one refresh-token family (reuse detected); returns how many sessions that ended (0 or 1, revoke()). */
  revokeFamily(em: EntityManager, familyId: string): Promise<number> {
    return this.revoke(em, '"family_id" = :familyId', { familyId });
  }

  /** Revokes every refresh token of the user (logout, password change); returns how many sessions that ended (revoke()). */
  revokeAll(em: EntityManager, userId: string): Promise<number> {
    return this.revoke(em, '"user_id" = :userId', { userId });
  }

  /**
   * Marks revoked the tokens `where` names that are not yet, and counts the sessions that ended: a session
   * is a family, alive in its one token neither rotated (a rotated token lives on in its successor) nor
   * expired. Counting the revoked rows instead counted each earlier refresh as one more session.
   */
  private async revoke(em: EntityManager, where: string, params: Record<string, string>): Promise<number> {
    const now = this.clock.nowMs();
    const { rows } = await runSql<{ rotated_at: unknown; expires_at: unknown }>(
      em,
      `UPDATE ${tableOf(em, RefreshToken)} SET "revoked_at" = :now WHERE ${where} AND "revoked_at" IS NULL RETURNING "rotated_at", "expires_at"`,
      { ...params, now },
    );
    return rows.filter((row) => row.rotated_at == null && Number(row.expires_at) > now).length;
  }

}

/** `reused`: the family (its id) was revoked, `revoked` live tokens in all. */
export type RotationOutcome =
  | { kind: 'rotated'; tokens: SessionTokens }
  | { kind: 'reused'; userId: string; familyId: string; revoked: number }
  | { kind: 'invalid' };

/** The `{"token":{...}}` body of login, refresh and D4. */
export function tokenBody(s: SessionTokens) {
  return {
    token: {
      access_token: s.accessToken,
      expires_in: s.expiresIn,
      token_type: s.tokenType,
      refresh_token: s.refreshToken,
      client_id: s.clientId,
      scope: s.scope,
    },
  };
}
