import { describeBrowser, useBrowserSuite } from './support/browser';
import {
  api, createAccount, FIRST_PASSWORD, focusedId, invitationMail, loginStatus, NEW_PASSWORD, openLink, ruleStates, step, submitPasswordForm,
  typePasswords, uniqueEmail, userWithPassword, watchedPage,
} from './support/pages';

/**
 * The pages behind the email links, as a person uses them in Chromium: every flow starts from the real
 * email caught by the SMTP test server. Every page state is screenshotted (test-output/browser/pages)
 * and checked with axe; no page may violate its CSP, log a console error or load from another origin.
 */
describeBrowser('Pages behind the email links', () => {
  const s = useBrowserSuite('pages');

  it('invitation: the link shows the account and its rules, a refusal is shown beside the field, then the password is set', async () => {
    const { email } = await createAccount(s.app, 'Acme');
    const invitation = await invitationMail(s.app, email);
    expect(invitation.link).toMatch(new RegExp(`^${s.app.baseUrl}/set-password#token=`));

    const { page, problems, documents } = await watchedPage(s);
    await openLink(page, invitation.link);
    // The script took the token out of the address bar (and the history) before posting it.
    expect(page.url()).not.toContain('#');
    expect(page.url()).not.toContain(invitation.code);
    expect(page.url()).toBe(s.app.url('/set-password'));
    await expect(page.locator('header.site').innerText()).resolves.toBe('Acme');
    await expect(page.locator('main').innerText()).resolves.toContain('You have been invited to Acme.');
    await expect(page.locator('#email').inputValue()).resolves.toBe(email);
    await expect(page.locator('#rules').innerText()).resolves.toContain('be at least 8 characters long');
    await step(s, page, 'invitation password form');

    await typePasswords(page, 'short');
    // Too short, no uppercase letter, no digit: unmet; lowercase: met.
    const typed = Object.fromEntries((await ruleStates(page)).map((r) => [r.rule === 'class' ? r.value : r.rule, r.met]));
    expect(typed).toMatchObject({ minLength: false, maxLength: true, lower: true, upper: false, digit: false });
    await expect(page.locator('#rules li[data-rule="minLength"] .rule-state').textContent()).resolves.toBe('(not yet)');
    await step(s, page, 'invitation refused password typed');

    await submitPasswordForm(page);
    const passwordField = page.locator('.field', { has: page.locator('#password') });
    await expect(passwordField.locator('.field-error').allInnerTexts()).resolves.toContain('The password is too short: use at least 8 characters.');
    await expect(page.locator('#password').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.locator('#error-summary').getAttribute('role')).resolves.toBe('alert');
    await expect(page.locator('#error-summary').innerText()).resolves.toContain('The password is too short');
    expect(await focusedId(page)).toBe('error-summary');
    // The refused password is not sent back in the page.
    await expect(page.content()).resolves.not.toContain('value="short"');
    await step(s, page, 'invitation password refused');

    await typePasswords(page, FIRST_PASSWORD);
    await submitPasswordForm(page);
    await expect(page.locator('h1').innerText()).resolves.toBe('Your password is set');
    await expect(page.locator('.message').getAttribute('role')).resolves.toBe('status');
    await step(s, page, 'invitation success');

    expect(await loginStatus(s.app, email, FIRST_PASSWORD)).toBe(200);
    // The link (200), the script's open (200), the refusal (400), the success (200).
    expect(documents).toEqual(['200 GET /set-password', '200 POST /set-password', '400 POST /set-password', '200 POST /set-password']);
    problems.expectNone();
    await page.context().close();
  });

  it('forgot password: the form sends a reset email, its link resets the password; the old one stops working', async () => {
    const { email } = await userWithPassword(s.app, 'Globex');
    const { page, problems } = await watchedPage(s);

    await page.goto(s.app.url('/forgot-password'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Reset your password');
    await step(s, page, 'forgot form');

    // An address that is not one is refused beside the field, with the summary focused.
    await page.locator('#email').fill('not-an-address');
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.locator('#error-summary').waitFor();
    await expect(page.locator('#email-error').innerText()).resolves.toBe('Enter an email address in the form name@example.com.');
    expect(await focusedId(page)).toBe('error-summary');
    await step(s, page, 'forgot form refused');

    const since = s.app.smtp.messages.length;
    await page.locator('#email').fill(email);
    await page.getByRole('button', { name: 'Send reset email' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain(`If an account exists for ${email}`);
    await step(s, page, 'forgot sent page');

    const mail = await s.app.mailTo(email, { since, subject: /reset/i });
    expect(mail.link).toMatch(new RegExp(`^${s.app.baseUrl}/password-reset#code=`));
    await openLink(page, mail.link);
    expect(page.url()).toBe(s.app.url('/password-reset'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Choose a new password');
    await step(s, page, 'reset password form');

    await typePasswords(page, NEW_PASSWORD);
    await submitPasswordForm(page);
    await expect(page.locator('h1').innerText()).resolves.toBe('Your password has been changed');
    await step(s, page, 'reset success');

    expect(await loginStatus(s.app, email, FIRST_PASSWORD)).toBe(401);
    expect(await loginStatus(s.app, email, NEW_PASSWORD)).toBe(200);
    problems.expectNone();
    await page.context().close();
  });

  it('account recovery (D4): the recovery email link resets the password', async () => {
    const { email } = await userWithPassword(s.app, 'Initech');
    const { page, problems } = await watchedPage(s);

    await page.goto(s.app.url('/account/recover'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Recover your account');
    await step(s, page, 'recover form');
    const since = s.app.smtp.messages.length;
    await page.locator('#email').fill(email);
    await page.getByRole('button', { name: 'Send recovery email' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    await step(s, page, 'recover sent page');

    const mail = await s.app.mailTo(email, { since, subject: /recover/i });
    expect(mail.link).toMatch(new RegExp(`^${s.app.baseUrl}/account/reset#validation_code=`));
    expect(mail.code).toHaveLength(76);
    expect(new URL(mail.link).hash).toBe(`#validation_code=${mail.code}`);
    await openLink(page, mail.link);
    expect(page.url()).toBe(s.app.url('/account/reset'));
    await expect(page.locator('input[type="hidden"][name="validation_code"]').inputValue()).resolves.toBe(mail.code);
    await step(s, page, 'recovery password form');

    await typePasswords(page, NEW_PASSWORD);
    await submitPasswordForm(page);
    await expect(page.locator('h1').innerText()).resolves.toBe('Your password has been changed');
    await step(s, page, 'recovery success');

    expect(await loginStatus(s.app, email, NEW_PASSWORD)).toBe(200);
    problems.expectNone();
    await page.context().close();
  });

  it('verification: the sign-up email link verifies the address and sets the first password', async () => {
    const email = uniqueEmail('signup');
    const since = s.app.smtp.messages.length;
    const signup = await api(s.app, 'POST', '/auth/signup', { email, firstName: 'Vera', lastName: 'Quill' });
    expect(signup.status).toBe(201);
    const mail = await s.app.mailTo(email, { since, subject: /verify/i });
    expect(mail.link).toMatch(new RegExp(`^${s.app.baseUrl}/verify-email#code=`));

    const { page, problems } = await watchedPage(s);
    await openLink(page, mail.link);
    expect(page.url()).toBe(s.app.url('/verify-email'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Verify your email address');
    await expect(page.locator('#email').inputValue()).resolves.toBe(email);
    await step(s, page, 'verification password form');

    // The second field differs: refused beside it, nothing is spent.
    await typePasswords(page, FIRST_PASSWORD, `${FIRST_PASSWORD}!`);
    await submitPasswordForm(page);
    await expect(page.locator('#confirm-error').innerText()).resolves.toBe('The two passwords do not match.');
    await step(s, page, 'verification confirm mismatch refused');

    await typePasswords(page, FIRST_PASSWORD);
    await submitPasswordForm(page);
    await expect(page.locator('h1').innerText()).resolves.toBe('Your email address is verified and your password is set');
    await step(s, page, 'verification success');

    expect(await loginStatus(s.app, email, FIRST_PASSWORD)).toBe(200);
    problems.expectNone();
    await page.context().close();
  });

  it('a used link ends on "this link has expired or was already used", with the way to a new email for resets', async () => {
    const { email } = await createAccount(s.app, 'Umbrella');
    const invitation = await invitationMail(s.app, email);
    expect((await api(s.app, 'POST', '/accounts/set-password', { token: invitation.code, password: FIRST_PASSWORD })).status).toBe(200);

    const { page, problems, documents } = await watchedPage(s);
    await openLink(page, invitation.link);
    expect(page.url()).not.toContain('#');
    await expect(page.locator('h1').innerText()).resolves.toBe('This link has expired or was already used');
    expect(documents).toEqual(['200 GET /set-password', '400 POST /set-password']);
    await expect(page.locator('main').innerText()).resolves.toContain('ask the person who invited you for a new invitation.');
    await expect(page.getByRole('link', { name: 'Request a new email' }).count()).resolves.toBe(0);
    await step(s, page, 'invitation expired');

    // A D5 link used once already.
    const since = s.app.smtp.messages.length;
    expect((await api(s.app, 'POST', '/v1/auth/password-reset/request', { email })).status).toBe(200);
    const reset = await s.app.mailTo(email, { since, subject: /reset/i });
    expect((await api(s.app, 'POST', '/v1/auth/password-reset/reset', { code: reset.code, new_password: NEW_PASSWORD })).status).toBe(200);
    await openLink(page, reset.link);
    await expect(page.locator('h1').innerText()).resolves.toBe('This link has expired or was already used');
    const again = page.getByRole('link', { name: 'Request a new email' });
    await expect(again.getAttribute('href')).resolves.toBe('/forgot-password');
    await step(s, page, 'reset expired');

    await again.click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    expect(page.url()).toBe(s.app.url('/forgot-password'));
    problems.expectNone();
    await page.context().close();
  });

  it('the code form (a link opened without its fragment, or with script off) asks for the code and takes it typed in', async () => {
    const { email } = await createAccount(s.app, 'Hooli');
    const invitation = await invitationMail(s.app, email);
    const { page, problems } = await watchedPage(s);

    await page.goto(s.app.url('/set-password'));
    await expect(page.locator('h1').innerText()).resolves.toBe('Choose your password');
    await expect(page.getByLabel('Invitation code').inputValue()).resolves.toBe('');
    await step(s, page, 'code form');

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#code-error').waitFor();
    await expect(page.locator('#code-error').innerText()).resolves.toBe('Enter the code from the email.');
    await step(s, page, 'code form refused');

    await page.getByLabel('Invitation code').fill(invitation.code);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('#password').waitFor();
    await expect(page.locator('header.site').innerText()).resolves.toBe('Hooli');
    problems.expectNone();
    await page.context().close();

    // With script off the link's fragment is never read: the emailed link shows the same form, and a plain submit takes the code.
    const noScript = await watchedPage(s, { javaScriptEnabled: false });
    await noScript.page.goto(invitation.link);
    await expect(noScript.page.getByLabel('Invitation code').inputValue()).resolves.toBe('');
    await s.shots.take(noScript.page, 'code form with script off'); // no axe here: it runs as a script
    await noScript.page.getByLabel('Invitation code').fill(invitation.code);
    await noScript.page.getByRole('button', { name: 'Continue' }).click();
    await noScript.page.locator('#password').waitFor();
    await expect(noScript.page.locator('header.site').innerText()).resolves.toBe('Hooli');
    noScript.problems.expectNone();
    await noScript.page.context().close();
  });
});
