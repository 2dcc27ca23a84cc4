import { Writable } from 'node:stream';
import { PAGE_HEADERS } from '../../src/edge/pages/page-headers';
import { RESET_FAILURES_PER_CLIENT } from '../../src/core/recovery/recovery-limits';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { databaseChecksum } from './support/database-checksum';
import {
  admin, createAccount, GOOD_PASSWORD, hasPassword, latestInvitationToken, latestMail, loginAs, randomClientIp, uniqueEmail, verificationCode,
} from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const NEW_PASSWORD = 'Brisk-Otter-Canyon-71';

/** Every log line the app writes, to prove no secret reaches them (SECURITY.md C8). */
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

describeEachDatabase('Pages behind the email links', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { TRUST_PROXY: 'true', LOG_LEVEL: 'info' }, logDestination: logSink });

  const form = (path: string, body: Record<string, string>, ip = randomClientIp(), lang = 'en') =>
    t.http.post(path).set('X-Forwarded-For', ip).set('Accept-Language', lang).type('form').send(body);

  async function invited(name = 'Acme Rockets', policy?: Record<string, unknown>) {
    const account = await createAccount(t, { name, policy });
    return { ...account, token: await latestInvitationToken(t, smtp, account.ownerEmail) };
  }

  async function userWithPassword() {
    const a = await invited();
    await t.http.post('/accounts/set-password').send({ token: a.token, password: GOOD_PASSWORD }).expect(200);
    return a;
  }

  async function resetCode(email: string): Promise<string> {
    const since = smtp.messages.length;
    await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
    await t.flushMail();
    return extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Your password reset code', since));
  }

  async function validationCode(email: string): Promise<string> {
    const since = smtp.messages.length;
    await t.http.post('/api/v2/account/recover/').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
    await t.flushMail();
    return extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Recover your account', since));
  }

  describe('opening a link', () => {
    it.each(['/set-password', '/verify-email', '/password-reset', '/account/reset', '/forgot-password', '/account/recover'])(
      'GET %s renders a page with a strict CSP, no Referer, no caching and no framing (SECURITY.md G6)',
      async (path) => {
        const res = await t.http.get(path).expect(200);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(res.headers[name.toLowerCase()]).toBe(value);
        expect(res.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
        expect(res.text).toMatch(/^<!doctype html>/);
        expect(res.text).not.toMatch(/<script>|<script [^>]*>[^<]|style="|\son[a-z]+=/); // no inline script, style or handler
        expect(res.text).toContain('<script src="/assets/pages.js" defer></script>');
        await t.http.head(path).expect(200);
      },
    );

    it('GET and HEAD, with or without the secret anywhere in the URL, never use an invitation up or change anything', async () => {
      const { token, ownerId } = await invited();
      const before = await databaseChecksum(t);
      for (const url of ['/set-password', `/set-password?token=${token}`, `/set-password/?token=${token}&step=set&password=${NEW_PASSWORD}`]) {
        await t.http.get(url);
        await t.http.head(url);
      }
      expect(await databaseChecksum(t)).toBe(before);
      // Opening it as the page's script does (step=open), twice, does not use it either.
      await form('/set-password', { token }).expect(200);
      await form('/set-password', { token }).expect(200);
      expect(await hasPassword(t, ownerId, NEW_PASSWORD)).toBe(false);
      await t.http.post('/accounts/set-password').send({ token, password: NEW_PASSWORD }).expect(200);
    });

    it('serves its own script and stylesheet from our origin', async () => {
      const js = await t.http.get('/assets/pages.js').expect(200);
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(js.text).toContain('history.replaceState');
      const css = await t.http.get('/assets/pages.css').expect(200);
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    });
  });

  describe('invitation (D1)', () => {
    it('shows the account name and the rules of the account policy, and keeps the token in the form, not the URL', async () => {
      const { token, ownerEmail } = await invited('Acme Rockets', { minLength: 12, requiredClasses: ['lower', 'digit'], minClasses: 3 });
      const res = await form('/set-password', { token }).expect(200);
      expect(res.text).toContain('Acme Rockets');
      expect(res.text).toContain(ownerEmail);
      expect(res.text).toContain('be at least 12 characters long');
      expect(res.text).toContain('data-rule="minLength" data-value="12"');
      expect(res.text).toContain('contain a digit');
      expect(res.text).toContain('contain at least 3 of these');
      expect(res.text).not.toContain('contain an uppercase letter');
      expect(res.text).toContain(`<input type="hidden" name="token" value="${token}">`);
      expect(res.text).toContain('action="/set-password"');
    });

    it('marks the rules only the server checks as checked on submit, with nothing for the script to tick', async () => {
      const { token } = await invited('Acme Rockets', { rejectUserInfo: true });
      const res = await form('/set-password', { token }).expect(200);
      const items = [...res.text.matchAll(/<li([^>]*)><span class="rule-text">([^<]*)<\/span>/g)].map((m) => ({ checked: m[1].includes('data-rule='), text: m[2] }));
      expect(items.filter((i) => !i.checked).map((i) => i.text)).toEqual([
        'not be a common or previously leaked password (checked when you submit)', 'not contain your name or email address (checked when you submit)',
      ]);
      expect(items.filter((i) => i.checked).every((i) => !i.text.includes('(checked when you submit)'))).toBe(true);
    });

    it('shows an account named <script> as text, never as markup', async () => {
      const { token } = await invited('<script>alert(1)</script>');
      const res = await form('/set-password', { token }).expect(200);
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('shows each refusal of the policy beside the field and leaves the token usable (SECURITY.md A15)', async () => {
      const { token, ownerId } = await invited();
      const res = await form('/set-password', { token, step: 'set', password: 'short', confirm: 'short' }).expect(400);
      expect(res.text).toContain('The password is too short: use at least 8 characters.');
      expect(res.text).toContain('Add an uppercase letter.');
      expect(res.text).toContain('Add a digit.');
      expect(res.text).toMatch(/<div class="error-summary" id="error-summary" role="alert"/);
      expect(res.text).toMatch(/<input id="password"[^>]*aria-describedby="rules password-error-0 password-error-1 password-error-2[^"]*"[^>]* aria-invalid="true">/);
      expect(res.text).not.toContain('value="short"');
      const common = await form('/set-password', { token, step: 'set', password: 'PassWord1234', confirm: 'PassWord1234' }).expect(400);
      expect(common.text).toContain('This password is too common');
      const mismatch = await form('/set-password', { token, step: 'set', password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}x` }).expect(400);
      expect(mismatch.text).toContain('The two passwords do not match.');
      const empty = await form('/set-password', { token, step: 'set' }).expect(400);
      expect(empty.text).toContain('Enter a password.');
      expect(await hasPassword(t, ownerId, NEW_PASSWORD)).toBe(false);

      const done = await form('/set-password', { token, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
      expect(done.text).toContain('Your password is set');
      expect(done.text).not.toContain(token);
      expect(done.text).not.toContain(NEW_PASSWORD);
      expect(await hasPassword(t, ownerId, NEW_PASSWORD)).toBe(true);
    });

    it('a wrong confirmation also shows what the policy refuses, so nothing is learnt one submit late', async () => {
      const { token } = await invited();
      const res = await form('/set-password', { token, step: 'set', password: 'kurz', confirm: 'anders' }).expect(400);
      expect(res.text).toContain('The two passwords do not match.');
      expect(res.text).toContain('The password is too short: use at least 8 characters.');
    });

    it('an overlong password is refused beside the field as too long, not as an unreadable form', async () => {
      const { token } = await invited();
      const long = `Aa1!${'x'.repeat(4400)}`;
      const res = await form('/set-password', { token, step: 'set', password: long, confirm: long }).expect(400);
      expect(res.text).toContain('The password is too long: use at most 99 characters.');
      const email = await form('/forgot-password', { email: `${'a'.repeat(400)}@example.com` }).expect(400);
      expect(email.text).toContain('Enter an email address in the form name@example.com.');
    });

    it('a used or unknown token ends on "this link has expired or was already used"', async () => {
      const { token, ownerEmail } = await invited();
      await form('/set-password', { token, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
      const again = await form('/set-password', { token }).expect(400);
      expect(again.text).toContain('This link has expired or was already used');
      expect(again.text).toContain('ask the person who invited you for a new invitation.');
      expect(again.text).toContain('<a class="button" href="/forgot-password">Reset my password</a>');
      const unknown = await form('/set-password', { token: 'x'.repeat(43) }).expect(400);
      expect(unknown.text).toContain('This link has expired or was already used');
      await loginAs(t, ownerEmail, NEW_PASSWORD);
    });

    it('asks for the code when none was given, beside the field', async () => {
      const res = await form('/set-password', {}).expect(400);
      expect(res.text).toContain('Enter the code from the email.');
      expect(res.text).toMatch(/<input id="code" name="token"[^>]*aria-invalid="true">/);
    });
  });

  describe('reset with a D5 code', () => {
    it('opens, refuses, then resets through the D5 pipeline; the old password stops working', async () => {
      const { ownerEmail, ownerId } = await userWithPassword();
      const code = await resetCode(ownerEmail);
      await form('/password-reset', { code }).expect(200);
      const refused = await form('/password-reset', { code, step: 'set', password: 'weakpass', confirm: 'weakpass' }).expect(400);
      expect(refused.text).toContain('Add an uppercase letter.');
      expect(refused.text).toContain(`<input type="hidden" name="code" value="${code}">`);
      const done = await form('/password-reset', { code, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
      expect(done.text).toContain('Your password has been changed');
      expect(await hasPassword(t, ownerId, NEW_PASSWORD)).toBe(true);
      await t.http.post('/auth/login').send({ email: ownerEmail, password: GOOD_PASSWORD }).expect(401);
      const used = await form('/password-reset', { code }).expect(400);
      expect(used.text).toContain('This link has expired or was already used');
      expect(used.text).toContain('href="/forgot-password"');
    });

    it('a wrong code looked up on the page spends the same per-client budget as a wrong D5 reset (SECURITY.md B7)', async () => {
      const ip = randomClientIp();
      for (let i = 0; i < RESET_FAILURES_PER_CLIENT; i++) await form('/password-reset', { code: String(100000 + i) }, ip).expect(400);
      const limited = await form('/password-reset', { code: '999999' }, ip).expect(429);
      expect(limited.text).toContain('Too many attempts');
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
      await t.http.post('/v1/auth/password-reset/reset').set('X-Forwarded-For', ip).send({ code: '999998', new_password: NEW_PASSWORD }).expect(429);
    });

    it('a valid code opened on the page gives its count back (opening it often locks nobody out)', async () => {
      const { ownerEmail } = await userWithPassword();
      const code = await resetCode(ownerEmail);
      const ip = randomClientIp();
      for (let i = 0; i < RESET_FAILURES_PER_CLIENT + 2; i++) await form('/password-reset', { code }, ip).expect(200);
      await form('/password-reset', { code, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }, ip).expect(200);
    });
  });

  describe('reset with a D4 validation code', () => {
    it('resets through the D4 pipeline and refuses the reused code', async () => {
      const { ownerEmail, ownerId } = await userWithPassword();
      const code = await validationCode(ownerEmail);
      const open = await form('/account/reset', { validation_code: code }).expect(200);
      expect(open.text).toContain('name="validation_code"');
      const done = await form('/account/reset', { validation_code: code, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
      expect(done.text).toContain('Your password has been changed');
      expect(done.text).not.toMatch(/access_token|refresh_token|eyJ/);
      expect(await hasPassword(t, ownerId, NEW_PASSWORD)).toBe(true);
      const used = await form('/account/reset', { validation_code: code }).expect(400);
      expect(used.text).toContain('href="/account/recover"');
    });
  });

  describe('verification (sign-up code, then D2)', () => {
    it('a refused password leaves the sign-up code usable; a good one verifies the address and sets the password', async () => {
      const email = uniqueEmail('pagesignup');
      const since = smtp.messages.length;
      await t.http.post('/auth/signup').send({ email, firstName: 'Sam', lastName: 'Page' }).expect(201);
      const code = await verificationCode(t, smtp, email, since);
      await form('/verify-email', { code }).expect(200);
      const refused = await form('/verify-email', { code, step: 'set', password: 'weakpass', confirm: 'weakpass' }).expect(400);
      expect(refused.text).toContain('Add an uppercase letter.');
      const done = await form('/verify-email', { code, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
      expect(done.text).toContain('Your email address is verified and your password is set');
      await loginAs(t, email, NEW_PASSWORD);
      const again = await form('/verify-email', { code }).expect(400);
      expect(again.text).toContain('sign up again with the same email address');
    });
  });

  describe('forgot password and account recovery', () => {
    it('sends the email for a registered address and answers the same page for an unknown one (SECURITY.md C1)', async () => {
      const { ownerEmail } = await userWithPassword();
      const since = smtp.messages.length;
      const known = await form('/forgot-password', { email: ownerEmail }).expect(200);
      const unknown = await form('/forgot-password', { email: 'nobody-here@example.com' }).expect(200);
      expect(known.text.replaceAll(ownerEmail, 'X')).toBe(unknown.text.replaceAll('nobody-here@example.com', 'X'));
      expect(known.text).toContain('Check your email');
      await t.flushMail();
      const mail = await latestMail(t, smtp, ownerEmail, (m) => m.subject === 'Your password reset code', since);
      expect(mail.text).toMatch(/^https:\/\/id\.example\.test\/password-reset#code=\d{6}$/m);
      const recover = await form('/account/recover', { email: ownerEmail }).expect(200);
      expect(recover.text).toContain('Check your email');
    });

    it('the reset and the recovery email greet the person by first name, like the invitation', async () => {
      const { ownerEmail } = await userWithPassword(); // createAccount names the owner Olive
      for (const [path, subject] of [['/forgot-password', 'Your password reset code'], ['/account/recover', 'Recover your account']]) {
        const since = smtp.messages.length;
        await form(path, { email: ownerEmail }).expect(200);
        await t.flushMail();
        const mail = await latestMail(t, smtp, ownerEmail, (m) => m.subject === subject, since);
        expect(mail.text.split('\n')[0]).toBe('Hello Olive,');
        expect(mail.html).toContain('Hello Olive,');
      }
    });

    it('"Check your email" carries a form that sends another email to the same address', async () => {
      const { ownerEmail } = await userWithPassword();
      const since = smtp.messages.length;
      const sent = await form('/forgot-password', { email: ownerEmail }).expect(200);
      expect(sent.text).toMatch(/<form method="post" action="\/forgot-password" id="resend" data-cooldown="60" novalidate>/);
      const hidden = /<input type="hidden" name="email" value="([^"]+)">/.exec(sent.text)![1];
      expect(hidden).toBe(ownerEmail);
      // What the button posts: the same address again; a second code is mailed (within the address's mail cap).
      await form('/forgot-password', { email: hidden }).expect(200);
      await t.flushMail();
      const mails = smtp.messages.slice(since).filter((m) => m.to === ownerEmail && m.subject === 'Your password reset code');
      expect(mails).toHaveLength(2);
    });

    it('the two request pages say what each is for: a short code to type, or a link that works longer', async () => {
      const forgot = await t.http.get('/forgot-password').expect(200);
      expect(forgot.text).toContain('Forgot your password?');
      expect(forgot.text).toContain('type the code in on any device. Both expire in 15 minutes.');
      expect(forgot.text).toContain('<a href="/account/recover">Need more time? Recover your account instead, with a link that works for 1 hour.</a>');
      expect(forgot.text).toContain('<a href="/password-reset">Already have a code? Enter it here.</a>');
      const recover = await t.http.get('/account/recover').expect(200);
      expect(recover.text).toContain('Locked out of your account?');
      expect(recover.text).toContain('It works for 1 hour and has no code to type in');
      expect(recover.text).toContain('<a href="/forgot-password">Reading your email on another device?');
      expect(recover.text).not.toContain('Already have a code?');
    });

    it('no email or page offers to take a secret longer than 12 characters typed in (invitation, D4); short ones are offered', async () => {
      const { ownerEmail, token } = await invited();
      expect(token.length).toBeGreaterThan(12);
      const invitation = await latestMail(t, smtp, ownerEmail, (m) => /invited/.test(m.subject));
      expect(invitation.text).not.toMatch(/enter this code/i);
      expect(invitation.text).toContain('If the page asks for the code, copy it from here and paste it in:');
      await t.http.post('/accounts/set-password').send({ token, password: GOOD_PASSWORD }).expect(200);
      const d4 = await validationCode(ownerEmail);
      expect(d4.length).toBeGreaterThan(12);
      const recovery = await latestMail(t, smtp, ownerEmail, (m) => m.subject === 'Recover your account');
      expect(recovery.text).not.toMatch(/enter this code/i);
      for (const path of ['/set-password', '/account/reset']) {
        const page = await t.http.get(path).expect(200);
        expect(page.text).toContain('Open the link in the email we sent you to continue. If this page opened without it, paste the code from the email here.');
        expect(page.text).not.toMatch(/Enter the (invitation )?code/);
      }
      const d5 = await resetCode(ownerEmail);
      expect(d5).toHaveLength(6);
      const reset = await latestMail(t, smtp, ownerEmail, (m) => m.subject === 'Your password reset code');
      expect(reset.text).toContain('If the link does not work, enter this code on the page instead:');
      expect((await t.http.get('/password-reset').expect(200)).text).toContain('Enter the code from your password reset email to continue.');
    });

    it('refuses an empty or malformed address beside the field', async () => {
      expect((await form('/forgot-password', {}).expect(400)).text).toContain('Enter your email address.');
      const bad = await form('/forgot-password', { email: 'not an address' }).expect(400);
      expect(bad.text).toContain('Enter an email address in the form name@example.com.');
      expect(bad.text).toContain('value="not an address"');
    });
  });

  describe('languages', () => {
    it('answers in German for Accept-Language: de, and in English otherwise', async () => {
      const de = await t.http.get('/forgot-password').set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.5').expect(200);
      expect(de.text).toContain('<html lang="de">');
      expect(de.text).toContain('Passwort zurücksetzen');
      const fr = await t.http.get('/forgot-password').set('Accept-Language', 'fr').expect(200);
      expect(fr.text).toContain('<html lang="en">');
      const { token } = await invited();
      const refused = await form('/set-password', { token, step: 'set', password: 'short', confirm: 'short' }, randomClientIp(), 'de').expect(400);
      expect(refused.text).toContain('Das Passwort ist zu kurz: Verwenden Sie mindestens 8 Zeichen.');
    });
  });

  describe('the user\'s own language', () => {
    it('a sign-up without a locale gets its verification email in the language of the request', async () => {
      const email = uniqueEmail('anmeldung');
      const since = smtp.messages.length;
      await t.http.post('/auth/signup').set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.5').send({ email, firstName: 'Sam', lastName: 'Seite' }).expect(201);
      await t.flushMail();
      const mail = await latestMail(t, smtp, email, (m) => m.subject === 'Bestätigen Sie Ihre E-Mail-Adresse', since);
      expect(mail.text).toContain('Der Code gilt einmal und läuft in 15 Minuten ab.');
    });

    it('a user whose locale is de gets a German invitation and German pages, whatever the browser asks for', async () => {
      const { accountId } = await createAccount(t, { name: 'Acme' });
      const email = uniqueEmail('deutsch');
      const since = smtp.messages.length;
      await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email, locale: 'de' }).expect(201);
      await t.flushMail();
      const mail = await latestMail(t, smtp, email, (m) => m.subject === 'Einladung zu Acme', since);
      expect(mail.text).toContain('Passwort wählen:');
      expect(mail.text).toMatch(/Die Einladung gilt einmal und läuft in 3 Tagen ab\./);
      const token = extractCode(mail);
      const page = await form('/set-password', { token }, randomClientIp(), 'en-US,en').expect(200);
      expect(page.text).toContain('<html lang="de">');
      expect(page.text).toContain('mindestens 8 Zeichen lang sein');
      await form('/set-password', { token, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }, randomClientIp(), 'en').expect(200);
      const notice = await latestMail(t, smtp, email, (m) => m.subject === 'Ihr Passwort wurde festgelegt', since);
      expect(notice.text).toContain('Passwort zurücksetzen:');
    });
  });

  describe('failures before the page runs are pages too', () => {
    it('an unreadable form (a field that is not a string) is an HTML 400 with the page headers', async () => {
      const res = await t.http.post('/set-password').type('form').send('token[a]=1').expect(400);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(PAGE_HEADERS['Content-Security-Policy']);
      expect(res.text).toContain('The form could not be read.');
    });

    it('an unknown field is refused the same way, a JSON body too', async () => {
      const unknown = await t.http.post('/set-password').type('form').send({ token: 'x', role: 'admin' }).expect(400);
      const json = await t.http.post('/password-reset').send({ code: { $ne: 1 } }).expect(400);
      for (const res of [unknown, json]) {
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers['content-security-policy']).toBe(PAGE_HEADERS['Content-Security-Policy']);
      }
    });
  });

  it('neither the invitation token nor the password set with it on the page reaches the logs (SECURITY.md C8)', async () => {
    const { token } = await invited();
    await form('/set-password', { token });
    await form('/set-password', { token, step: 'set', password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(200);
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(NEW_PASSWORD);
  });

  it('the admin API still answers next to the pages (404 in its envelope for an unknown user)', async () => {
    await t.http.get('/users/00000000-0000-4000-8000-000000000000').set(admin).expect(404);
  });
});
