import { SUPPORTED_LOCALES } from '../../ground/common/locale';
import { InvalidTokenError, PasswordAlreadySetError, PasswordLoginDisabledError, RateLimitedError, StorageUnavailableError } from '../../ground/common/errors/domain-errors';
import { messagesFor } from '../../core/messages/messages';
import { DEFAULT_PASSWORD_POLICY, PasswordPolicy } from '../../core/password/password-policy';
import { loadAppConfig } from '../../ground/config/app-config';
import { FLOWS, pageOptions } from './page-flows';
import { PageViews, policyRules } from './page-views';

const HOSTILE = `<script>alert("x")</script>&'"`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&quot;';
const options = pageOptions(loadAppConfig({}));
const views = new PageViews('', options);
const policy: PasswordPolicy = { ...DEFAULT_PASSWORD_POLICY, minClasses: 3, historySize: 5, rejectUserInfo: true };

/** Every page state, rendered in one language. */
function everyPage(locale: string) {
  const m = messagesFor(locale);
  const ctx = { accountName: 'Acme', email: 'ada@example.com', policy, code: 'c0de' };
  return [
    ...Object.values(FLOWS).flatMap((spec) => [
      views.codeForm(spec, m), views.codeForm(spec, m, m.t('error.code.required')),
      views.passwordForm(spec, m, ctx), views.passwordForm(spec, m, ctx, { password: [m.t('error.password.required')], confirm: m.t('error.confirm.mismatch') }),
      views.done(spec, m, 'Acme'), views.done(spec, m, 'Acme', 'https://app.example.com/sign-in'), views.expired(spec, m),
    ]),
    views.requestForm('forgot', m), views.requestForm('recover', m, 'x', m.t('error.email.invalid')), views.sent('forgot', m, 'ada@example.com', 900_000),
    views.sent('recover', m, 'ada@example.com', 3_600_000),
    ...[new RateLimitedError(120), new PasswordAlreadySetError(), new PasswordLoginDisabledError(), new StorageUnavailableError(), new InvalidTokenError()].map((e) => views.failure(e, m)),
  ];
}

describe('page templates', () => {
  it.each(SUPPORTED_LOCALES)('every page in %s is a whole document in that language with no placeholder left and no inline script or style', (locale) => {
    for (const page of everyPage(locale)) {
      expect(page.html).toMatch(/^<!doctype html>\n<html lang="[a-z]{2}">/);
      expect(page.html).toContain(`<html lang="${locale}">`);
      expect(page.html).not.toMatch(/\{\w+\}/);
      expect(page.html).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+=/);
      expect(page.html).toMatch(/<h1>[^<]+<\/h1>/);
      expect(page.html).toContain('<main id="main"');
    }
  });

  it('shows an account named <script> (and any other value it is given) as text, never as markup', () => {
    const m = messagesFor('en');
    const ctx = { accountName: HOSTILE, email: `${HOSTILE}@example.com`, policy, code: `"><b>` };
    const pages = [views.passwordForm(FLOWS.invitation, m, ctx), views.done(FLOWS.invitation, m, HOSTILE), views.requestForm('forgot', m, HOSTILE, 'x'), views.sent('forgot', m, HOSTILE, 60_000)];
    for (const { html } of pages) {
      expect(html).not.toContain('<script>alert');
      expect(html).toContain(ESCAPED);
    }
    expect(pages[0].html).toContain('value="&quot;&gt;&lt;b&gt;"');
    expect(pages[0].html).not.toContain('<b>');
  });

  it('labels every input and ties every refusal to its field', () => {
    const m = messagesFor('en');
    const page = views.passwordForm(FLOWS.reset, m, { accountName: null, email: 'a@b.c', policy, code: 'c' }, { password: ['one', 'two'], confirm: 'three' }).html;
    for (const id of [...page.matchAll(/<input id="([^"]+)"/g)].map((x) => x[1])) expect(page).toContain(`<label for="${id}">`);
    expect(page).toMatch(/<input id="password"[^>]*aria-describedby="rules password-error-0 password-error-1"[^>]*aria-invalid="true"/);
    expect(page).toMatch(/<input id="confirm"[^>]*aria-describedby="confirm-error"[^>]*aria-invalid="true"/);
    expect(page).toMatch(/role="alert"[^>]*>\s*<h2 id="error-summary-title">There is a problem<\/h2>/);
  });

  it('lists the rules of the policy, with what the script needs to check each, and history only when replacing', () => {
    const m = messagesFor('en');
    const initial = policyRules(m, policy, 'initial').map((r) => r.text);
    expect(initial).toEqual([
      'be at least 8 characters long', 'be at most 99 characters long', 'contain a lowercase letter', 'contain an uppercase letter', 'contain a digit',
      'contain a symbol or space, such as ! ? # or %', 'contain at least 3 of these: lowercase letters, uppercase letters, digits, symbols',
      'not be a common or previously leaked password (checked when you submit)', 'not contain your name or email address (checked when you submit)',
    ]);
    expect(policyRules(m, policy, 'replace').map((r) => r.text)).toContain('not be one of your last 5 passwords (checked when you submit)');
    expect(policyRules(m, policy, 'initial')[0].check).toEqual({ rule: 'minLength', value: 8 });
  });

  it('says of every rule the script cannot check that it is checked on submit, and of no other', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const m = messagesFor(locale);
      const lines = policyRules(m, policy, 'replace');
      for (const line of lines) expect({ text: line.text, onSubmit: line.text.endsWith(m.t('rules.onSubmit')) }).toEqual({ text: line.text, onSubmit: !line.check });
      expect(lines.filter((l) => !l.check)).toHaveLength(3);
    }
  });

  it('the success page links to the sign-in address when there is one, and to nothing else', () => {
    const m = messagesFor('en');
    const withLink = views.done(FLOWS.invitation, m, 'Acme', 'https://app.example.com/sign-in?from=a&b=c').html;
    expect(withLink).toContain('<a class="button" href="https://app.example.com/sign-in?from=a&amp;b=c">Sign in</a>');
    expect(views.done(FLOWS.reset, m, 'Acme', null).html).not.toMatch(/<a class="button"/);
    // no other link on either page (the in-page skip link to #main aside)
    const links = (html: string) => [...html.matchAll(/<a [^>]*href="([^"]*)"/g)].map((x) => x[1]).filter((href) => !href.startsWith('#'));
    expect(links(withLink)).toEqual(['https://app.example.com/sign-in?from=a&amp;b=c']);
    expect(links(views.done(FLOWS.reset, m, 'Acme', null).html)).toEqual([]);
  });

  it('asks a person to type only a short code: a long one is linked or pasted, and no page offers to take it typed in', () => {
    const m = messagesFor('en');
    expect(views.codeForm(FLOWS.reset, m).html).toContain('Enter the code from your password reset email to continue.');
    expect(views.codeForm(FLOWS.verification, m).html).toContain('Enter the verification code from your email to continue.');
    for (const spec of [FLOWS.invitation, FLOWS.recovery]) {
      const html = views.codeForm(spec, m).html;
      expect(html).toContain('Open the link in the email we sent you to continue. If this page opened without it, paste the code from the email here.');
      expect(html).not.toMatch(/Enter the (invitation )?code/);
    }
    // Recovery codes are long: neither its request page nor its "Check your email" offers a page to type one in.
    for (const html of [views.requestForm('recover', m).html, views.sent('recover', m, 'a@b.c', 3_600_000).html]) expect(html).not.toContain('Already have a code?');
    for (const html of [views.requestForm('forgot', m).html, views.sent('forgot', m, 'a@b.c', 900_000).html]) expect(html).toContain('href="/password-reset">Already have a code?');
    // A D5 code configured longer than 12 characters is no longer offered for typing either.
    const longCodes = new PageViews('', pageOptions(loadAppConfig({ RESET_CODE_LENGTH: '16' })));
    expect(longCodes.codeForm(FLOWS.reset, m).html).toContain('paste the code from the email here');
    expect(longCodes.requestForm('forgot', m).html).not.toContain('Already have a code?');
    expect(longCodes.requestForm('forgot', m).html).toContain('It expires in 15 minutes.');
    expect(longCodes.requestForm('recover', m).html).not.toContain('short code you can type in');
  });

  it('forgot password and account recovery each say what they are for, and point to the other', () => {
    const m = messagesFor('en');
    const forgot = views.requestForm('forgot', m).html;
    const recover = views.requestForm('recover', m).html;
    expect(forgot).toContain('Forgot your password?');
    expect(forgot).toContain('a link and a short code to choose a new password: open the link, or type the code in on any device. Both expire in 15 minutes.');
    expect(forgot).toContain('<a href="/account/recover">Need more time? Recover your account instead, with a link that works for 1 hour.</a>');
    expect(recover).toContain('Locked out of your account?');
    expect(recover).toContain('It works for 1 hour and has no code to type in');
    expect(recover).toContain('<a href="/forgot-password">Reading your email on another device? Reset your password with a short code you can type in instead.</a>');
  });

  it('"Check your email" carries the form for another email to the same address, with the cool-down for the script', () => {
    const html = views.sent('forgot', messagesFor('en'), 'ada@example.com', 900_000).html;
    expect(html).toMatch(/<form method="post" action="\/forgot-password" id="resend" data-cooldown="60" novalidate>/);
    expect(html).toContain('<input type="hidden" name="email" value="ada@example.com">');
    expect(html).toContain('data-wait="Nothing arrived? Check your spam folder. In 1 minute you can ask for another email here."');
    expect(html).toContain('<button type="submit">Send another email</button>');
    expect(views.sent('recover', messagesFor('en'), 'ada@example.com', 900_000).html).toContain('action="/account/recover" id="resend"');
  });

  it('builds links and asset URLs under the path of PUBLIC_URL', () => {
    const page = new PageViews('/id', options).codeForm(FLOWS.reset, messagesFor('en')).html;
    expect(page).toContain('action="/id/password-reset"');
    expect(page).toContain('src="/id/assets/pages.js"');
    expect(page).toContain('href="/id/forgot-password"');
  });

  it('answers a failure with the right status', () => {
    const m = messagesFor('en');
    expect(views.failure(new RateLimitedError(61), m).status).toBe(429);
    expect(views.failure(new RateLimitedError(61), m).html).toContain('Try again in 2 minutes.');
    expect(views.failure(new StorageUnavailableError(), m).status).toBe(503);
    expect(views.failure(new InvalidTokenError(), m, FLOWS.invitation).html).toContain('ask the person who invited you');
  });
});
