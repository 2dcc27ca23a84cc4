import type { Page } from 'playwright-core';
import { ADMIN_KEY, describeBrowser, expectAccessible, useBrowserSuite } from './support/browser';
import {
  api, createAccount, FIRST_PASSWORD, invitationMail, openLink, ruleStates, step, submitPasswordForm, typePasswords, uniqueEmail,
  userWithPassword, watchedPage,
} from './support/pages';

/**
 * Issue 17, point 6: what a walk through the pages in Chromium found, each fixed and walked again.
 * Screenshots go to test-output/browser/pages-walk.
 */
describeBrowser('Pages behind the email links: the issue 17 walk', () => {
  const s = useBrowserSuite('pages-walk');

  /** The visible text of an email's HTML part, as a mail client shows it (nothing remote loaded); axe on it too. */
  async function mailText(html: string): Promise<string> {
    const page = await s.browser.newPage({ viewport: { width: 600, height: 900 } });
    try {
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html);
      await expectAccessible(page);
      return await page.locator('body').innerText();
    } finally {
      await page.context().close();
    }
  }

  /** The ids a field's aria-describedby names. */
  const describedBy = async (page: Page, id: string) => ((await page.locator(`#${id}`).getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);

  it('a refusal beside a field goes away as soon as the person edits that field (and only that field)', async () => {
    const { email } = await createAccount(s.app, 'Refusals');
    const invitation = await invitationMail(s.app, email);
    const { page, problems } = await watchedPage(s);
    await openLink(page, invitation.link);

    // Both fields refused: the password too short, the confirmation different.
    await typePasswords(page, 'short', 'shorter');
    await submitPasswordForm(page);
    await page.waitForLoadState('load');
    const passwordField = page.locator('.field', { has: page.locator('#password') });
    await expect(passwordField.locator('.field-error').count()).resolves.toBeGreaterThan(0);
    await expect(page.locator('#confirm-error').innerText()).resolves.toBe('The two passwords do not match.');
    await expect(page.locator('#error-summary li').count()).resolves.toBe((await passwordField.locator('.field-error').count()) + 1);
    await step(s, page, 'both fields refused');

    // Editing the password takes its refusals away: beside it, from its description, from the summary.
    await page.locator('#password').pressSequentially('L');
    await expect(passwordField.locator('.field-error').count()).resolves.toBe(0);
    await expect(passwordField.getAttribute('class')).resolves.toBe('field');
    await expect(page.locator('#password').getAttribute('aria-invalid')).resolves.toBeNull();
    expect(await describedBy(page, 'password')).toEqual(['rules']);
    await expect(page.locator('#error-summary li').allInnerTexts()).resolves.toEqual(['The two passwords do not match.']);
    // The confirmation's refusal stays until the confirmation is edited.
    await expect(page.locator('#confirm-error').innerText()).resolves.toBe('The two passwords do not match.');
    await expect(page.locator('#confirm').getAttribute('aria-invalid')).resolves.toBe('true');
    await step(s, page, 'password edited, its refusal gone');

    await page.locator('#confirm').pressSequentially('L');
    await expect(page.locator('#confirm-error').textContent()).resolves.toBe('');
    await expect(page.locator('#error-summary').count()).resolves.toBe(0);
    // The live check still speaks for itself: "L" is the start of "L", no mismatch yet.
    await expect(page.locator('#confirm').getAttribute('aria-invalid')).resolves.toBeNull();
    await step(s, page, 'confirmation edited, no refusal left');
    await expectAccessible(page);

    // The same on the email form and the code form.
    await page.goto(s.app.url('/forgot-password'));
    await page.locator('#email').fill('not-an-address');
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.locator('#email-error').waitFor();
    await page.waitForLoadState('load'); // the page's script is running
    await page.locator('#email').pressSequentially('x');
    await expect(page.locator('#email-error').count()).resolves.toBe(0);
    await expect(page.locator('#email').getAttribute('aria-invalid')).resolves.toBeNull();
    await expect(page.locator('#error-summary').count()).resolves.toBe(0);

    await page.goto(s.app.url('/password-reset'));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#code-error').waitFor();
    await page.waitForLoadState('load');
    await page.locator('#code').pressSequentially('1');
    await expect(page.locator('#code-error').count()).resolves.toBe(0);
    expect(await describedBy(page, 'code')).toEqual(['code-hint']);
    problems.expectNone();
    await page.context().close();
  });

  it('the success page links to the account\'s sign-in address (links.sign_in), and shows no link when none is set', async () => {
    const signIn = 'https://app.acme.example/sign-in';
    const email = uniqueEmail('owner');
    const created = await api(s.app, 'POST', '/accounts', { name: 'With Sign-in', owner: { email }, links: { sign_in: signIn } }, { 'X-Api-Key': ADMIN_KEY });
    expect(created.status).toBe(201);
    const { page, problems } = await watchedPage(s);
    await openLink(page, (await invitationMail(s.app, email)).link);
    await typePasswords(page, FIRST_PASSWORD);
    await submitPasswordForm(page);
    await expect(page.locator('h1').innerText()).resolves.toBe('Your password is set');
    const link = page.getByRole('link', { name: 'Sign in' });
    await expect(link.getAttribute('href')).resolves.toBe(signIn);
    // The keyboard reaches it.
    await link.focus();
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Sign in');
    await step(s, page, 'success with sign-in link');

    // An account without one, on a service without SIGN_IN_URL: the success page says it and offers no link.
    const other = await createAccount(s.app, 'Without Sign-in');
    await openLink(page, (await invitationMail(s.app, other.email)).link);
    await typePasswords(page, FIRST_PASSWORD);
    await submitPasswordForm(page);
    await expect(page.locator('h1').innerText()).resolves.toBe('Your password is set');
    await expect(page.getByRole('link', { name: 'Sign in' }).count()).resolves.toBe(0);
    await expect(page.locator('main a').count()).resolves.toBe(0);
    await step(s, page, 'success without sign-in link');
    problems.expectNone();
    await page.context().close();
  });

  it('the rules list ticks only what the script checks, and says which rules are checked on submit', async () => {
    const { email } = await createAccount(s.app, 'Rules');
    const { page, problems } = await watchedPage(s);
    await openLink(page, (await invitationMail(s.app, email)).link);
    const onSubmit = page.locator('#rules li:not([data-rule])');
    await expect(onSubmit.allInnerTexts()).resolves.toEqual(['not be a common or previously leaked password (checked when you submit)']);

    // A common password meets every rule the script checks: those are ticked, the list's common-password line is not.
    await typePasswords(page, 'P@ssw0rd');
    const states = await ruleStates(page);
    expect(states.every((r) => r.met && r.state === '(done)')).toBe(true);
    await expect(page.locator('#rules li.met').count()).resolves.toBe(states.length);
    await expect(onSubmit.evaluateAll((items) => items.map((li) => li.classList.contains('met') || li.querySelector('.rule-state') !== null))).resolves.toEqual([false]);
    const marker = await onSubmit.first().evaluate((li) => getComputedStyle(li, '::marker').content);
    expect(marker).not.toContain('✓');
    await step(s, page, 'common password typed, its rule left for the submit');

    // The submit checks it.
    await submitPasswordForm(page);
    await expect(page.locator('#error-summary').innerText()).resolves.toContain('This password is too common');
    await expect(onSubmit.evaluateAll((items) => items.map((li) => li.classList.contains('met')))).resolves.toEqual([false]);
    await step(s, page, 'common password refused on submit');
    problems.expectNone();
    await page.context().close();
  });

  it('no email or page asks a person to type a secret longer than 12 characters; a short one is still offered for typing', async () => {
    const { email } = await createAccount(s.app, 'Long Secrets');
    const invitation = await invitationMail(s.app, email);
    expect(invitation.code.length).toBeGreaterThan(12);
    const invitationText = await mailText(invitation.mail.html);
    expect(invitationText).not.toMatch(/enter this code/i);
    expect(invitationText).toContain('If the button does not work, copy this link into your browser:');
    expect(invitationText).toContain('If the page asks for the code, copy it from here and paste it in:');

    const { page, problems } = await watchedPage(s);
    for (const path of ['/set-password', '/account/reset']) {
      await page.goto(s.app.url(path));
      await expect(page.locator('main > p').first().innerText()).resolves.toBe('Open the link in the email we sent you to continue. If this page opened without it, paste the code from the email here.');
    }
    await step(s, page, 'recovery code form without its link');
    await page.goto(s.app.url('/account/recover'));
    await expect(page.getByRole('link', { name: /Already have a code/ }).count()).resolves.toBe(0);

    // A D5 code has 6 digits: its email and page offer to type it.
    await expect(api(s.app, 'POST', '/accounts/set-password', { token: invitation.code, password: FIRST_PASSWORD }).then((r) => r.status)).resolves.toBe(200);
    const since = s.app.smtp.messages.length;
    expect((await api(s.app, 'POST', '/v1/auth/password-reset/request', { email })).status).toBe(200);
    const reset = await s.app.mailTo(email, { since, subject: /reset/i });
    expect(reset.code).toHaveLength(6);
    expect(await mailText(reset.mail.html)).toContain('If the link does not work, enter this code on the page instead:');
    await page.goto(s.app.url('/password-reset'));
    await expect(page.locator('main > p').first().innerText()).resolves.toBe('Enter the code from your password reset email to continue.');

    // The D4 validation code is long: its email offers it for pasting only, like the invitation.
    const sinceRecovery = s.app.smtp.messages.length;
    expect((await api(s.app, 'POST', '/api/v2/account/recover/', { email })).status).toBe(200);
    const recovery = await s.app.mailTo(email, { since: sinceRecovery, subject: /recover/i });
    expect(recovery.code.length).toBeGreaterThan(12);
    const recoveryText = await mailText(recovery.mail.html);
    expect(recoveryText).not.toMatch(/enter this code/i);
    expect(recoveryText).toContain('If the page asks for the code, copy it from here and paste it in:');
    problems.expectNone();
    await page.context().close();
  });

  it('the reset and recovery emails greet the person by first name, like the invitation', async () => {
    const email = uniqueEmail('ada');
    expect((await api(s.app, 'POST', '/accounts', { name: 'Greetings', owner: { email, firstName: 'Ada' } }, { 'X-Api-Key': ADMIN_KEY })).status).toBe(201);
    const invitation = await invitationMail(s.app, email);
    expect(await mailText(invitation.mail.html)).toMatch(/^Hello Ada,/m);
    expect((await api(s.app, 'POST', '/accounts/set-password', { token: invitation.code, password: FIRST_PASSWORD })).status).toBe(200);

    const { page, problems } = await watchedPage(s);
    for (const [path, button, subject] of [['/forgot-password', 'Send reset email', /reset/i], ['/account/recover', 'Send recovery email', /recover/i]] as const) {
      const since = s.app.smtp.messages.length;
      await page.goto(s.app.url(path));
      await page.locator('#email').fill(email);
      await page.getByRole('button', { name: button }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      const mail = await s.app.mailTo(email, { since, subject });
      expect(mail.mail.text.split('\n')[0]).toBe('Hello Ada,');
      expect(await mailText(mail.mail.html)).toMatch(/^Hello Ada,/m);
    }
    problems.expectNone();
    await page.context().close();
  });

  it('"Check your email" offers another email once the cool-down has passed, and sends it', async () => {
    const { email } = await userWithPassword(s.app, 'Resend');
    const { page, problems } = await watchedPage(s);
    await page.clock.install();
    await page.goto(s.app.url('/forgot-password'));
    const since = s.app.smtp.messages.length;
    await page.locator('#email').fill(email);
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await page.waitForLoadState('load');
    const again = page.getByRole('button', { name: 'Send another email' });
    await expect(again.isVisible()).resolves.toBe(false);
    await expect(page.locator('#resend-note').innerText()).resolves.toBe('Nothing arrived? Check your spam folder. In 1 minute you can ask for another email here.');
    await step(s, page, 'check your email, cooling down');

    // The page's time moves only when the test moves it (screenshots and axe need it running: resumed after).
    await page.clock.pauseAt(Date.now() + 1_000);
    await page.clock.fastForward(45_000);
    await expect(again.isVisible()).resolves.toBe(false);
    await page.clock.fastForward(15_000);
    await page.clock.resume();
    await again.waitFor({ state: 'visible' });
    await expect(page.locator('#resend-note').innerText()).resolves.toBe('Still nothing? Check your spam folder, or ask for another email.');
    await step(s, page, 'check your email, another email offered');
    await expectAccessible(page);

    await again.click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain(`If an account exists for ${email}`);
    await s.app.t.flushMail();
    expect(s.app.smtp.messages.slice(since).filter((m) => m.to === email && /reset/i.test(m.subject))).toHaveLength(2);
    problems.expectNone();
    await page.context().close();
  });

  it('the forgot-password and account-recovery pages each say what they are for, and lead to each other', async () => {
    const { page, problems } = await watchedPage(s);
    await page.goto(s.app.url('/forgot-password'));
    const forgot = await page.locator('main').innerText();
    expect(forgot).toContain('Forgot your password?');
    expect(forgot).toContain('a link and a short code to choose a new password: open the link, or type the code in on any device. Both expire in 15 minutes.');
    await step(s, page, 'forgot password says what it is for');

    await page.getByRole('link', { name: 'Need more time? Recover your account instead, with a link that works for 1 hour.' }).click();
    await page.getByRole('heading', { name: 'Recover your account' }).waitFor();
    const recover = await page.locator('main').innerText();
    expect(recover).toContain('Locked out of your account?');
    expect(recover).toContain('It works for 1 hour and has no code to type in: open it on the device where you read your email.');
    await step(s, page, 'account recovery says what it is for');
    await expectAccessible(page);

    await page.getByRole('link', { name: /Reset your password with a short code/ }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    expect(page.url()).toBe(s.app.url('/forgot-password'));
    problems.expectNone();
    await page.context().close();
  });
});
