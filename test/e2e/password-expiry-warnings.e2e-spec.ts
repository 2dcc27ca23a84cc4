import { Credential } from '../../src/core/password/credential.entity';
import { ExpiryWarnings } from '../../src/features/password-expiry/expiry-warnings.service';
import { MailService } from '../../src/core/mail/mail.service';
import { UnitOfWork } from '../../src/ground/database/unit-of-work';
import { Clock } from '../../src/ground/common/clock';
import { SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createUser, givePassword, GOOD_PASSWORD, loginAs, sql } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const DAY_MS = 86_400_000;

/**
 * CONTRACT.md "A change the user must make": with maxAgeDays set, each user is emailed once per
 * threshold of PASSWORD_EXPIRY_WARNING_DAYS (default 14,3) before the password expires.
 */
describeEachDatabase('password expiry warnings', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  const warnings = (email: string) => smtp.messages.filter((m) => m.to.includes(email) && /expires in/i.test(m.subject));
  const run = async () => {
    const queued = await t.app.get(ExpiryWarnings).runOnce();
    await t.flushMail();
    return queued;
  };
  async function expiringUser(maxAgeDays = 30, links?: Record<string, string>) {
    const { accountId } = await createAccount(t, { policy: { maxAgeDays } });
    if (links) await t.http.put(`/accounts/${accountId}/links`).set(admin).send(links).expect(200);
    const { userId, email } = await createUser(t, accountId);
    await givePassword(t, userId, GOOD_PASSWORD);
    const [{ expires_at }] = await sql<{ expires_at: string }>(t, 'SELECT expires_at FROM credentials WHERE user_id = $1', [userId]);
    return { accountId, userId, email, expiresAt: Number(expires_at) };
  }
  const moveTo = (ms: number) => t.clock.advance(ms - t.clock.nowMs());

  it('emails each threshold once per password (14 days, then 3), with the way to change it, and nothing before', async () => {
    const u = await expiringUser();
    moveTo(u.expiresAt - 15 * DAY_MS);
    await run();
    expect(warnings(u.email)).toHaveLength(0);

    moveTo(u.expiresAt - 14 * DAY_MS + 60_000);
    await run();
    await run();
    expect(warnings(u.email)).toHaveLength(1);
    const first = warnings(u.email)[0];
    expect(first.subject).toBe('Your password expires in 14 days');
    expect(first.text).toContain('https://id.example.test/forgot-password');
    expect(first.text).not.toMatch(/Code:/);

    moveTo(u.expiresAt - 3 * DAY_MS + 60_000);
    await run();
    await run();
    expect(warnings(u.email).map((m) => m.subject)).toEqual(['Your password expires in 14 days', 'Your password expires in 3 days']);
  });

  it('links to the account\'s change address when it has one (links.change_password), the "password changed" notice too', async () => {
    const u = await expiringUser(30, { change_password: 'https://app.acme.example/settings/password' });
    moveTo(u.expiresAt - 3 * DAY_MS + 60_000);
    await run();
    // Late for the 14-day threshold: only the nearer warning goes.
    expect(warnings(u.email)).toHaveLength(1);
    expect(warnings(u.email)[0].text).toContain('https://app.acme.example/settings/password');
    const session = await loginAs(t, u.email);
    await t.http.post('/users/me/password').set('Authorization', `Bearer ${session.access_token}`).send({ current_password: GOOD_PASSWORD, new_password: 'Brand-New-Pass-28!' }).expect(200);
    await t.flushMail();
    const notice = smtp.messages.filter((m) => m.to.includes(u.email) && /changed/i.test(m.subject)).at(-1)!;
    expect(notice.text).toContain('https://app.acme.example/settings/password');
    // If it was not the person, the way out needs no password: the reset page stays the main action.
    expect(notice.text).toContain('Reset my password:\nhttps://id.example.test/forgot-password');
  });

  it('a new password starts over; a disabled user and a password that never expires get nothing', async () => {
    const u = await expiringUser();
    moveTo(u.expiresAt - 3 * DAY_MS + 60_000);
    await run();
    expect(warnings(u.email)).toHaveLength(1);
    await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Renewed-Pass-99!', temporary: false }).expect(200);
    const [renewed] = await sql<{ expiry_warned_days: number | null; expires_at: string }>(t, 'SELECT expiry_warned_days, expires_at FROM credentials WHERE user_id = $1', [u.userId]);
    expect(renewed.expiry_warned_days).toBeNull();
    moveTo(Number(renewed.expires_at) - 14 * DAY_MS + 60_000);
    await run();
    expect(warnings(u.email)).toHaveLength(2);

    const disabled = await expiringUser();
    await t.http.patch(`/users/${disabled.userId}`).set(admin).send({ disabled: true }).expect(200);
    const never = await expiringUser(0);
    moveTo(disabled.expiresAt - 3 * DAY_MS + 60_000);
    await run();
    expect(warnings(disabled.email)).toHaveLength(0);
    expect(warnings(never.email)).toHaveLength(0);
  });

  it('a temporary password is not warned of (the next login changes it anyway)', async () => {
    const u = await expiringUser();
    await t.http.put(`/users/${u.userId}/password`).set(admin).send({ password: 'Temporary-Pass-7!', temporary: true }).expect(200);
    const [c] = await sql<{ expires_at: string }>(t, 'SELECT expires_at FROM credentials WHERE user_id = $1', [u.userId]);
    moveTo(Number(c.expires_at) - 3 * DAY_MS + 60_000);
    await run();
    expect(warnings(u.email)).toHaveLength(0);
  });

  it('a policy that starts to expire passwords warns of the ones already set', async () => {
    const u = await expiringUser(0);
    await t.http.put(`/accounts/${u.accountId}/password-policy`).set(admin).send({ maxAgeDays: 10 }).expect(200);
    await run();
    expect(warnings(u.email).map((m) => m.subject)).toEqual(['Your password expires in 10 days']);
  });

  it('with several instances each warning is sent once', async () => {
    const users = [await expiringUser(), await expiringUser(), await expiringUser()];
    moveTo(Math.max(...users.map((u) => u.expiresAt)) - 14 * DAY_MS + 60_000);
    const another = () => new ExpiryWarnings(t.dataSource.getRepository(Credential), t.config, t.app.get(UnitOfWork), t.app.get(MailService), t.app.get(Clock));
    const queued = await Promise.all([t.app.get(ExpiryWarnings).runOnce(), another().runOnce(), another().runOnce()]);
    await t.flushMail();
    expect(queued.reduce((a, b) => a + b, 0)).toBe(users.length);
    for (const u of users) expect(warnings(u.email)).toHaveLength(1);
  });
});
