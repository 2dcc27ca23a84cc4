import type { Page } from 'playwright-core';
import { ADMIN_KEY, describeBrowser, useBrowserSuite } from './support/browser';
import {
  api, createAccount, FIRST_PASSWORD, focusedId, invitationMail, loginStatus, NEW_PASSWORD, openLink, ruleStates, step, submitPasswordForm,
  typePasswords, userWithPassword, watchedPage,
} from './support/pages';

/**
 * The pages behind the email links under less friendly conditions: a mail scanner that fetches and
 * renders the link first, a 320 px screen driven by the keyboard, a German browser, and the live checks
 * of the page's script. Screenshots go to test-output/browser/pages-robustness.
 */
describeBrowser('Pages behind the email links: scanners, keyboard, small screens, German, live checks', () => {
  const s = useBrowserSuite('pages-robustness');

  async function resetMail(email: string) {
    const since = s.app.smtp.messages.length;
    expect((await api(s.app, 'POST', '/v1/auth/password-reset/request', { email })).status).toBe(200);
    return s.app.mailTo(email, { since, subject: /reset/i });
  }

  it('a mail scanner that fetches (GET, HEAD, code in the query too) and renders the reset link does not use it up', async () => {
    const { email } = await userWithPassword(s.app, 'Scanned');
    const mail = await resetMail(email);
    const queryLink = mail.link.replace('#', '?');
    expect(queryLink).toMatch(/\/password-reset\?code=\S+$/);

    // Plain HTTP, as a scanner or a link preview does it (fetch never sends the fragment; the query is sent).
    for (const url of [mail.link, queryLink, `${queryLink}&step=set&password=${NEW_PASSWORD}&confirm=${NEW_PASSWORD}`]) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(url, { method, redirect: 'manual' });
        expect(`${method} ${res.status}`).toBe(`${method} 200`);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        if (method === 'GET') expect(await res.text()).not.toContain(mail.code);
      }
    }

    // A scanner with a real browser: loads the page (its script opens the code) and waits, never submitting.
    const scanner = await watchedPage(s);
    await openLink(scanner.page, mail.link);
    await expect(scanner.page.locator('h1').innerText()).resolves.toBe('Choose a new password');
    await scanner.page.waitForTimeout(500);
    await step(s, scanner.page, 'scanner rendered the reset link');

    // Then the person opens the same link and resets.
    const person = await watchedPage(s);
    await openLink(person.page, mail.link);
    await expect(person.page.locator('h1').innerText()).resolves.toBe('Choose a new password');
    await typePasswords(person.page, NEW_PASSWORD);
    await submitPasswordForm(person.page);
    await expect(person.page.locator('h1').innerText()).resolves.toBe('Your password has been changed');
    await step(s, person.page, 'person reset after the scanner');
    expect(await loginStatus(s.app, email, NEW_PASSWORD)).toBe(200);
    expect(person.documents).toEqual(['200 GET /password-reset', '200 POST /password-reset', '200 POST /password-reset']);

    scanner.problems.expectNone();
    person.problems.expectNone();
    await scanner.page.context().close();
    await person.page.context().close();
  });

  it("an account's own link template with the code in the query still opens the service's page, and the code leaves the address bar", async () => {
    const { accountId, email } = await userWithPassword(s.app, 'Query Links');
    const template = `${s.app.baseUrl}/password-reset?code={code}`;
    expect((await api(s.app, 'PUT', `/accounts/${accountId}/links`, { reset: template }, { 'X-Api-Key': ADMIN_KEY })).status).toBe(200);
    const mail = await resetMail(email);
    expect(mail.link).toBe(template.replace('{code}', mail.code));
    const person = await watchedPage(s);
    await openLink(person.page, mail.link);
    await expect(person.page.locator('h1').innerText()).resolves.toBe('Choose a new password');
    expect(person.page.url()).toBe(`${s.app.baseUrl}/password-reset`);
    await typePasswords(person.page, NEW_PASSWORD);
    await submitPasswordForm(person.page);
    await expect(person.page.locator('h1').innerText()).resolves.toBe('Your password has been changed');
    person.problems.expectNone();
    await person.page.context().close();
  });

  it('on a 320 px wide screen: no horizontal scroll, Tab reaches password, confirm and submit in order, Enter submits', async () => {
    const { email } = await createAccount(s.app, 'Tiny Screens Incorporated International');
    const invitation = await invitationMail(s.app, email);
    const { page, problems } = await watchedPage(s, { viewport: { width: 320, height: 640 } });
    const noHorizontalScroll = async () => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);

    await page.goto(s.app.url('/set-password'));
    await noHorizontalScroll();
    await step(s, page, '320px code form');

    // The link pasted into this tab: only the fragment changes (no new load), the script still takes it.
    await page.goto(invitation.link);
    await page.locator('#password').waitFor();
    expect(page.url()).toBe(s.app.url('/set-password'));
    await noHorizontalScroll();
    await step(s, page, '320px password form');

    // From the top of the page, Tab by Tab.
    const order = await tabOrder(page, 12);
    const at = (id: string) => order.indexOf(id);
    expect(at('password')).toBeGreaterThan(-1);
    expect(at('password')).toBeLessThan(at('confirm'));
    expect(at('confirm')).toBeLessThan(at('submit'));
    expect(order.slice(0, at('password'))).toEqual(['skip link', 'email']);

    // Keyboard only: from the top again, Tab to the password, type, Tab, type, Enter.
    await page.reload();
    await page.locator('#password').waitFor();
    for (let i = 0; i < order.indexOf('password') + 1; i++) await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('password');
    await page.keyboard.type('short');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('confirm');
    await page.keyboard.type('short');
    await page.keyboard.press('Enter');
    await page.locator('#error-summary').waitFor();
    expect(await focusedId(page)).toBe('error-summary');
    await noHorizontalScroll();
    await step(s, page, '320px password form refused');

    // The summary's first link leads to the password field.
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('href'))).resolves.toBe('#password');
    await page.keyboard.press('Enter');
    expect(await focusedId(page)).toBe('password');
    await page.keyboard.type(FIRST_PASSWORD);
    await page.keyboard.press('Tab');
    await page.keyboard.type(FIRST_PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('.message').waitFor();
    await expect(page.locator('h1').innerText()).resolves.toBe('Your password is set');
    await noHorizontalScroll();
    await step(s, page, '320px success');

    expect(await loginStatus(s.app, email, FIRST_PASSWORD)).toBe(200);
    problems.expectNone();
    await page.context().close();
  });

  it('in German: a browser asking for de-DE gets the reset pages in German', async () => {
    const { email } = await userWithPassword(s.app, 'Müller & Söhne');
    const { page, problems } = await watchedPage(s, { locale: 'de-DE' });

    await page.goto(s.app.url('/forgot-password'));
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('de');
    await expect(page.locator('h1').innerText()).resolves.toBe('Passwort zurücksetzen');
    await step(s, page, 'german forgot form');

    const mail = await resetMail(email);
    await openLink(page, mail.link);
    await expect(page.locator('h1').innerText()).resolves.toBe('Wählen Sie ein neues Passwort');
    await expect(page.locator('header.site').innerText()).resolves.toBe('Müller & Söhne');
    await step(s, page, 'german reset password form');

    await typePasswords(page, 'kurz');
    await submitPasswordForm(page);
    await expect(page.locator('#error-summary h2').innerText()).resolves.toBe('Bitte prüfen Sie Ihre Eingaben');
    expect(await focusedId(page)).toBe('error-summary');
    await step(s, page, 'german reset password refused');

    await typePasswords(page, NEW_PASSWORD);
    await submitPasswordForm(page);
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('de');
    await step(s, page, 'german reset success');

    await openLink(page, mail.link);
    await expect(page.locator('h1').innerText()).resolves.toBe('Dieser Link ist abgelaufen oder wurde bereits verwendet');
    await step(s, page, 'german expired');

    expect(await loginStatus(s.app, email, NEW_PASSWORD)).toBe(200);
    problems.expectNone();
    await page.context().close();
  });

  it('live checks: the rules are ticked off as the person types, and a differing confirm is said at once', async () => {
    const { email } = await createAccount(s.app, 'Live Checks');
    const invitation = await invitationMail(s.app, email);
    const { page, problems } = await watchedPage(s);
    await openLink(page, invitation.link);

    const before = await ruleStates(page);
    expect(before.length).toBeGreaterThanOrEqual(4);
    // Before anything is typed only the upper length limit holds.
    expect(before.every((r) => (r.rule === 'maxLength' ? r.met && r.state === '(done)' : !r.met && r.state === '(not yet)'))).toBe(true);

    const password = page.locator('#password');
    await password.pressSequentially('brisk');
    expect((await ruleStates(page)).filter((r) => r.met).map((r) => r.value)).toEqual(['99', 'lower']);
    await password.pressSequentially('-Otter');
    await step(s, page, 'live rules partly met');
    await password.pressSequentially('-7');
    const after = await ruleStates(page);
    expect(after.filter((r) => !r.met)).toEqual([]);
    expect(after.every((r) => r.state === '(done)')).toBe(true);
    await expect(page.locator('#rules li.met').count()).resolves.toBe(after.length);

    const confirm = page.locator('#confirm');
    const message = page.locator('#confirm-error');
    await confirm.pressSequentially('brisk-');
    await expect(message.textContent()).resolves.toBe(''); // a beginning of the password is no mismatch yet
    await confirm.pressSequentially('X');
    await expect(message.innerText()).resolves.toBe('The two passwords do not match.');
    await expect(confirm.getAttribute('aria-invalid')).resolves.toBe('true');
    await step(s, page, 'live confirm mismatch');

    await confirm.fill('brisk-Otter-7');
    await expect(message.textContent()).resolves.toBe('');
    await expect(confirm.getAttribute('aria-invalid')).resolves.toBeNull();
    await step(s, page, 'live all rules met');

    // Deleting the digit unticks its rule again.
    await password.press('End');
    await password.press('Backspace');
    expect((await ruleStates(page)).filter((r) => !r.met).map((r) => r.value)).toEqual(['digit']);
    await expect(message.innerText()).resolves.toBe('The two passwords do not match.');
    problems.expectNone();
    await page.context().close();
  });
});

/** Presses Tab `count` times from the top of the page and names each element focused. */
async function tabOrder(page: Page, count: number): Promise<string[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  const order: string[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return 'body';
      if (el.classList.contains('skip')) return 'skip link';
      if (el.matches('button[type="submit"]')) return 'submit';
      return el.id || `${el.tagName.toLowerCase()}`;
    });
    if (name === 'body') break;
    order.push(name);
  }
  return order;
}
