import * as bcrypt from 'bcrypt';
import * as jwt from 'jsonwebtoken';
import { ACCESS_AUDIENCE } from '../../src/core/keys/jwt-claims';
import { resignWithForeignKey, resignWithRing, verifyWithJwks } from './support/jwt';
import { Credential } from '../../src/core/password/credential.entity';
import { LEGACY_BCRYPT_ALGORITHM, parseBcryptCost, PasswordHasher } from '../../src/core/password/password-hasher';
import { PasswordLifecycleService } from '../../src/core/password/password-lifecycle.service';
import { User } from '../../src/core/entities/user.entity';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, createUser, dumpAllTables, givePassword, GOOD_PASSWORD, latestInvitationToken, latestMail, loginAs, setPasswordWithInvitation, signUpAndVerify, uniqueEmail, verificationCode,
} from './support/factories';
import { ADMIN_KEY, TEST_JWT_SECRET, TestApp, withAppAndSmtp } from './support/test-app';

const INVALID_CREDENTIALS = { statusCode: 401, error: 'Unauthorized', code: 'INVALID_CREDENTIALS', message: 'Invalid email or password.' };
const INVALID_REFRESH = { statusCode: 401, error: 'Unauthorized', code: 'INVALID_REFRESH_TOKEN', message: 'The refresh token is invalid, expired or revoked.' };
const INVALID_BEARER = { statusCode: 401, error: 'Unauthorized', code: 'INVALID_BEARER_TOKEN', message: 'The bearer token is invalid or has expired.' };

describeEachDatabase('sessions: login, refresh, logout, /users/me', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  const login = (email: string, password: string) => t.http.post('/auth/login').send({ email, password });
  const refresh = (token: string) => t.http.post('/auth/refresh').send({ refresh_token: token });
  const me = (accessToken: string) => t.http.get('/users/me').set('Authorization', `Bearer ${accessToken}`);

  /** An invited user who has set GOOD_PASSWORD through D1. */
  async function member(policy?: Record<string, unknown>) {
    const account = await createAccount(t, { policy });
    await setPasswordWithInvitation(t, smtp, account.ownerEmail, GOOD_PASSWORD);
    return { userId: account.ownerId, email: account.ownerEmail, accountId: account.accountId };
  }

  describe('POST /auth/login', () => {
    it('answers 200 {"token":{access_token,expires_in,token_type,refresh_token,client_id,scope}}', async () => {
      const { userId, email } = await member();
      const res = await login(email, GOOD_PASSWORD).expect(200);
      expect(Object.keys(res.body)).toEqual(['token']);
      expect(res.body.token).toEqual({
        access_token: expect.any(String), expires_in: 900, token_type: 'Bearer', refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        client_id: 'password-lifecycle', scope: 'user',
      });
      const { payload: claims, protectedHeader } = await verifyWithJwks(t, res.body.token.access_token, ACCESS_AUDIENCE);
      expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: expect.stringMatching(/^sig-/) });
      expect(claims).toMatchObject({ sub: userId, aud: ACCESS_AUDIENCE, iss: 'https://id.example.test', jti: expect.any(String) });
      expect(claims.exp! - claims.iat!).toBe(900);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('C1 the same 401 for an unknown email, a wrong password and a user without a password', async () => {
      const { email } = await member();
      const { ownerEmail: noPassword } = await createAccount(t);
      const answers = [await login(uniqueEmail('ghost'), GOOD_PASSWORD), await login(email, 'Wrong-Pass-1!'), await login(noPassword, GOOD_PASSWORD)];
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual(INVALID_CREDENTIALS);
      }
    });

    it('C2 an unknown email costs one bcrypt compare, like a wrong password', async () => {
      const { email } = await member();
      const hasher = t.app.get(PasswordHasher);
      const dummy = jest.spyOn(hasher, 'verifyAgainstDummy');
      const real = jest.spyOn(hasher, 'verify');
      try {
        await login(uniqueEmail('ghost'), GOOD_PASSWORD).expect(401);
        expect(dummy).toHaveBeenCalledTimes(1);
        expect(real).not.toHaveBeenCalled();
        // A wrong password: the one compare against the stored hash instead.
        dummy.mockClear();
        await login(email, 'Wrong-Pass-1!').expect(401);
        expect(real).toHaveBeenCalledTimes(1);
        expect(dummy).not.toHaveBeenCalled();
      } finally {
        dummy.mockRestore();
        real.mockRestore();
      }
    });

    it('A9 the password is case-sensitive and not trimmed; the email is not', async () => {
      const { email } = await member();
      await login(email, GOOD_PASSWORD.toLowerCase()).expect(401);
      await login(email, ` ${GOOD_PASSWORD}`).expect(401);
      await login(email.toUpperCase(), GOOD_PASSWORD).expect(200);
    });

    it('A7 logs in with another Unicode form of the same password (NFKC)', async () => {
      const account = await createAccount(t);
      await setPasswordWithInvitation(t, smtp, account.ownerEmail, 'Caf\u00e9-Cr\u00e8me-7');
      await login(account.ownerEmail, 'Cafe\u0301-Cre\u0300me-7').expect(200);
    });

    // CONTRACT.md "Third round": a password due for change gives no session but a change token, only after the correct password.
    it('A14 an expired password: 403 PASSWORD_CHANGE_REQUIRED with a change token only after the correct password', async () => {
      const { email } = await member({ maxAgeDays: 1 });
      await login(email, GOOD_PASSWORD).expect(200);
      t.clock.advanceDays(1);
      t.clock.advance(60_000);
      const expired = await login(email, GOOD_PASSWORD).expect(403);
      expect(expired.body).toEqual({
        statusCode: 403, error: 'Forbidden', code: 'PASSWORD_CHANGE_REQUIRED', reason: 'expired',
        message: 'The password must be changed before signing in: send the new one to POST /users/me/password with Authorization: Bearer <change_token>.',
        change_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), expires_in: 600,
      });
      expect(JSON.stringify(expired.body)).not.toMatch(/access_token|refresh_token/);
      expect((await login(email, 'Wrong-Pass-1!').expect(401)).body).toEqual(INVALID_CREDENTIALS);
    });

    it('an account that turned password sign-in off refuses the login (409 after a correct password, 401 otherwise)', async () => {
      const { email, accountId } = await member();
      await t.http.put(`/accounts/${accountId}/password-policy`).set(admin).send({ passwordLogin: false }).expect(200);
      expect((await login(email, GOOD_PASSWORD).expect(409)).body.code).toBe('PASSWORD_LOGIN_DISABLED');
      expect((await login(email, 'Wrong-Pass-1!').expect(401)).body).toEqual(INVALID_CREDENTIALS);
    });

    // CONTRACT.md "Third round": a disabled user's right password is 403 USER_DISABLED; a wrong one stays the usual 401.
    it('a disabled user cannot log in: 403 USER_DISABLED only after the correct password, the same 401 otherwise', async () => {
      const { userId, email } = await member();
      await t.dataSource.getRepository(User).update({ id: userId }, { isActive: false });
      expect((await login(email, GOOD_PASSWORD).expect(403)).body).toMatchObject({ statusCode: 403, code: 'USER_DISABLED' });
      expect((await login(email, 'Wrong-Pass-1!').expect(401)).body).toEqual(INVALID_CREDENTIALS);
    });

    it('rehashes on login when the stored hash has another cost, and the password keeps working', async () => {
      const { userId, email } = await member();
      const repo = t.dataSource.getRepository(Credential);
      const old = await new PasswordHasher({ cost: 5 }).hash(GOOD_PASSWORD);
      await repo.update({ userId }, old);
      await login(email, GOOD_PASSWORD).expect(200);
      const stored = await repo.findOneByOrFail({ userId });
      expect(stored.hash).not.toBe(old.hash);
      expect(parseBcryptCost(stored.hash)).toBe(t.config.bcryptCost);
      await login(email, GOOD_PASSWORD).expect(200);
    });

    it('upgrades a legacy plain-bcrypt hash to the current scheme on login', async () => {
      const { userId, email } = await member();
      const repo = t.dataSource.getRepository(Credential);
      await repo.update({ userId }, { hash: await bcrypt.hash(GOOD_PASSWORD, 4), algorithm: LEGACY_BCRYPT_ALGORITHM });
      await login(email, GOOD_PASSWORD).expect(200);
      expect((await repo.findOneByOrFail({ userId })).algorithm).toBe('bcrypt-sha384');
      await login(email, GOOD_PASSWORD).expect(200);
    });

    it('B5 an invitation token is no password', async () => {
      const account = await createAccount(t);
      const invitation = await latestInvitationToken(t, smtp, account.ownerEmail);
      expect((await login(account.ownerEmail, invitation).expect(401)).body).toEqual(INVALID_CREDENTIALS);
    });

    it('bad requests → 400 in the service envelope', async () => {
      const res = await t.http.post('/auth/login').send({ email: ['a@example.com'], password: 5 }).expect(400);
      expect(res.body.code).toBe('REQUEST_INVALID');
      expect(res.body.details.join(' ')).toMatch(/email/);
      expect(res.body.details.join(' ')).toMatch(/password/);
    });
  });

  describe('POST /auth/refresh', () => {
    it('D3 rotates: a new pair, different from the old; the old refresh token is dead', async () => {
      const { email } = await member();
      const first = await loginAs(t, email);
      const res = await refresh(first.refresh_token).expect(200);
      expect(Object.keys(res.body.token).sort()).toEqual(['access_token', 'client_id', 'expires_in', 'refresh_token', 'scope', 'token_type']);
      expect(res.body.token.refresh_token).not.toBe(first.refresh_token);
      expect(res.body.token.access_token).not.toBe(first.access_token);
      await me(res.body.token.access_token).expect(200);
      await refresh(res.body.token.refresh_token).expect(200);
      expect((await refresh(first.refresh_token).expect(401)).body).toEqual(INVALID_REFRESH);
    });

    it('D3 reusing a rotated refresh token → 401 and revokes the whole family; other sessions live on', async () => {
      const { userId, email } = await member();
      const stolen = await loginAs(t, email);
      const otherDevice = await loginAs(t, email);
      const next = (await refresh(stolen.refresh_token).expect(200)).body.token;
      expect((await refresh(stolen.refresh_token).expect(401)).body).toEqual(INVALID_REFRESH);
      expect((await refresh(next.refresh_token).expect(401)).body).toEqual(INVALID_REFRESH);
      await refresh(otherDevice.refresh_token).expect(200);
      const param = kind === 'sqlite' ? '?' : '$1';
      const rows: Array<{ family_id: string; revoked_at: unknown }> = await t.dataSource.query(`SELECT family_id, revoked_at FROM refresh_tokens WHERE user_id = ${param}`, [userId]);
      const families = new Map<string, boolean[]>();
      for (const r of rows) families.set(r.family_id, [...(families.get(r.family_id) ?? []), r.revoked_at !== null]);
      const revokedFamilies = [...families.values()].filter((f) => f.every(Boolean));
      expect(revokedFamilies).toHaveLength(1);
      expect(revokedFamilies[0]).toHaveLength(2);
    });

    it('H1 concurrent refreshes with one token: exactly one 200', async () => {
      const { email } = await member();
      const session = await loginAs(t, email);
      const results = await Promise.all(Array.from({ length: 5 }, () => refresh(session.refresh_token)));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(4);
    });

    it('unknown, expired and revoked refresh tokens → 401; a refresh token lives 30 days (refreshes a minute before, refused a minute after)', async () => {
      expect((await refresh('not-a-refresh-token').expect(401)).body).toEqual(INVALID_REFRESH);
      const { email } = await member();
      // The expiring sessions are other users': logout revokes every token of its own user, so it must not touch them.
      const session = await loginAs(t, (await member()).email);
      const early = await loginAs(t, (await member()).email);
      const loggedOut = await loginAs(t, email);
      await t.http.post('/auth/logout').set('Authorization', `Bearer ${loggedOut.access_token}`).expect(204);
      expect((await refresh(loggedOut.refresh_token).expect(401)).body).toEqual(INVALID_REFRESH);
      t.clock.advance(30 * 24 * 3600_000 - 60_000);
      await refresh(early.refresh_token).expect(200);
      t.clock.advance(2 * 60_000);
      expect((await refresh(session.refresh_token).expect(401)).body).toEqual(INVALID_REFRESH);
    });

    it('bad requests → 400', async () => {
      expect((await t.http.post('/auth/refresh').send({}).expect(400)).body.code).toBe('REQUEST_INVALID');
    });
  });

  describe('POST /auth/logout', () => {
    it("→ 204 and revokes every refresh token of the user (all devices)", async () => {
      const { email } = await member();
      const a = await loginAs(t, email);
      const b = await loginAs(t, email);
      await t.http.post('/auth/logout').set('Authorization', `Bearer ${a.access_token}`).expect(204).expect((res) => expect(res.text).toBe(''));
      await refresh(a.refresh_token).expect(401);
      await refresh(b.refresh_token).expect(401);
      await loginAs(t, email); // logging in again works
    });

    it('without a bearer token → 401 UNAUTHENTICATED; with a refresh token as bearer → 401', async () => {
      expect((await t.http.post('/auth/logout').expect(401)).body.code).toBe('UNAUTHENTICATED');
      const { email } = await member();
      const session = await loginAs(t, email);
      await t.http.post('/auth/logout').set('Authorization', `Bearer ${session.refresh_token}`).expect(401);
      await refresh(session.refresh_token).expect(200);
    });
  });

  describe('GET /users/me', () => {
    it('answers the user in an explicit DTO, never a hash', async () => {
      const { userId, email, accountId } = await member();
      const session = await loginAs(t, email);
      const res = await me(session.access_token).expect(200);
      expect(Object.keys(res.body)).toEqual(['data']);
      expect(Object.keys(res.body.data).sort()).toEqual(
        ['account_id', 'created_at', 'disabled', 'email', 'first_name', 'has_password', 'is_active', 'is_admin', 'is_email_verified', 'last_name', 'locale', 'role', 'updated_at', 'user_id'],
      );
      expect(res.body.data).toMatchObject({ user_id: userId, account_id: accountId, email, has_password: true, is_active: true });
      expect(JSON.stringify(res.body)).not.toMatch(/\$2[aby]\$/);
    });

    it('401 without a token (UNAUTHENTICATED) and for expired, tampered, alg-none, HS256, foreign-key or unknown-kid tokens (E1, E3, E5)', async () => {
      const { userId, email } = await member();
      const session = await loginAs(t, email);
      expect((await t.http.get('/users/me').expect(401)).body.code).toBe('UNAUTHENTICATED');
      const [h, p, s] = session.access_token.split('.');
      const claims = jwt.decode(session.access_token) as Record<string, unknown>;
      const other = await member();
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: other.userId })).toString('base64url')}.${s}`;
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
      // HS256 with the old service secret (what earlier versions signed with), or with another secret, under the real kid.
      const kid = (jwt.decode(session.access_token, { complete: true }) as jwt.Jwt).header.kid;
      const hs256 = jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', keyid: kid });
      const foreign = jwt.sign(claims, 'another-secret-0123456789abcdef0123456789', { algorithm: 'HS256' });
      const foreignKey = await resignWithForeignKey(t, session.access_token);
      const unknownKid = await resignWithForeignKey(t, session.access_token, 'sig-unknown');
      const noExp = await resignWithRing(t, session.access_token, { exp: undefined });
      for (const token of [tampered, none, hs256, foreign, foreignKey, unknownKid, noExp]) expect((await me(token).expect(401)).body).toEqual(INVALID_BEARER);
      await me(session.access_token).expect(200);
      // A correctly re-signed copy passes: the refusals above are about what was changed only.
      await me(await resignWithRing(t, session.access_token)).expect(200);
      t.clock.advanceMinutes(16);
      expect((await me(session.access_token).expect(401)).body).toEqual(INVALID_BEARER);
      expect(userId).toBeTruthy();
    });

    it("an API key is no user: 401 UNAUTHENTICATED whose message asks for a user's access token, not for an X-Api-Key", async () => {
      for (const res of [await t.http.get('/users/me').set('X-Api-Key', ADMIN_KEY), await t.http.get('/users/me')]) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
        expect(res.body.message).toMatch(/Authorization: Bearer <access_token>/);
        expect(res.body.message).not.toMatch(/send X-Api-Key/);
      }
      // An admin route still names both credentials it takes.
      expect((await t.http.get('/accounts').expect(401)).body.message).toMatch(/send X-Api-Key or Authorization/);
    });

    it('E6 an access token with another typ, or none, or an iat more than a minute ahead is refused, on /users/me and on the admin routes (RFC 8725 §3.11)', async () => {
      const { accountId } = await createAccount(t);
      const owner = await member();
      await t.dataSource.getRepository(User).update({ id: owner.userId }, { accountId, role: 'admin' });
      const session = await loginAs(t, owner.email);
      const now = Math.floor(t.clock.nowMs() / 1000);
      const refused = [
        await resignWithRing(t, session.access_token, {}, { typ: 'JWT' }),
        await resignWithRing(t, session.access_token, {}, { typ: undefined }),
        await resignWithRing(t, session.access_token, {}, { typ: 'email-verification+jwt' }),
        // 90 s, not 61: the clock follows real time, and a second passing before the check must not bring it within the minute.
        await resignWithRing(t, session.access_token, { iat: now + 90, exp: now + 900 }),
        await resignWithRing(t, session.access_token, { iat: undefined }),
      ];
      for (const token of refused) {
        expect((await me(token).expect(401)).body).toEqual(INVALID_BEARER);
        expect((await t.http.get(`/accounts/${accountId}`).set('Authorization', `Bearer ${token}`)).status).toBe(401);
      }
      // What changed is all that is refused: the same claims under typ at+jwt and an iat within the leeway pass.
      await me(await resignWithRing(t, session.access_token, { iat: now + 60 })).expect(200);
      await t.http.get(`/accounts/${accountId}`).set('Authorization', `Bearer ${await resignWithRing(t, session.access_token)}`).expect(200);
    });

    it('refuses the token of a deactivated or deleted user', async () => {
      const a = await member();
      const b = await member();
      const ta = await loginAs(t, a.email);
      const tb = await loginAs(t, b.email);
      await t.dataSource.getRepository(User).update({ id: a.userId }, { isActive: false });
      await t.dataSource.getRepository(User).delete({ id: b.userId });
      await me(ta.access_token).expect(401);
      await me(tb.access_token).expect(401);
    });
  });

  describe('a password change ends sessions (SECURITY.md D1, D2)', () => {
    it('D1 every refresh token is revoked and D2 access tokens issued before the change are refused; new ones work', async () => {
      const { userId, email } = await member();
      const one = await loginAs(t, email);
      const two = await loginAs(t, email);
      await me(one.access_token).expect(200);
      // Another path through the one pipeline (as D3, D4, D5 do).
      await t.app.get(PasswordLifecycleService).setPassword({ userId, password: 'Changed-Pass-2!', mode: 'replace', via: 'test' });
      expect((await refresh(one.refresh_token).expect(401)).body).toEqual(INVALID_REFRESH);
      expect((await refresh(two.refresh_token).expect(401)).body).toEqual(INVALID_REFRESH);
      const param = kind === 'sqlite' ? '?' : '$1';
      const live = await t.dataSource.query(`SELECT id FROM refresh_tokens WHERE user_id = ${param} AND revoked_at IS NULL`, [userId]);
      expect(live).toHaveLength(0);
      expect((await me(one.access_token).expect(401)).body).toEqual(INVALID_BEARER);
      expect((await me(two.access_token).expect(401)).body).toEqual(INVALID_BEARER);
      await login(email, GOOD_PASSWORD).expect(401);
      const fresh = await loginAs(t, email, 'Changed-Pass-2!');
      await me(fresh.access_token).expect(200);
    });

    it('D1 a login whose password was changed while it was being checked gets no session: 401, no refresh token, nothing counted against the address', async () => {
      const { userId, email } = await member();
      const counted = () => t.dataSource.query('SELECT key, count FROM attempt_counters WHERE count > 0 ORDER BY key');
      const countedBefore = await counted();
      const hasher = t.app.get(PasswordHasher);
      const verify = hasher.verify.bind(hasher);
      // The reset lands between the login's check of the old password and the session it would issue.
      const spy = jest.spyOn(hasher, 'verify').mockImplementationOnce(async (password, stored) => {
        const right = await verify(password, stored);
        await t.app.get(PasswordLifecycleService).setPassword({ userId, password: 'Changed-Pass-3!', mode: 'replace', via: 'test' });
        return right;
      });
      try {
        expect((await login(email, GOOD_PASSWORD).expect(401)).body).toEqual(INVALID_CREDENTIALS);
      } finally {
        spy.mockRestore();
      }
      const param = kind === 'sqlite' ? '?' : '$1';
      expect(await t.dataSource.query(`SELECT id FROM refresh_tokens WHERE user_id = ${param}`, [userId])).toHaveLength(0);
      expect(await counted()).toEqual(countedBefore);
      await loginAs(t, email, 'Changed-Pass-3!');
    });

    it('D2 removing the password refuses earlier access tokens too', async () => {
      const { userId, email } = await member();
      const session = await loginAs(t, email);
      await t.app.get(PasswordLifecycleService).removePassword(userId);
      await me(session.access_token).expect(401);
      await refresh(session.refresh_token).expect(401);
    });
  });

  it('A12 no password, access or refresh token is stored in clear after login, refresh and D2', async () => {
    const { email } = await member();
    const session = await loginAs(t, email);
    const rotated = (await refresh(session.refresh_token).expect(200)).body.token;
    const { verificationJwt } = await signUpAndVerify(t, smtp);
    const d2Password = 'Canary-In-D2-Flow!';
    const d2 = (await t.http.post('/auth/setpassword').set('Authorization', `Bearer ${verificationJwt}`).send({ password: d2Password }).expect(200)).body.data;
    const dump = await dumpAllTables(t);
    for (const secret of [GOOD_PASSWORD, d2Password, session.refresh_token, session.access_token, rotated.refresh_token, rotated.access_token, d2.token, d2.refreshToken]) {
      expect(dump).not.toContain(secret);
    }
  });

  it('Swagger documents every route of this issue', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    for (const [path, method] of [
      ['/accounts/set-password', 'post'], ['/auth/setpassword', 'post'], ['/auth/signup', 'post'], ['/auth/verify-email', 'post'],
      ['/auth/login', 'post'], ['/auth/refresh', 'post'], ['/auth/logout', 'post'], ['/users/me', 'get'],
    ] as const) {
      expect(doc.paths[path]?.[method]).toBeDefined();
      expect(Object.keys(doc.paths[path][method].responses).length).toBeGreaterThan(1);
    }
  });
});

describeEachDatabase('I1 no secret reaches the logs', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;
  const lines: string[] = [];

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { LOG_LEVEL: 'debug' }, logDestination: { write: (line: string) => void lines.push(line) } });

  it('I1/I2 D1, sign-up, verification, D2, login, refresh, logout and refused requests log no password, code, token or hash, and log each security event', async () => {
    const secrets: string[] = [];
    const account = await createAccount(t);
    const invitation = await latestInvitationToken(t, smtp, account.ownerEmail);
    secrets.push(invitation, GOOD_PASSWORD, 'Weak-Refused-Canary');
    await t.http.post('/accounts/set-password').send({ token: invitation, password: 'weak' }).expect(400);
    await t.http.post('/accounts/set-password').send({ token: invitation, password: 12345 }).expect(400);
    await t.http.post('/accounts/set-password').send({ token: invitation, password: GOOD_PASSWORD }).expect(200);
    const session = await loginAs(t, account.ownerEmail);
    await t.http.post('/auth/login').send({ email: account.ownerEmail, password: 'Weak-Refused-Canary' }).expect(401);
    const rotated = (await t.http.post('/auth/refresh').send({ refresh_token: session.refresh_token }).expect(200)).body.token;
    await t.http.post('/auth/refresh').send({ refresh_token: session.refresh_token }).expect(401);
    await t.http.post('/auth/logout').set('Authorization', `Bearer ${rotated.access_token}`).expect(204);
    secrets.push(session.access_token, session.refresh_token, rotated.access_token, rotated.refresh_token);

    const email = uniqueEmail('logs');
    const since = smtp.messages.length;
    await t.http.post('/auth/signup').send({ email, firstName: 'Log', lastName: 'Check' }).expect(201);
    const code = await verificationCode(t, smtp, email, since);
    const verificationJwt = (await t.http.post('/auth/verify-email').send({ code }).expect(200)).body.data.token;
    await t.http.post('/auth/setpassword').set('Authorization', `Bearer ${verificationJwt}`).send({ password: 'Canary-D2-Secret!' }).expect(200);
    await t.http.post('/auth/setpassword').set('Authorization', `Bearer ${verificationJwt}`).send({ password: 'Canary-D2-Secret!' }).expect(400);
    secrets.push(code, verificationJwt, 'Canary-D2-Secret!');
    const hashes: Array<{ hash: string }> = await t.dataSource.query('SELECT hash FROM credentials');
    secrets.push(...hashes.map((h) => h.hash));

    expect(lines.length).toBeGreaterThan(10); // the logs were captured at all
    const log = lines.join('\n');
    for (const secret of secrets) expect(log).not.toContain(secret);

    // I2: the same flows left structured security events: who, what, when (UTC epoch ms), no secret.
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => typeof e.event === 'string');
    const d2UserId = (JSON.parse(Buffer.from(verificationJwt.split('.')[1], 'base64url').toString()) as { sub: string }).sub;
    expect(events).toEqual(expect.arrayContaining([
      expect.objectContaining({ event: 'password.set', via: 'D1', userId: account.ownerId, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) }),
      expect.objectContaining({ event: 'password.set', via: 'D2', userId: d2UserId }),
      expect.objectContaining({ event: 'session.family_revoked', userId: account.ownerId, reason: 'refresh_token_reuse' }),
      expect.objectContaining({ event: 'session.revoked', userId: account.ownerId, reason: 'logout' }),
    ]));
  });

  it('I1 D4 and D5 recovery: the emailed codes and the passwords they set never reach the logs (at debug level)', async () => {
    const account = await createAccount(t);
    const [d4User, d5User] = [uniqueEmail('logs-d4'), uniqueEmail('logs-d5')];
    for (const email of [d4User, d5User]) await givePassword(t, (await createUser(t, account.accountId, email)).userId, GOOD_PASSWORD);
    let since = smtp.messages.length;
    await t.http.post('/api/v2/account/recover/').send({ email: d4User }).expect(200);
    const d4Code = extractCode(await latestMail(t, smtp, d4User, (m) => m.subject === 'Recover your account', since));
    await t.http.post('/api/v2/account/reset/').send({ validation_code: d4Code, password: 'Canary-D4-Secret!' }).expect(200);
    since = smtp.messages.length;
    await t.http.post('/v1/auth/password-reset/request').send({ email: d5User }).expect(200);
    const d5Code = extractCode(await latestMail(t, smtp, d5User, (m) => m.subject === 'Your password reset code', since));
    await t.http.post('/v1/auth/password-reset/reset').send({ code: d5Code, new_password: 'Canary-D5-Secret!' }).expect(200);

    const log = lines.join('\n');
    // the flows were logged at all (their request lines), just without the secrets
    for (const path of ['/api/v2/account/recover/', '/api/v2/account/reset/', '/v1/auth/password-reset/request', '/v1/auth/password-reset/reset']) expect(log).toContain(`"path":"${path}"`);
    // the D5 code is 6 digits: looked for as a value of its own (as a bare substring it could turn up in a timestamp)
    expect(new RegExp(`(?<![0-9A-Za-z])${d5Code}(?![0-9A-Za-z])`).test(log)).toBe(false);
    for (const secret of [d4Code, 'Canary-D4-Secret!', 'Canary-D5-Secret!']) expect(log).not.toContain(secret);
  });

  it('I3 an address with CR/LF is refused, and no forged log line appears', async () => {
    const before = lines.length;
    for (const path of ['/auth/signup', '/v1/auth/password-reset/request', '/api/v2/account/recover/']) {
      const res = await t.http.post(path).send({ email: 'a\r\n{"level":50,"msg":"FAKE ENTRY"}@x.io', firstName: 'A', lastName: 'B' });
      expect(res.status).toBe(400);
    }
    const added = lines.slice(before).join('').split('\n').filter((l) => l.trim() !== '');
    for (const line of added) expect(() => JSON.parse(line)).not.toThrow(); // every line is one whole JSON entry
    expect(added.some((l) => l.startsWith('{"level":50,"msg":"FAKE ENTRY"'))).toBe(false);
  });
});
