import * as jwt from 'jsonwebtoken';
import { VERIFICATION_AUDIENCE } from '../../src/core/keys/jwt-claims';
import { resignWithForeignKey, resignWithRing } from './support/jwt';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { UnitOfWork } from '../../src/ground/database/unit-of-work';
import { PasswordLifecycleService } from '../../src/core/password/password-lifecycle.service';
import { OneTimeTokensService } from '../../src/core/tokens/one-time-tokens.service';
import { User } from '../../src/core/entities/user.entity';
import { SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  createAccount, GOOD_PASSWORD, latestInvitationToken, loginAs, setPasswordWithInvitation, signUpAndVerify, uniqueEmail, userSecuritySnapshot,
} from './support/factories';
import { startTestApp, TEST_JWT_SECRET, TestApp, withAppAndSmtp } from './support/test-app';

const envelope = (code: string, message: string, details: string[] = []) => ({ success: false, error: { code, message, details } });
const INVALID_TOKEN = envelope('INVALID_TOKEN', 'Invalid or expired token');
const UNAUTHORIZED = envelope('UNAUTHORIZED', 'Authorization header with a Bearer token is required');
const policyFailure = (...details: string[]) => envelope('VALIDATION_ERROR', 'Password validation failed', details);

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describeEachDatabase('D2 POST /auth/setpassword', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  const d2 = (token: string | null, body: unknown = { password: GOOD_PASSWORD }) => {
    const req = t.http.post('/auth/setpassword');
    if (token !== null) req.set('Authorization', `Bearer ${token}`);
    return req.send(body as object);
  };
  const userIdOf = (verificationJwt: string) => (jwt.decode(verificationJwt) as { sub: string }).sub;
  /** The claims of a real verification JWT, re-signed HS256 with a secret (an attacker's forgeries, for the E-series). */
  const resign = (verificationJwt: string, changes: Record<string, unknown>, opts: jwt.SignOptions = {}, secret = TEST_JWT_SECRET) => {
    const claims = { ...(jwt.decode(verificationJwt) as Record<string, unknown>), ...changes };
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    return jwt.sign(claims, secret, { algorithm: 'HS256', ...opts });
  };

  describe('success', () => {
    it('answers the seed body field by field, and the session works', async () => {
      const { email, verificationJwt } = await signUpAndVerify(t, smtp, { firstName: 'John', lastName: 'Doe' });
      const res = await d2(verificationJwt).expect(200);
      expect(Object.keys(res.body)).toEqual(['success', 'message', 'data']);
      expect(res.body.success).toBe(true);
      expect(res.body.message).toBe('Password set successfully');
      expect(Object.keys(res.body.data)).toEqual(['token', 'refreshToken', 'user']);
      const user = res.body.data.user;
      // Every field of the seed's User schema, plus the example's isEmailVerified.
      expect(Object.keys(user)).toEqual([
        'id', 'email', 'firstName', 'lastName', 'isEmailVerified', 'isVerified', 'hasPassword', 'isActive', 'isAdmin',
        'googleId', 'linkedinId', 'facebookId', 'provider', 'providerId', 'profilePicture', 'createdAt', 'updatedAt',
      ]);
      expect(user).toEqual({
        id: userIdOf(verificationJwt), email, firstName: 'John', lastName: 'Doe', isEmailVerified: true, isVerified: true, hasPassword: true, isActive: true,
        isAdmin: false, googleId: null, linkedinId: null, facebookId: null, provider: 'email', providerId: null, profilePicture: null,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(res.headers['cache-control']).toBe('no-store'); // G6
      expect(JSON.stringify(res.body)).not.toContain(GOOD_PASSWORD); // A12

      // D3: fresh tokens that work: the access token on /users/me, the refresh token on /auth/refresh.
      const me = await t.http.get('/users/me').set('Authorization', `Bearer ${res.body.data.token}`).expect(200);
      expect(me.body.data).toMatchObject({ user_id: user.id, email, has_password: true });
      await t.http.post('/auth/refresh').send({ refresh_token: res.body.data.refreshToken }).expect(200);
      await loginAs(t, email, GOOD_PASSWORD);
    });

    it("applies the policy of the account given at sign-up (maxLength 30)", async () => {
      const { accountId } = await createAccount(t, { policy: { maxLength: 30 }, selfSignUp: true });
      const { verificationJwt } = await signUpAndVerify(t, smtp, { account_id: accountId });
      const res = await d2(verificationJwt, { password: `Aa1!${'x'.repeat(27)}` }).expect(400);
      expect(res.body).toEqual(policyFailure('Password must be at most 30 characters long'));
      await d2(verificationJwt, { password: `Aa1!${'x'.repeat(26)}` }).expect(200);
    });

    it('D6 the invitation of an invited user dies once the password is set through D2', async () => {
      const { ownerEmail } = await createAccount(t);
      const invitation = await latestInvitationToken(t, smtp, ownerEmail);
      const { verificationJwt } = await signUpAndVerify(t, smtp, { email: ownerEmail });
      await d2(verificationJwt).expect(200);
      await t.http.post('/accounts/set-password').send({ token: invitation, password: 'Another-Pass-1!' }).expect(400);
    });
  });

  describe('password policy: VALIDATION_ERROR with one detail per failed rule, in the seed\'s words', () => {
    const cases: Array<[string, string, string[]]> = [
      ["the seed's example", 'Abcdefg', ['Password must be at least 8 characters long', 'Password must contain at least one number', 'Password must contain at least one special character']],
      ['A1 min − 1', 'Abcde1!', ['Password must be at least 8 characters long']],
      ['max + 1', `Aa1!${'x'.repeat(96)}`, ['Password must be at most 99 characters long']],
      ['no uppercase letter', 'lower-case-1', ['Password must contain at least one uppercase letter']],
      ['no lowercase letter', 'UPPER-CASE-1', ['Password must contain at least one lowercase letter']],
      ['no number', 'No-Digits-Here', ['Password must contain at least one number']],
      ['no special character', 'NoSpecials123', ['Password must contain at least one special character']],
      ['A4 a common password', 'P@ssw0rd', ['Password is too common']],
    ];

    it.each(cases)('%s → 400', async (_name, password, details) => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      const res = await d2(verificationJwt, { password }).expect(400);
      expect(res.body).toEqual(policyFailure(...details));
    });

    it('A1 accepts exactly min (8) and A2 exactly max (99)', async () => {
      await d2((await signUpAndVerify(t, smtp)).verificationJwt, { password: 'Abcde1!x' }).expect(200);
      await d2((await signUpAndVerify(t, smtp)).verificationJwt, { password: `Aa1!${'x'.repeat(95)}` }).expect(200);
    });

    it('minClasses (3 of 4) is worded', async () => {
      const { accountId } = await createAccount(t, { policy: { requiredClasses: [], minClasses: 3 }, selfSignUp: true });
      const { verificationJwt } = await signUpAndVerify(t, smtp, { account_id: accountId });
      const res = await d2(verificationJwt, { password: 'onlylower1' }).expect(400);
      expect(res.body).toEqual(policyFailure('Password must contain at least 3 of the following: lowercase letters, uppercase letters, numbers, special characters'));
    });

    it("A5 rejectUserInfo refuses the user's name and email local part", async () => {
      const { accountId } = await createAccount(t, { policy: { rejectUserInfo: true }, selfSignUp: true });
      const email = uniqueEmail('marguerite');
      const { verificationJwt } = await signUpAndVerify(t, smtp, { email, firstName: 'Marguerite', account_id: accountId });
      expect((await d2(verificationJwt, { password: 'Marguerite-99!' }).expect(400)).body).toEqual(policyFailure('Password must not contain your name or email address'));
      expect((await d2(verificationJwt, { password: `X1!${email.split('@')[0]}` }).expect(400)).body).toEqual(
        policyFailure('Password must not contain your name or email address'),
      );
    });

    it('A13 history: a password among the last N (historySize 2) is refused', async () => {
      const { accountId } = await createAccount(t, { policy: { historySize: 2 }, selfSignUp: true });
      const first = await signUpAndVerify(t, smtp, { account_id: accountId });
      await d2(first.verificationJwt, { password: 'First-Pass-1!' }).expect(200);
      const userId = userIdOf(first.verificationJwt);
      await t.app.get(PasswordLifecycleService).removePassword(userId);
      // Without a password, signing up again sends a fresh code (the sign-up is resumed).
      const again = await signUpAndVerify(t, smtp, { email: first.email });
      expect(userIdOf(again.verificationJwt)).toBe(userId);
      expect((await d2(again.verificationJwt, { password: 'First-Pass-1!' }).expect(400)).body).toEqual(
        policyFailure('Password must not match any of your last 2 passwords'),
      );
      await d2(again.verificationJwt, { password: 'Second-Pass-2!' }).expect(200);
    });

    it('A15 a refused password changes nothing and does not spend the token', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      const before = await userSecuritySnapshot(t, userIdOf(verificationJwt));
      await d2(verificationJwt, { password: 'weak' }).expect(400);
      expect(await userSecuritySnapshot(t, userIdOf(verificationJwt))).toEqual(before);
      await d2(verificationJwt).expect(200);
    });
  });

  describe('the verification JWT', () => {
    it('401 UNAUTHORIZED without a header, with another scheme, or with a bearer that is not a JWT (a refresh token)', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      expect((await d2(null).expect(401)).body).toEqual(UNAUTHORIZED);
      expect((await t.http.post('/auth/setpassword').set('Authorization', `Basic ${verificationJwt}`).send({ password: GOOD_PASSWORD }).expect(401)).body).toEqual(UNAUTHORIZED);
      expect((await d2('not-a-jwt').expect(401)).body).toEqual(UNAUTHORIZED);
      const other = await signUpAndVerify(t, smtp);
      const session = (await d2(other.verificationJwt).expect(200)).body.data;
      expect((await d2(session.refreshToken).expect(401)).body).toEqual(UNAUTHORIZED);
      // G7: the JWT in the query string is not a header.
      expect((await t.http.post(`/auth/setpassword?token=${verificationJwt}`).send({ password: GOOD_PASSWORD }).expect(401)).body).toEqual(UNAUTHORIZED);
    });

    it('the scheme name is case-insensitive (RFC 9110): "bearer <jwt>" works, and the session token from it works on /users/me', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      const res = await t.http.post('/auth/setpassword').set('Authorization', `bearer ${verificationJwt}`).send({ password: GOOD_PASSWORD }).expect(200);
      await t.http.get('/users/me').set('Authorization', `BEARER ${res.body.data.token}`).expect(200);
    });

    it('E6 an access token is not a verification token → 400 INVALID_TOKEN', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      const access = (await d2(verificationJwt).expect(200)).body.data.token;
      expect((await d2(access).expect(400)).body).toEqual(INVALID_TOKEN);
    });

    it('E7 works once: the second use → 400 PASSWORD_ALREADY_SET (the user has one now, CONTRACT.md); a re-encoded copy → 400 INVALID_TOKEN', async () => {
      const { email, verificationJwt } = await signUpAndVerify(t, smtp);
      await d2(verificationJwt).expect(200);
      expect((await d2(verificationJwt, { password: 'Other-Pass-99!' }).expect(400)).body).toEqual(envelope('PASSWORD_ALREADY_SET', 'User already has a password set'));
      const [h, p, s] = verificationJwt.split('.');
      const reencoded = `${h}.${Buffer.from(Buffer.from(p, 'base64url').toString('utf8').replace('{', '{ ')).toString('base64url')}.${s}`;
      expect((await d2(reencoded, { password: 'Other-Pass-99!' }).expect(400)).body).toEqual(INVALID_TOKEN);
      await t.http.post('/auth/login').send({ email, password: 'Other-Pass-99!' }).expect(401);
      await loginAs(t, email, GOOD_PASSWORD);
    });

    it('E7/H1 20 parallel requests with one JWT: exactly one 200 and one session', async () => {
      const { email, verificationJwt } = await signUpAndVerify(t, smtp);
      const passwords = Array.from({ length: 20 }, (_, i) => `Parallel-${i}-Pass!`);
      const results = await Promise.all(passwords.map((password) => d2(verificationJwt, { password })));
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      // A loser that started after the winner committed may be told the password is already set instead.
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(400);
        expect(['INVALID_TOKEN', 'PASSWORD_ALREADY_SET']).toContain(r.body.error.code);
      }
      const snapshot = await userSecuritySnapshot(t, userIdOf(verificationJwt));
      expect(snapshot.credentials).toHaveLength(1);
      expect(snapshot.refresh_tokens).toHaveLength(1);
      await loginAs(t, email, passwords[results.indexOf(winners[0])]);
    });

    it('B4/E5 expires after 15 minutes', async () => {
      const early = await signUpAndVerify(t, smtp);
      const late = await signUpAndVerify(t, smtp);
      t.clock.advanceMinutes(14);
      await d2(early.verificationJwt).expect(200);
      t.clock.advanceMinutes(2);
      expect((await d2(late.verificationJwt).expect(400)).body).toEqual(INVALID_TOKEN);
    });

    it('E1 alg none (none, None, NONE) is refused', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      const payload = verificationJwt.split('.')[1];
      for (const alg of ['none', 'None', 'NONE']) {
        expect((await d2(`${b64url({ alg, typ: 'JWT' })}.${payload}.`).expect(400)).body).toEqual(INVALID_TOKEN);
      }
      await d2(verificationJwt).expect(200);
    });

    it('E2 other algorithms are refused, even HS256 with the old service secret', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      for (const algorithm of ['HS256', 'HS384', 'HS512'] as const) {
        expect((await d2(resign(verificationJwt, {}, { algorithm })).expect(400)).body).toEqual(INVALID_TOKEN);
      }
      await d2(verificationJwt).expect(200);
    });

    it('E3 a tampered payload or another secret is refused', async () => {
      const victim = await signUpAndVerify(t, smtp);
      const attacker = await signUpAndVerify(t, smtp);
      const [h, , s] = attacker.verificationJwt.split('.');
      const claims = { ...(jwt.decode(attacker.verificationJwt) as object), sub: userIdOf(victim.verificationJwt) };
      expect((await d2(`${h}.${b64url(claims)}.${s}`).expect(400)).body).toEqual(INVALID_TOKEN);
      expect((await d2(resign(victim.verificationJwt, {}, {}, 'another-secret-0123456789abcdef0123456789')).expect(400)).body).toEqual(INVALID_TOKEN);
      expect((await d2(await resignWithForeignKey(t, victim.verificationJwt)).expect(400)).body).toEqual(INVALID_TOKEN);
      expect((await userSecuritySnapshot(t, userIdOf(victim.verificationJwt))).credentials).toHaveLength(0);
    });

    it('E4 keys named in the header are ignored: an attacker jwk or a hostile kid → 400, never 500', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      const attackerKey = 'attacker-key-0123456789abcdef0123456789';
      const withJwk = resign(verificationJwt, {}, { header: { alg: 'HS256', jwk: { kty: 'oct', k: Buffer.from(attackerKey).toString('base64url') } } as jwt.JwtHeader }, attackerKey);
      expect((await d2(withJwk).expect(400)).body).toEqual(INVALID_TOKEN);
      // ES256 with the attacker's own key, its public JWK embedded in the header.
      const own = await generateKeyPair('ES256');
      const embedded = await new SignJWT(decodeJwt(verificationJwt)).setProtectedHeader({ alg: 'ES256', jwk: await exportJWK(own.publicKey) }).sign(own.privateKey);
      expect((await d2(embedded).expect(400)).body).toEqual(INVALID_TOKEN);
      for (const kid of ['../../x', "' OR 1=1--"]) {
        expect((await d2(resign(verificationJwt, {}, { keyid: kid }, attackerKey)).expect(400)).body).toEqual(INVALID_TOKEN);
      }
    });

    it('E5 a token without exp, or not yet valid (nbf), is refused', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      expect((await d2(await resignWithRing(t, verificationJwt, { exp: undefined })).expect(400)).body).toEqual(INVALID_TOKEN);
      const nbf = Math.floor(t.clock.nowMs() / 1000) + 60;
      expect((await d2(await resignWithRing(t, verificationJwt, { nbf })).expect(400)).body).toEqual(INVALID_TOKEN);
      await d2(verificationJwt).expect(200);
    });

    it('E6 a verification token under another typ (an access token\'s at+jwt, JWT, none) or with an iat in the future is refused', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      expect((jwt.decode(verificationJwt, { complete: true }) as jwt.Jwt).header.typ).toBe('email-verification+jwt');
      const now = Math.floor(t.clock.nowMs() / 1000);
      for (const forged of [
        await resignWithRing(t, verificationJwt, {}, { typ: 'at+jwt' }),
        await resignWithRing(t, verificationJwt, {}, { typ: 'JWT' }),
        await resignWithRing(t, verificationJwt, {}, { typ: undefined }),
        await resignWithRing(t, verificationJwt, { iat: now + 120 }),
      ]) expect((await d2(forged).expect(400)).body).toEqual(INVALID_TOKEN);
      await d2(await resignWithRing(t, verificationJwt)).expect(200);
    });

    it('E6 a wrong audience or issuer is refused, even correctly signed', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      expect((await d2(await resignWithRing(t, verificationJwt, { aud: 'pls:access' })).expect(400)).body).toEqual(INVALID_TOKEN);
      expect((await d2(await resignWithRing(t, verificationJwt, { iss: 'someone-else' })).expect(400)).body).toEqual(INVALID_TOKEN);
      // The real claims re-signed verbatim pass: the refusals above are about aud and iss only.
      expect((jwt.decode(verificationJwt) as jwt.JwtPayload).aud).toBe(VERIFICATION_AUDIENCE);
      expect((jwt.decode(verificationJwt) as jwt.JwtPayload).iss).toBe(t.config.publicUrl);
      await d2(await resignWithRing(t, verificationJwt)).expect(200);
    });

    it('a newer verification JWT voids the older one (B8)', async () => {
      const first = await signUpAndVerify(t, smtp);
      // The user has no password yet: signing up again resumes the sign-up with a fresh code.
      const second = await signUpAndVerify(t, smtp, { email: first.email });
      expect((await d2(first.verificationJwt).expect(400)).body).toEqual(INVALID_TOKEN);
      await d2(second.verificationJwt).expect(200);
    });
  });

  describe('the user behind the token', () => {
    it('400 PASSWORD_ALREADY_SET when the user already has a password', async () => {
      const { ownerId, ownerEmail } = await createAccount(t);
      await setPasswordWithInvitation(t, smtp, ownerEmail);
      // The public flows never hand such a user a verification code; issue one as the sign-up would.
      const code = await t.app.get(UnitOfWork).run((em) =>
        t.app.get(OneTimeTokensService).issue(em, { purpose: 'email_verification', userId: ownerId, ttlMs: 600_000, secret: { length: 8, alphabet: 'ABCDEFGHJKMNPQRSTUVWXYZ23456789' } }),
      );
      const verificationJwt = (await t.http.post('/auth/verify-email').send({ code }).expect(200)).body.data.token;
      const res = await d2(verificationJwt, { password: 'Another-Pass-1!' }).expect(400);
      expect(res.body).toEqual(envelope('PASSWORD_ALREADY_SET', 'User already has a password set'));
      await loginAs(t, ownerEmail, GOOD_PASSWORD);
    });

    it("404 when the token's user no longer exists", async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      await t.dataSource.getRepository(User).delete({ id: userIdOf(verificationJwt) });
      expect((await d2(verificationJwt).expect(404)).body).toEqual(envelope('USER_NOT_FOUND', 'User not found'));
    });

    it('B11 a deactivated user cannot set a password', async () => {
      const { verificationJwt } = await signUpAndVerify(t, smtp);
      await t.dataSource.getRepository(User).update({ id: userIdOf(verificationJwt) }, { isActive: false });
      expect((await d2(verificationJwt).expect(400)).body).toEqual(INVALID_TOKEN);
    });

    it('an account without password sign-in → 400 PASSWORD_LOGIN_DISABLED', async () => {
      const { accountId } = await createAccount(t, { policy: { passwordLogin: false }, selfSignUp: true });
      const { verificationJwt } = await signUpAndVerify(t, smtp, { account_id: accountId });
      expect((await d2(verificationJwt).expect(400)).body).toEqual(envelope('PASSWORD_LOGIN_DISABLED', 'Password sign-in is disabled for this account'));
    });
  });

  describe('bad requests get the D2 envelope, never a 500', () => {
    let verificationJwt: string;
    beforeAll(async () => {
      verificationJwt = (await signUpAndVerify(t, smtp)).verificationJwt;
    });

    it.each([
      ['no password', {}, ['Password is required']],
      ['a number', { password: 12345678 }, ['Password must be a string']],
      ['an array (G3)', { password: ['a', 'b'] }, ['Password must be a string']],
      ['null', { password: null }, ['Password is required']],
      ['an unknown field (G4)', { password: GOOD_PASSWORD, userId: 'x' }, ['userId is not an allowed field']],
    ])('%s → 400 VALIDATION_ERROR', async (_name, body, details) => {
      expect((await d2(verificationJwt, body).expect(400)).body).toEqual(envelope('VALIDATION_ERROR', 'Validation failed', details));
    });

    it('G2 malformed JSON → 400 INVALID_REQUEST', async () => {
      const res = await t.http.post('/auth/setpassword').set('Authorization', `Bearer ${verificationJwt}`).set('Content-Type', 'application/json').send('{"password":').expect(400);
      expect(res.body).toEqual(envelope('INVALID_REQUEST', 'The request body must be valid JSON'));
    });

    it('G1 a 1 MB body → 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await d2(verificationJwt, { password: 'x'.repeat(1_000_000) }).expect(413);
      expect(res.body).toEqual(envelope('PAYLOAD_TOO_LARGE', 'The request body is too large'));
    });

    it('G5 other methods → 404 NOT_FOUND', async () => {
      expect((await t.http.get('/auth/setpassword').expect(404)).body).toEqual(envelope('NOT_FOUND', 'Route not found'));
      for (const method of ['put', 'patch', 'delete'] as const) {
        const res = await t.http[method]('/auth/setpassword').set('Authorization', `Bearer ${verificationJwt}`).send({ password: GOOD_PASSWORD });
        expect([method, res.status, res.body]).toEqual([method, 404, envelope('NOT_FOUND', 'Route not found')]);
      }
    });

    it('503 SERVICE_UNAVAILABLE in the envelope when the database is down; the JWT still works afterwards (H3)', async () => {
      const { verificationJwt: fresh } = await signUpAndVerify(t, smtp);
      await t.dataSource.destroy();
      try {
        const res = await d2(fresh).expect(503);
        expect(res.body).toEqual(envelope('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable, please try again later'));
      } finally {
        await t.dataSource.initialize();
      }
      await d2(fresh).expect(200);
    });
  });
});

describeEachDatabase('D2 rate limiting', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ kind, env: { RATE_LIMIT_PER_MINUTE: '2' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('429 RATE_LIMITED in the D2 envelope', async () => {
    let last = await t.http.post('/auth/setpassword').send({ password: GOOD_PASSWORD });
    for (let i = 0; i < 3; i++) last = await t.http.post('/auth/setpassword').send({ password: GOOD_PASSWORD });
    expect(last.status).toBe(429);
    expect(last.body).toEqual(envelope('RATE_LIMITED', 'Too many requests, please try again later'));
  });
});
