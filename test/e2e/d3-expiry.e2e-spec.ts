import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { createAccount, createApiKey, createUser, receiveMail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

/**
 * A14: the expiryDate D3 answers is real. Time moves with the MovableClock, never with sleeps; each
 * test moves it forward only, and computes every instant from the clock, so the order does not matter.
 */
const SEED_POLICY = { minLength: 8, maxLength: 30, requiredClasses: ['lower', 'upper', 'digit', 'special'], historySize: 5 };
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

describeEachDatabase('D3 password expiry (A14)', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;
  let key: string;

  const create = (userId: string, value: string) => t.http.post(`/v1/password/${userId}`).set('X-Api-Key', key).send({ password: { value } });
  const login = (email: string, password: string) => t.http.post('/auth/login').send({ email, password });
  const userWithPassword = async (policy: Record<string, unknown>, password: string) => {
    const { accountId } = await createAccount(t, { policy });
    const { userId, email } = await createUser(t, accountId);
    const res = await create(userId, password).expect(200);
    return { userId, email, expiryDate: res.body.passwordInfo.expiryDate as number };
  };

  withAppAndSmtp(kind, async (app, server) => {
    [t, smtp] = [app, server];
    ({ key } = await createApiKey(t, ['passwords:write']));
  });

  it('A14 login works until expiryDate; after it, the right password gets 403 PASSWORD_CHANGE_REQUIRED and a wrong one the usual 401 (no oracle)', async () => {
    const { email, expiryDate } = await userWithPassword({ ...SEED_POLICY, maxAgeDays: 30 }, 'Expiring-Pw-1');
    expect(expiryDate).toBeGreaterThan(t.clock.nowMs() + 29 * DAY_MS);
    expect((await login(email, 'Expiring-Pw-1')).status).toBe(200);

    t.clock.advance(expiryDate - t.clock.nowMs() - MINUTE_MS); // one minute before the expiry
    expect((await login(email, 'Expiring-Pw-1')).status).toBe(200);

    t.clock.advanceMinutes(2); // one minute after
    const expired = await login(email, 'Expiring-Pw-1');
    expect(expired.status).toBe(403);
    expect(expired.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(JSON.stringify(expired.body)).not.toMatch(/"token"|access_token/);

    const wrong = await login(email, 'Wrong-Password-1');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
    expect(JSON.stringify(wrong.body)).not.toMatch(/expir/i);
  });

  it('A14 after expiry the integrator can still replace the password (DELETE, then POST); the new one has a fresh expiryDate and logs in', async () => {
    const { userId, email, expiryDate } = await userWithPassword({ ...SEED_POLICY, maxAgeDays: 30 }, 'Expiring-Pw-2');
    t.clock.advance(expiryDate - t.clock.nowMs() + MINUTE_MS);
    expect((await login(email, 'Expiring-Pw-2')).body.code).toBe('PASSWORD_CHANGE_REQUIRED');

    await t.http.delete(`/v1/password/${userId}`).set('X-Api-Key', key).expect(204);
    expect((await create(userId, 'Expiring-Pw-2').expect(409)).body).toEqual({ errorCode: 'PASSWORD_KEY_ALREADY_IN_USE' }); // A13 still applies
    const before = t.clock.nowMs();
    const res = await create(userId, 'Renewed-Pw-3').expect(200);
    expect(res.body.passwordInfo.expiryDate).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(res.body.passwordInfo.expiryDate).toBeLessThanOrEqual(t.clock.nowMs() + 30 * DAY_MS);
    expect((await login(email, 'Renewed-Pw-3')).status).toBe(200);
    // The token D3 answered is a valid access token at the moved clock too.
    await t.http.get('/users/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
  });

  it('A14 after expiry the reset flow still works: a D5 code resets the password and login succeeds', async () => {
    const { email, expiryDate } = await userWithPassword({ ...SEED_POLICY, maxAgeDays: 30 }, 'Expiring-Pw-4');
    t.clock.advance(expiryDate - t.clock.nowMs() + MINUTE_MS);
    expect((await login(email, 'Expiring-Pw-4')).body.code).toBe('PASSWORD_CHANGE_REQUIRED');

    await t.http.post('/v1/auth/password-reset/request').send({ email }).expect(200);
    const code = extractCode(await receiveMail(t, smtp, email, (m) => /reset/i.test(m.subject)));
    await t.http.post('/v1/auth/password-reset/reset').send({ code, new_password: 'Reset-After-Expiry-5' }).expect(200);
    expect((await login(email, 'Reset-After-Expiry-5')).status).toBe(200);
  });

  it('maxAgeDays 0: expiryDate is 0 and the password still logs in ten years later', async () => {
    const { email, expiryDate } = await userWithPassword({ ...SEED_POLICY, maxAgeDays: 0 }, 'Forever-Pw-6');
    expect(expiryDate).toBe(0);
    t.clock.advanceDays(3650);
    expect((await login(email, 'Forever-Pw-6')).status).toBe(200);
  });
});
