import { UnitOfWork } from '../../src/ground/database/unit-of-work';
import { PasswordHistoryEntry } from '../../src/core/password/password-history.entity';
import { User } from '../../src/core/entities/user.entity';
import { UsersService } from '../../src/features/users/users.service';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { createAccount, createApiKey, createUser, latestInvitationToken, latestMail, loginAs, setPasswordWithInvitation, signUpAndVerify } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/**
 * A13 across dialects: one history per user, whichever dialect set each password. The user's
 * passwords are set in turn through D1, D5, D4, D3 and D2; then every dialect refuses each of the
 * last 5 in its own words and accepts the 6th-oldest. "The last 5" is the current password and the
 * 4 newest history entries (or, once D3 has removed the password, the 5 newest history entries).
 */
const POLICY = { minLength: 8, maxLength: 30, requiredClasses: ['lower', 'upper', 'digit', 'special'], historySize: 5 };
const P = ['Amber-Falcon-71', 'Brisk-Harbor-72', 'Cobalt-Meadow-73', 'Dusky-Lantern-74', 'Ember-Quarry-75', 'Frost-Willow-76'];

describeEachDatabase('password history is shared by every dialect (A13)', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;
  let apiKey: string;

  withAppAndSmtp(kind, async (app, server) => {
    [t, smtp] = [app, server];
    ({ key: apiKey } = await createApiKey(t, ['passwords:write']));
  });

  const d1 = (token: string, password: string) => t.http.post('/accounts/set-password').send({ token, password });
  const d2 = (jwt: string, password: string) => t.http.post('/auth/setpassword').set('Authorization', `Bearer ${jwt}`).send({ password });
  const d3 = (userId: string, value: string) => t.http.post(`/v1/password/${userId}`).set('X-Api-Key', apiKey).send({ password: { value } });
  const d3Delete = (userId: string) => t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', apiKey).expect(204);
  const d4 = (validation_code: string, password: string) => t.http.post('/api/v2/account/reset/').send({ validation_code, password });
  const d5 = (code: string, new_password: string) => t.http.post('/v1/auth/password-reset/reset').send({ code, new_password });

  async function d4Code(email: string): Promise<string> {
    const since = smtp.messages.length;
    await t.http.post('/api/v2/account/recover/').send({ email }).expect(200);
    return extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Recover your account', since));
  }
  async function d5Code(email: string): Promise<string> {
    const since = smtp.messages.length;
    await t.http.post('/v1/auth/password-reset/request').send({ email }).expect(200);
    return extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Your password reset code', since));
  }
  /** A fresh invitation for a user without a password (the admin API invites only new users). */
  async function reinvite(userId: string, email: string): Promise<string> {
    const since = smtp.messages.length;
    const user = await t.dataSource.getRepository(User).findOneByOrFail({ id: userId });
    await t.app.get(UnitOfWork).run((em) => t.app.get(UsersService).invite(em, user, { name: 'History Inc', links: null }));
    return latestInvitationToken(t, smtp, email, since);
  }

  it('A13 passwords set through D1, D5, D4, D3 and D2 form one history: each dialect refuses each of the last 5; D4, D3 and D1 accept the 6th-oldest', async () => {
    const { accountId } = await createAccount(t, { policy: POLICY, name: 'History Inc' });
    const { userId, email } = await createUser(t, accountId);

    // P1..P6, each through another dialect.
    await setPasswordWithInvitation(t, smtp, email, P[0]); // D1
    await d5(await d5Code(email), P[1]).expect(200); // D5
    await d4(await d4Code(email), P[2]).expect(200); // D4
    await d3Delete(userId);
    await d3(userId, P[3]).expect(200); // D3
    await d3Delete(userId);
    await d2((await signUpAndVerify(t, smtp, { email })).verificationJwt, P[4]).expect(200); // D2, resuming the sign-up
    t.clock.advanceMinutes(16); // a new window for the per-address limit on recovery mail (3 per 15 minutes)
    await d5(await d5Code(email), P[5]).expect(200); // D5

    // Current P6, history P5..P1: the last 5 are P2..P6, in every dialect. A refusal leaves the code usable.
    const lastFive = P.slice(1);
    const d5code = await d5Code(email);
    for (const p of lastFive) {
      expect((await d5(d5code, p).expect(400)).body).toEqual({ error: 'password must not match any of your last 5 passwords' });
    }
    const d4code = await d4Code(email);
    for (const p of lastFive) {
      expect((await d4(d4code, p).expect(400)).body).toEqual({ password: ['This password must not match any of your last 5 passwords.'] });
    }
    await d4(d4code, P[0]).expect(200); // the 6th-oldest

    // Current P1, history P6..P2. D3 removes P1 (into history): the last 5 are P1, P6, P5, P4, P3; P2 is the 6th-oldest.
    await d3Delete(userId);
    for (const p of [P[0], P[5], P[4], P[3], P[2]]) {
      expect((await d3(userId, p).expect(409)).body).toEqual({ errorCode: 'PASSWORD_KEY_ALREADY_IN_USE' });
    }
    await d3(userId, P[1]).expect(200);

    // Current P2; removed again: the last 5 are P2, P1, P6, P5, P4 for D2 and D1; P3 is the 6th-oldest.
    await d3Delete(userId);
    const { verificationJwt } = await signUpAndVerify(t, smtp, { email });
    const invitation = await reinvite(userId, email);
    for (const p of [P[1], P[0], P[5], P[4], P[3]]) {
      expect((await d2(verificationJwt, p).expect(400)).body).toEqual({
        success: false,
        error: { code: 'VALIDATION_ERROR', message: 'Password validation failed', details: ['Password must not match any of your last 5 passwords'] },
      });
      expect((await d1(invitation, p).expect(400)).body).toEqual({ error: 'Password must not match any of your last 5 passwords.' });
    }
    await d1(invitation, P[2]).expect(200);
    await loginAs(t, email, P[2]);
  });

  it('keeps the newest 24 history entries of a user and drops older ones, even under a policy with historySize 0', async () => {
    const { accountId } = await createAccount(t, { policy: { ...POLICY, historySize: 0 }, name: 'Long History Inc' });
    const { userId } = await createUser(t, accountId);
    const history = () => t.dataSource.getRepository(PasswordHistoryEntry).find({ where: { userId }, order: { seq: 'ASC' } });
    for (let i = 1; i <= 27; i++) {
      await d3(userId, `Rolling-Password-${i}!`).expect(200);
      await d3Delete(userId);
      if (i === 24) expect((await history()).map((h) => h.seq)).toEqual(Array.from({ length: 24 }, (_, k) => k + 1));
    }
    expect((await history()).map((h) => h.seq)).toEqual(Array.from({ length: 24 }, (_, k) => k + 4));
  });
});
