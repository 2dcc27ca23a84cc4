import { ExpiryWarnings } from '../../src/features/password-expiry/expiry-warnings.service';
import { ADMIN_KEY, describeBrowser, expectAccessible, useBrowserSuite } from './support/browser';
import { api, FIRST_PASSWORD, step, userWithPassword, watchedPage } from './support/pages';

const DAY_MS = 86_400_000;

/**
 * Issue 20: the expiry warning's link, followed in Chromium. Without an account change address it opens
 * the service's "forgot password" page, which mails a reset code to the person.
 */
describeBrowser('the password expiry warning, followed in a browser', () => {
  const s = useBrowserSuite('expiry-warning');

  it('the warning\'s link opens the forgot-password page, which sends the person a reset email', async () => {
    const { accountId, email } = await userWithPassword(s.app, 'Expiring');
    const policy = await api(s.app, 'PUT', `/accounts/${accountId}/password-policy`, { maxAgeDays: 30 }, { 'X-Api-Key': ADMIN_KEY });
    expect(policy.status).toBe(200);
    // A password set after the policy changed expires in 30 days: set it again, then move to 3 days before.
    const reset = await api(s.app, 'POST', '/auth/login', { email, password: FIRST_PASSWORD });
    expect(reset.status).toBe(200);
    const me = await api(s.app, 'POST', '/users/me/password', { current_password: FIRST_PASSWORD, new_password: 'Expiring-Pass-42!' }, { Authorization: `Bearer ${reset.body.token.access_token}` });
    expect(me.status).toBe(200);
    s.app.t.clock.advance(27 * DAY_MS + 60_000);
    expect(await s.app.t.app.get(ExpiryWarnings).runOnce()).toBe(1);
    const warning = await s.app.mailTo(email, { subject: /expires in/i });
    expect(warning.link).toBe(s.app.url('/forgot-password'));

    const { page, problems } = await watchedPage(s);
    await page.goto(warning.link);
    await page.locator('#email').waitFor();
    await expect(page.locator('h1').innerText()).resolves.toMatch(/forgot|reset/i);
    await expectAccessible(page);
    await step(s, page, 'the forgot-password page from the warning');
    const since = s.app.smtp.messages.length;
    await page.locator('#email').fill(email);
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await step(s, page, 'check your email');
    const resetMail = await s.app.mailTo(email, { since, subject: /reset/i });
    expect(resetMail.link).toContain('/password-reset#code=');
    problems.expectNone();
  });
});
