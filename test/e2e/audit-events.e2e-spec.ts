import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { AuditRetentionService } from '../../src/features/audit/audit-retention.service';
import { AuditTrail } from '../../src/ground/common/audit-trail';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, createApiKey, createUser, failInsertsInto, GOOD_PASSWORD, hasPassword, latestInvitationToken, latestMail, loginAs,
  randomClientIp, signUpAndVerify, sql, uniqueEmail,
} from './support/factories';
import { ADMIN_KEY, TestApp, withAppAndSmtp } from './support/test-app';

/**
 * Stored audit events (CONTRACT.md "Audit events", docs/audit.md): each security event is written in
 * the transaction of the change it records, holds no secret, and is read back with GET /audit-events.
 */

interface AuditEventBody {
  id: string;
  type: string;
  at: string;
  user_id: string | null;
  account_id: string | null;
  actor: { kind: string; id: string | null };
  client_ip: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

const NEW_PASSWORD = 'Fresh-Lantern-77';
const FORBIDDEN = { statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN', message: 'The credentials do not allow this operation.' };

describeEachDatabase('audit events', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  let adminKeyId: string;
  /** Every password, token, code, key and email used in this suite: none may appear in any stored event. */
  const secrets = new Set<string>([ADMIN_KEY, GOOD_PASSWORD, NEW_PASSWORD]);

  // TRUST_PROXY lets each test choose its client address with X-Forwarded-For.
  withAppAndSmtp(kind, async (app, server) => {
    [t, smtp] = [app, server];
    const keys = await t.http.get('/api-keys').set(admin).expect(200);
    adminKeyId = keys.body.data.find((k: { name: string }) => k.name.includes('ADMIN_API_KEY')).id;
  }, { env: { TRUST_PROXY: 'true' } });

  const list = (query: Record<string, string | number> = {}, key = ADMIN_KEY) => t.http.get('/audit-events').set('X-Api-Key', key).query(query);
  async function events(query: Record<string, string | number>): Promise<AuditEventBody[]> {
    const res = await list({ limit: 200, ...query }).expect(200);
    return res.body.data;
  }
  async function only(query: Record<string, string | number>): Promise<AuditEventBody> {
    const found = await events(query);
    expect(found).toHaveLength(1);
    return found[0];
  }

  /** Makes api_key.created events in a new account at the given instants (the clock held at each). */
  async function keysAt(instants: Date[]): Promise<string> {
    const { accountId } = await createAccount(t);
    for (const at of instants) {
      const now = jest.spyOn(t.clock, 'now').mockReturnValue(at);
      try {
        await createApiKey(t, ['users:write'], accountId);
      } finally {
        now.mockRestore();
      }
    }
    return accountId;
  }

  /** An invited user of a new account (no password yet), with the invitation token. */
  async function invited(): Promise<{ accountId: string; userId: string; email: string; token: string }> {
    const account = await createAccount(t);
    const token = await latestInvitationToken(t, smtp, account.ownerEmail);
    secrets.add(token).add(account.ownerEmail);
    return { accountId: account.accountId, userId: account.ownerId, email: account.ownerEmail, token };
  }

  /** An invited user who set GOOD_PASSWORD through D1. */
  async function member(): Promise<{ accountId: string; userId: string; email: string }> {
    const u = await invited();
    await t.http.post('/accounts/set-password').send({ token: u.token, password: GOOD_PASSWORD }).expect(200);
    return u;
  }

  describe('password.set records how each password was set', () => {
    it('I2 D1: dialect D1, flow invitation, mode initial, by the user, from the client address, in the user\'s account', async () => {
      const u = await invited();
      const ip = randomClientIp();
      await t.http.post('/accounts/set-password').set('X-Forwarded-For', ip).send({ token: u.token, password: GOOD_PASSWORD }).expect(200);
      const e = await only({ user_id: u.userId, type: 'password.set' });
      expect(e).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'password.set', at: expect.any(String), user_id: u.userId, account_id: u.accountId,
        actor: { kind: 'user', id: u.userId }, client_ip: ip, outcome: 'success',
        details: { dialect: 'D1', flow: 'invitation', mode: 'initial', replaced: false, sessions_revoked: 0 },
      });
      expect(Math.abs(Date.parse(e.at) - t.clock.nowMs())).toBeLessThan(60_000);
      expect(e.at).toMatch(/Z$/);
    });

    it('I2 D2: dialect D2, flow verification', async () => {
      const { accountId } = await createAccount(t, { selfSignUp: true });
      const { email, verificationJwt } = await signUpAndVerify(t, smtp, { account_id: accountId });
      secrets.add(verificationJwt).add(email);
      const ip = randomClientIp();
      const res = await t.http.post('/auth/setpassword').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${verificationJwt}`).send({ password: GOOD_PASSWORD }).expect(200);
      secrets.add(res.body.data.token).add(res.body.data.refreshToken);
      const userId = res.body.data.user.id;
      const e = await only({ user_id: userId, type: 'password.set' });
      expect(e).toMatchObject({ account_id: accountId, actor: { kind: 'user', id: userId }, client_ip: ip, details: { dialect: 'D2', flow: 'verification', mode: 'initial' } });
    });

    it('I2 F6 D3: flow integrator with the API key id (never the key) as actor and in details; DELETE records password.removed', async () => {
      const { accountId } = await createAccount(t);
      const { userId, email } = await createUser(t, accountId);
      const integrator = await createApiKey(t, ['passwords:write'], accountId);
      secrets.add(integrator.key).add(email);
      const ip = randomClientIp();
      const created = await t.http.post(`/v1/password/${userId}`).set('X-Forwarded-For', ip).set('X-Api-Key', integrator.key).send({ password: { value: GOOD_PASSWORD } }).expect(200);
      secrets.add(created.body.token);
      const set = await only({ user_id: userId, type: 'password.set' });
      expect(set).toMatchObject({
        account_id: accountId, actor: { kind: 'api_key', id: integrator.id }, client_ip: ip, outcome: 'success',
        details: { dialect: 'D3', flow: 'integrator', mode: 'initial', api_key_id: integrator.id },
      });

      await t.http.delete(`/v1/password/${userId}`).set('X-Forwarded-For', ip).set('X-Api-Key', integrator.key).expect(204);
      const removed = await only({ user_id: userId, type: 'password.removed' });
      expect(removed).toMatchObject({ account_id: accountId, actor: { kind: 'api_key', id: integrator.id }, client_ip: ip, details: { dialect: 'D3', api_key_id: integrator.id } });
      // Removing again changes nothing and records nothing (idempotent DELETE).
      await t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', integrator.key).expect(204);
      expect(await events({ user_id: userId, type: 'password.removed' })).toHaveLength(1);
    });

    it('I2 D4: recovery.requested when the request is resolved, then password.set with flow recovery, mode replace; the ended sessions as session.revoked', async () => {
      const u = await member();
      const session = await loginAs(t, u.email);
      secrets.add(session.access_token).add(session.refresh_token);
      const ip = randomClientIp();
      const since = smtp.messages.length;
      await t.http.post('/api/v2/account/recover/').set('X-Forwarded-For', ip).send({ email: u.email }).expect(200);
      const code = extractCode(await latestMail(t, smtp, u.email, (m) => m.subject === 'Recover your account', since));
      secrets.add(code);
      const requested = await only({ user_id: u.userId, type: 'recovery.requested' });
      expect(requested).toMatchObject({ account_id: u.accountId, actor: { kind: 'anonymous', id: null }, client_ip: ip, outcome: 'sent', details: { dialect: 'D4' } });

      const res = await t.http.post('/api/v2/account/reset/').set('X-Forwarded-For', ip).send({ validation_code: code, password: NEW_PASSWORD }).expect(200);
      secrets.add(res.body.token.access_token).add(res.body.token.refresh_token);
      const set = (await events({ user_id: u.userId, type: 'password.set' }))[0];
      expect(set).toMatchObject({ actor: { kind: 'user', id: u.userId }, client_ip: ip, details: { dialect: 'D4', flow: 'recovery', mode: 'replace', replaced: true, sessions_revoked: 1 } });
      const revoked = await only({ user_id: u.userId, type: 'session.revoked' });
      expect(revoked).toMatchObject({ account_id: u.accountId, client_ip: ip, details: { reason: 'password_set', sessions: 1 } });
    });

    it('I2 D5: recovery.requested, then password.set with dialect D5, flow recovery', async () => {
      const u = await member();
      const ip = randomClientIp();
      const since = smtp.messages.length;
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', ip).send({ email: u.email }).expect(200);
      const code = extractCode(await latestMail(t, smtp, u.email, (m) => m.subject === 'Your password reset code', since));
      secrets.add(code);
      expect(await only({ user_id: u.userId, type: 'recovery.requested' })).toMatchObject({ client_ip: ip, outcome: 'sent', details: { dialect: 'D5' } });
      await t.http.post('/v1/auth/password-reset/reset').set('X-Forwarded-For', ip).send({ code, new_password: NEW_PASSWORD }).expect(200);
      const set = (await events({ user_id: u.userId, type: 'password.set' }))[0];
      expect(set).toMatchObject({ actor: { kind: 'user', id: u.userId }, client_ip: ip, details: { dialect: 'D5', flow: 'recovery', mode: 'replace', replaced: true } });
    });

    it('C1 a recovery request for an unknown address is recorded without the address and without a user', async () => {
      const ghost = uniqueEmail('ghost');
      secrets.add(ghost);
      const ip = randomClientIp();
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', ip).send({ email: ghost }).expect(200);
      await t.flushMail();
      const mine = (await events({ type: 'recovery.requested' })).filter((e) => e.client_ip === ip);
      expect(mine).toEqual([expect.objectContaining({ user_id: null, account_id: null, outcome: 'no_such_user', details: { dialect: 'D5' } })]);
    });
  });

  describe('session.revoked', () => {
    it('on logout: by the user, with how many refresh tokens ended', async () => {
      const u = await member();
      const s1 = await loginAs(t, u.email);
      const s2 = await loginAs(t, u.email);
      secrets.add(s1.access_token).add(s1.refresh_token).add(s2.access_token).add(s2.refresh_token);
      const ip = randomClientIp();
      await t.http.post('/auth/logout').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${s1.access_token}`).expect(204);
      expect(await only({ user_id: u.userId, type: 'session.revoked' })).toMatchObject({
        account_id: u.accountId, actor: { kind: 'user', id: u.userId }, client_ip: ip, outcome: 'success', details: { reason: 'logout', sessions: 2 },
      });
    });

    it('counts sessions, not the refresh tokens each rotation left behind (found by the fresh-eyes check: a logout after two refreshes said 4)', async () => {
      const u = await member();
      const s1 = await loginAs(t, u.email);
      const s2 = await loginAs(t, u.email);
      let refresh = s1.refresh_token;
      secrets.add(s1.access_token).add(s1.refresh_token).add(s2.access_token).add(s2.refresh_token);
      for (let i = 0; i < 2; i++) {
        const rotated = await t.http.post('/auth/refresh').send({ refresh_token: refresh }).expect(200);
        refresh = rotated.body.token.refresh_token;
        secrets.add(rotated.body.token.access_token).add(refresh);
      }
      await t.http.post('/auth/logout').set('Authorization', `Bearer ${s2.access_token}`).expect(204);
      expect(await only({ user_id: u.userId, type: 'session.revoked' })).toMatchObject({ details: { reason: 'logout', sessions: 2 } });
      await t.http.post('/auth/refresh').send({ refresh_token: refresh }).expect(401);
    });

    it('D3 when a rotated refresh token is presented again, its family is revoked and recorded (anonymous presenter)', async () => {
      const u = await member();
      const s = await loginAs(t, u.email);
      const rotated = await t.http.post('/auth/refresh').send({ refresh_token: s.refresh_token }).expect(200);
      secrets.add(s.access_token).add(s.refresh_token).add(rotated.body.token.access_token).add(rotated.body.token.refresh_token);
      const ip = randomClientIp();
      await t.http.post('/auth/refresh').set('X-Forwarded-For', ip).send({ refresh_token: s.refresh_token }).expect(401);
      expect(await only({ user_id: u.userId, type: 'session.revoked' })).toMatchObject({
        account_id: u.accountId, actor: { kind: 'anonymous', id: null }, client_ip: ip, details: { reason: 'refresh_token_reuse', family_id: expect.any(String), sessions: 1 },
      });
    });
  });

  describe('api_key.created and api_key.revoked', () => {
    it('name the key by id, the creating key as actor, the key\'s account; never the key', async () => {
      const { accountId } = await createAccount(t);
      const ip = randomClientIp();
      const created = await t.http.post('/api-keys').set(admin).set('X-Forwarded-For', ip).send({ name: 'billing', scopes: ['users:write', 'passwords:write'], account_id: accountId }).expect(201);
      secrets.add(created.body.key);
      await t.http.delete(`/api-keys/${created.body.id}`).set(admin).set('X-Forwarded-For', ip).expect(204);
      const inAccount = await events({ account_id: accountId });
      expect(inAccount.map((e) => e.type).sort()).toEqual(['api_key.created', 'api_key.revoked']);
      const made = inAccount.find((e) => e.type === 'api_key.created');
      const revoked = inAccount.find((e) => e.type === 'api_key.revoked');
      expect(made).toMatchObject({
        type: 'api_key.created', user_id: null, account_id: accountId, actor: { kind: 'api_key', id: adminKeyId }, client_ip: ip,
        details: { api_key_id: created.body.id, name: 'billing', scopes: 'users:write passwords:write' },
      });
      expect(revoked).toMatchObject({ type: 'api_key.revoked', account_id: accountId, actor: { kind: 'api_key', id: adminKeyId }, client_ip: ip, details: { api_key_id: created.body.id } });
    });

    it('the bootstrap admin key was recorded as created by the system', async () => {
      const boot = (await events({ type: 'api_key.created' })).find((e) => e.details.api_key_id === adminKeyId);
      expect(boot).toMatchObject({ actor: { kind: 'system', id: null }, account_id: null, client_ip: null });
    });
  });

  describe('only changes that commit are recorded', () => {
    it('A15 a refused password records nothing', async () => {
      const u = await invited();
      await t.http.post('/accounts/set-password').send({ token: u.token, password: 'short' }).expect(400);
      expect(await events({ user_id: u.userId })).toEqual([]);
    });

    it('H2 a change whose transaction fails leaves no event', async () => {
      const u = await invited();
      const restore = await failInsertsInto(t, 'mail_outbox');
      try {
        const res = await t.http.post('/accounts/set-password').send({ token: u.token, password: GOOD_PASSWORD });
        expect(res.status).toBeGreaterThanOrEqual(500);
      } finally {
        await restore();
      }
      expect(await hasPassword(t, u.userId, GOOD_PASSWORD)).toBe(false);
      expect(await events({ user_id: u.userId })).toEqual([]);
    });

    it('H2 an event that cannot be stored takes its change with it: the password is not set', async () => {
      const u = await invited();
      const restore = await failInsertsInto(t, 'audit_events');
      try {
        const res = await t.http.post('/accounts/set-password').send({ token: u.token, password: GOOD_PASSWORD });
        expect(res.status).toBeGreaterThanOrEqual(500);
      } finally {
        await restore();
      }
      expect(await hasPassword(t, u.userId, GOOD_PASSWORD)).toBe(false);
      // The token was not used up either: the same request now succeeds, and is recorded once.
      await t.http.post('/accounts/set-password').send({ token: u.token, password: GOOD_PASSWORD }).expect(200);
      expect(await events({ user_id: u.userId })).toHaveLength(1);
    });

    it('record(null, …) writes on its own, takes the account from the user and no client address outside a request', async () => {
      const u = await member();
      await t.app.get(AuditTrail).record(null, { type: 'login.failed', userId: u.userId, actor: { kind: 'anonymous' }, outcome: 'INVALID_CREDENTIALS', details: { dialect: 'service' } });
      expect(await only({ user_id: u.userId, type: 'login.failed' })).toMatchObject({ account_id: u.accountId, client_ip: null, outcome: 'INVALID_CREDENTIALS' });
    });

    it('I1 a detail named like a secret is dropped, never stored', async () => {
      const u = await member();
      await t.app.get(AuditTrail).record(null, {
        type: 'login.failed', userId: u.userId, actor: { kind: 'anonymous' }, outcome: 'INVALID_CREDENTIALS',
        details: { password: 'Leaked-Secret-1', reset_code: '123456', api_key: 'pls_x', email: u.email, reason: 'kept' },
      });
      expect((await only({ user_id: u.userId, type: 'login.failed' })).details).toEqual({ reason: 'kept' });
    });
  });

  describe('GET /audit-events', () => {
    it('pages newest first with an opaque cursor: no duplicate, no gap, also among events of the same millisecond', async () => {
      const at = new Date(t.clock.nowMs());
      const accountId = await keysAt([...Array(7)].map(() => at).concat([new Date(at.getTime() + 1), new Date(at.getTime() - 1)]));
      const all = await events({ account_id: accountId });
      expect(all).toHaveLength(9);
      const sorted = [...all].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1));
      expect(all.map((e) => e.at)).toEqual(sorted.map((e) => e.at));

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: Record<string, string | number> = { account_id: accountId, limit: 2 };
        if (cursor) query.cursor = cursor;
        const body: { data: AuditEventBody[]; next: string | null } = (await list(query).expect(200)).body;
        expect(Object.keys(body).sort()).toEqual(['data', 'next']);
        expect(body.data.length).toBeLessThanOrEqual(2);
        seen.push(...body.data.map((e) => e.id));
        cursor = body.next;
        pages += 1;
        // An event written between pages is newer than the cursor: it neither shifts nor repeats the later pages.
        if (pages === 1) await t.app.get(AuditTrail).record(null, { type: 'rate_limit.hit', accountId, actor: { kind: 'anonymous' }, outcome: 'limited' });
      } while (cursor);
      expect(pages).toBe(5);
      expect(seen).toEqual(all.map((e) => e.id));
      expect(new Set(seen).size).toBe(9);
    });

    it('defaults to 50 events per page', async () => {
      const accountId = randomUUID();
      const trail = t.app.get(AuditTrail);
      for (let i = 0; i < 51; i++) await trail.record(null, { type: 'rate_limit.hit', accountId, actor: { kind: 'anonymous' }, outcome: 'limited', details: { i } });
      const first = (await list({ account_id: accountId }).expect(200)).body;
      expect(first.data).toHaveLength(50);
      const second = (await list({ account_id: accountId, cursor: first.next }).expect(200)).body;
      expect(second).toEqual({ data: [expect.objectContaining({ type: 'rate_limit.hit' })], next: null });
    });

    it('answers {"data":[],"next":null} when nothing matches', async () => {
      const res = await list({ type: 'api_key.revoked', account_id: (await createAccount(t)).accountId }).expect(200);
      expect(res.body).toEqual({ data: [], next: null });
    });

    it('since is inclusive, until exclusive (ISO 8601, any offset)', async () => {
      const base = Date.UTC(2031, 0, 1, 12, 0, 0);
      const accountId = await keysAt([new Date(base), new Date(base + 60_000), new Date(base + 120_000)]);
      const times = async (q: Record<string, string>) => (await events({ account_id: accountId, ...q })).map((e) => e.at);
      expect(await times({ since: '2031-01-01T12:01:00Z' })).toEqual(['2031-01-01T12:02:00.000Z', '2031-01-01T12:01:00.000Z']);
      expect(await times({ until: '2031-01-01T12:01:00Z' })).toEqual(['2031-01-01T12:00:00.000Z']);
      expect(await times({ since: '2031-01-01T13:00:00+01:00', until: '2031-01-01T12:02:00.000Z' })).toEqual(['2031-01-01T12:01:00.000Z', '2031-01-01T12:00:00.000Z']);
      expect(await times({ since: '2031-01-02' })).toEqual([]);
    });

    it('filters by type, user and account together', async () => {
      const u = await member();
      await t.http.post('/auth/logout').set('Authorization', `Bearer ${(await loginAs(t, u.email)).access_token}`).expect(204);
      expect((await events({ account_id: u.accountId, user_id: u.userId })).map((e) => e.type).sort()).toEqual(['password.set', 'session.revoked']);
      expect((await events({ account_id: u.accountId, type: 'password.set' })).map((e) => e.user_id)).toEqual([u.userId]);
      const other = await createAccount(t);
      expect(await events({ account_id: other.accountId, user_id: u.userId })).toEqual([]);
    });

    it('F2 an account-bound admin key sees its own account only, and may not name another', async () => {
      const mine = await member();
      const theirs = await member();
      const bound = await createApiKey(t, ['admin'], mine.accountId);
      secrets.add(bound.key);
      const res = await list({ limit: 200 }, bound.key).expect(200);
      expect(res.body.data.length).toBeGreaterThan(0);
      expect(res.body.data.every((e: AuditEventBody) => e.account_id === mine.accountId)).toBe(true);
      expect((await list({ user_id: theirs.userId }, bound.key).expect(200)).body.data).toEqual([]);
      await list({ account_id: theirs.accountId }, bound.key).expect(403, FORBIDDEN);
      expect((await list({ account_id: mine.accountId, type: 'password.set' }, bound.key).expect(200)).body.data).toHaveLength(1);
    });

    it('F1 no key is 401; a key without scope admin is 403', async () => {
      const res = await t.http.get('/audit-events').expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      const writer = await createApiKey(t, ['users:write', 'passwords:write', 'accounts:write']);
      secrets.add(writer.key);
      await list({}, writer.key).expect(403, FORBIDDEN);
    });

    it.each([
      [{ limit: 0 }], [{ limit: 201 }], [{ limit: 'ten' }], [{ limit: '1.5' }], [{ cursor: 'not-a-cursor' }],
      [{ cursor: Buffer.from('123:abc').toString('base64url') }], [{ since: 'yesterday' }], [{ until: '2026-13-45T99:00:00Z' }], [{ since: '2026-02-30' }], [{ since: '2026-11-30T24:00:00Z' }],
      [{ type: 'password.stolen' }], [{ user_id: 'not-a-uuid' }], [{ account_id: '1 OR 1=1' }], [{ sort: 'asc' }],
      [{ since: '2031-01-02T00:00:00Z', until: '2031-01-01T00:00:00Z' }],
    ])('G3 a bad filter is 400 in the service envelope, saying the query string is invalid: %j', async (query) => {
      const res = await list(query as Record<string, string | number>).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'REQUEST_INVALID', message: 'The query string is invalid.', details: expect.any(Array) });
    });

    it('G3 generated queries (250 here; the route-wide property suite runs more): always 200 or 400 in the service envelope, never a 5xx', async () => {
      const names = fc.constantFrom('user_id', 'account_id', 'type', 'since', 'until', 'cursor', 'limit', 'sort', '__proto__', 'constructor', 'type[a]', 'limit[]');
      const valid = fc.constantFrom('password.set', '2026-11-30', '2026-11-30T00:00:00Z', '50', '0', '-1', '1e3', randomUUID(), 'MTIzOmFiYw', '');
      const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join(''));
      const value = fc.oneof(valid.map(encodeURIComponent), fc.string({ maxLength: 60 }).map(encodeURIComponent), bytes);
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(names, value), { maxLength: 5 }), async (pairs) => {
          const res = await t.http.get(`/audit-events?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&')}`).set(admin);
          if (res.status !== 200) expect(res.body).toMatchObject({ statusCode: 400, code: 'REQUEST_INVALID' });
          else expect(Object.keys(res.body).sort()).toEqual(['data', 'next']);
        }),
        { numRuns: 250 },
      );
    });

    it('G3 a repeated filter is 400, not a silent array', async () => {
      const res = await t.http.get('/audit-events?type=password.set&type=session.revoked').set(admin).expect(400);
      expect(res.body.code).toBe('REQUEST_INVALID');
    });

    it('is documented in the OpenAPI document with its filters and response', async () => {
      const doc = (await t.http.get('/docs-json').expect(200)).body;
      const op = doc.paths['/audit-events'].get;
      expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['account_id', 'cursor', 'limit', 'since', 'type', 'until', 'user_id']);
      expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '413', '415', '429', '500', '503']);
      expect(doc.components.schemas.AuditEventResponseDto.required).toEqual(
        expect.arrayContaining(['id', 'type', 'at', 'user_id', 'account_id', 'actor', 'client_ip', 'outcome', 'details']),
      );
    });
  });

  describe('retention', () => {
    it('the sweep deletes events older than AUDIT_RETENTION_DAYS (default 365) and keeps newer ones', async () => {
      const day = 86_400_000;
      const old = new Date(t.clock.nowMs() - 366 * day);
      const recent = new Date(t.clock.nowMs() - 364 * day);
      const accountId = await keysAt([old, recent]);
      expect(await t.app.get(AuditRetentionService).sweep()).toBe(1);
      expect((await events({ account_id: accountId })).map((e) => e.at)).toEqual([recent.toISOString()]);
    });
  });

  // Last: scans every event the suite produced.
  it('A12 I1 no password, code, token, key, hash or email used in this suite appears in any stored event', async () => {
    const rows = JSON.stringify(await sql(t, 'SELECT * FROM audit_events'));
    const hashes = [
      ...(await sql<{ hash: string }>(t, 'SELECT hash FROM credentials')).map((r) => r.hash),
      ...(await sql<{ hash: string }>(t, 'SELECT hash FROM password_history')).map((r) => r.hash),
      ...(await sql<{ h: string }>(t, 'SELECT key_hash AS h FROM api_keys')).map((r) => r.h),
      ...(await sql<{ h: string }>(t, 'SELECT secret_hash AS h FROM one_time_tokens')).map((r) => r.h),
      ...(await sql<{ h: string }>(t, 'SELECT token_hash AS h FROM refresh_tokens')).map((r) => r.h),
    ];
    // Beyond those the tests named: every address of a user, and every code or token any email carried.
    const emails = (await sql<{ email: string }>(t, 'SELECT email FROM users')).map((r) => r.email);
    const mailed = smtp.messages.flatMap((m) => [...m.text.matchAll(/^Code: (\S+)[ \t]*\r?$/gm)].map((match) => match[1]));
    expect(secrets.size).toBeGreaterThan(20);
    expect(emails.length).toBeGreaterThan(20);
    expect(mailed.length).toBeGreaterThan(20);
    expect(JSON.parse(rows).length).toBeGreaterThan(30);
    // A short numeric code is looked for as a value of its own: as a bare substring a 6-digit code turns up by
    // chance inside a UUID's hex or a timestamp (~1% of runs with this many codes), which is no leak.
    const found = (secret: string) => (/^\d{1,8}$/.test(secret) ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(rows) : rows.includes(secret));
    for (const secret of [...secrets, ...emails, ...mailed, ...hashes]) expect(found(secret) ? secret : null).toBeNull();
  });
});
