import type { Browser } from 'playwright-core';
import { emailVerificationMail, invitationMail, MailContent, passwordChangedMail, recoveryMail, resetCodeMail } from '../../src/core/mail/mail-templates';
import { describeBrowser, expectAccessible, launchChromium, newPage, Screenshots } from './support/browser';

/**
 * The HTML part of every email, rendered as a mail client's web view would (Chromium, no network), on a
 * phone-sized screen: nothing overflows, not even a 200-character account name without a space or the
 * 76-character D4 validation code, and the message passes axe.
 */
describeBrowser('emails on a 320 px screen', () => {
  const LONG = 'W'.repeat(200);
  const D4_CODE = '5b0f8f4e-0a4b-4c7e-9d57-2a3c5e0c9b11.Xq3vT9bL2mK8pR5wZ0yC4nH7jF1dG6sA_e-QuY';
  const base = 'https://id.example.test';
  const mails: Array<[string, MailContent]> = [
    ['invitation', invitationMail({ accountName: LONG, token: 'Tk_9vXq-3bZ0aLpW8sYc1dEfGhJkMnOpQr5tUv7wXy9', link: `${base}/set-password#token=Tk_9vXq-3bZ0aLpW8sYc1dEfGhJkMnOpQr5tUv7wXy9`, ttlHours: 72, firstName: LONG })],
    ['verification-de', emailVerificationMail({ code: 'K7M2QX9P', link: `${base}/verify-email#code=K7M2QX9P`, ttlMinutes: 15, firstName: LONG, locale: 'de' })],
    ['recovery', recoveryMail({ code: D4_CODE, link: `${base}/account/reset#validation_code=${D4_CODE}`, ttlMinutes: 60 })],
    ['reset-code', resetCodeMail({ code: '048213', link: `${base}/password-reset#code=048213`, ttlMinutes: 15 })],
    ['password-set', passwordChangedMail({ publicUrl: base, changedAt: new Date('2026-11-30T21:05:00Z'), first: true, firstName: LONG })],
  ];
  const shots = new Screenshots('emails');
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(mails)('the %s email fits 320 px with nothing cut off, and passes axe', async (name, mail) => {
    const page = await newPage(browser, { viewport: { width: 320, height: 640 } });
    await page.route('**/*', (route) => route.abort()); // a mail client loads nothing remote
    await page.setContent(mail.html);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    const code = await page.locator('strong', { hasText: /./ }).first().boundingBox();
    if (name !== 'password-set') expect(code!.x + code!.width).toBeLessThanOrEqual(320);
    await shots.take(page, name, { fullPage: true });
    await expectAccessible(page);
    await page.context().close();
  });
});
