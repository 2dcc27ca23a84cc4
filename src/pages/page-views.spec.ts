import { SUPPORTED_LOCALES } from '../common/locale';
import { InvalidTokenError, PasswordAlreadySetError, PasswordLoginDisabledError, RateLimitedError, StorageUnavailableError } from '../common/errors/domain-errors';
import { messagesFor } from '../messages/messages';
import { DEFAULT_PASSWORD_POLICY, PasswordPolicy } from '../password/password-policy';
import { FLOWS } from './page-flows';
import { PageViews, policyRules } from './page-views';

const HOSTILE = `<script>alert("x")</script>&'"`;
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&quot;';
const views = new PageViews('');
const policy: PasswordPolicy = { ...DEFAULT_PASSWORD_POLICY, minClasses: 3, historySize: 5, rejectUserInfo: true };

/** Every page state, rendered in one language. */
function everyPage(locale: string) {
  const m = messagesFor(locale);
  const ctx = { accountName: 'Acme', email: 'ada@example.com', policy, code: 'c0de' };
  return [
    ...Object.values(FLOWS).flatMap((spec) => [
      views.codeForm(spec, m), views.codeForm(spec, m, m.t('error.code.required')),
      views.passwordForm(spec, m, ctx), views.passwordForm(spec, m, ctx, { password: [m.t('error.password.required')], confirm: m.t('error.confirm.mismatch') }),
      views.done(spec, m, 'Acme'), views.expired(spec, m),
    ]),
    views.requestForm('forgot', m), views.requestForm('recover', m, 'x', m.t('error.email.invalid')), views.sent('forgot', m, 'ada@example.com', 900_000),
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
      'not be a common or previously leaked password', 'not contain your name or email address',
    ]);
    expect(policyRules(m, policy, 'replace').map((r) => r.text)).toContain('not be one of your last 5 passwords');
    expect(policyRules(m, policy, 'initial')[0].check).toEqual({ rule: 'minLength', value: 8 });
  });

  it('builds links and asset URLs under the path of PUBLIC_URL', () => {
    const page = new PageViews('/id').codeForm(FLOWS.reset, messagesFor('en')).html;
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
