import { SUPPORTED_LOCALES } from '../../ground/common/locale';
import {
  emailVerificationMail,
  escapeHtml,
  invitationMail,
  MAIL_PRIORITY,
  MailContent,
  mailPriority,
  passwordChangedMail,
  recoveryMail,
  resetCodeMail,
} from './mail-templates';

const PUBLIC_URL = 'https://id.example.test';

/** Every `Code: <value>` line of the text part (the secret must stand alone on exactly one). */
function codeLines(text: string): string[] {
  return [...text.matchAll(/^Code: (.*)$/gm)].map((m) => m[1]);
}

/** The visible text of the HTML part, tags removed and entities decoded (enough for these assertions). */
function visibleText(html: string): string {
  return html
    .replace(/<head>[\s\S]*<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

const D4_CODE = '5b0f8f4e-0a4b-4c7e-9d57-2a3c5e0c9b11.Xq3vT9bL2mK8pR5wZ0yC4nH7jF1dG6sA_e-QuY';

const withSecret: Array<{ name: string; secret: string; kind: string; build: (secret: string, link?: string, locale?: string) => MailContent }> = [
  {
    name: 'invitationMail (D1)',
    secret: 'Tk_9vXq-3bZ0aLpW8sYc1dEfGhJkMnOp',
    kind: 'invitation',
    build: (token, link = `${PUBLIC_URL}/set-password#token=${token}`, locale) => invitationMail({ accountName: 'Acme', token, link, ttlHours: 72, firstName: 'Ada', locale }),
  },
  {
    name: 'emailVerificationMail',
    secret: 'K7M2QX9P',
    kind: 'email-verification',
    build: (code, link = `${PUBLIC_URL}/verify-email#code=${code}`, locale) => emailVerificationMail({ code, link, ttlMinutes: 15, firstName: 'Ada', locale }),
  },
  {
    name: 'recoveryMail (D4)',
    secret: D4_CODE,
    kind: 'recovery',
    build: (code, link = `${PUBLIC_URL}/account/reset#validation_code=${code}`, locale) => recoveryMail({ code, link, ttlMinutes: 60, locale }),
  },
  {
    name: 'resetCodeMail (D5)',
    secret: '001122',
    kind: 'reset-code',
    build: (code, link = `${PUBLIC_URL}/password-reset#code=${code}`, locale) => resetCodeMail({ code, link, ttlMinutes: 15, locale }),
  },
];

describe('mail templates', () => {
  describe.each(withSecret)('$name', ({ secret, kind, build }) => {
    it(`has kind "${kind}", a subject without the secret, a text part and an HTML part`, () => {
      const mail = build(secret);
      expect(mail.kind).toBe(kind);
      expect(mail.subject.length).toBeGreaterThan(0);
      expect(mail.subject).not.toContain(secret);
      expect(mail.text).toContain(secret);
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).toContain(secret);
    });

    it('puts the secret on a line of its own, exactly "Code: <value>", once (CONTRACT.md Emails)', () => {
      expect(codeLines(build(secret).text)).toEqual([secret]);
      expect(visibleText(build(secret).html)).toContain(`Code: ${secret}`);
    });

    it('makes the link the main action: before the code in both parts, as a button in the HTML part (SECURITY.md C7)', () => {
      const link = `${PUBLIC_URL}/somewhere#c=${secret}`;
      const mail = build(secret, link);
      const lines = mail.text.split('\n');
      expect(lines).toContain(link);
      expect(lines.indexOf(link)).toBeLessThan(lines.indexOf(`Code: ${secret}`));
      expect(mail.html).toContain(`href="${link}"`);
      expect(mail.html.indexOf(`href="${link}"`)).toBeLessThan(mail.html.indexOf(`Code: <strong`));
      // the first anchor to the link is styled as a button
      const anchor = mail.html.slice(mail.html.indexOf(`<a href="${link}"`)).split('>')[0];
      expect(anchor).toMatch(/style="display:inline-block;padding:[^"]*background:/);
    });

    it('wraps the code and the link in the HTML part so a long one never overflows a narrow screen', () => {
      const html = build(secret).html;
      const codeBlock = /<p [^>]*>Code: <strong/.exec(html)![0];
      expect(codeBlock).toMatch(/word-break:break-all/);
      expect(codeBlock).toMatch(/overflow-wrap:anywhere/);
      expect(html).toMatch(/<p [^>]*word-break:break-all;overflow-wrap:anywhere"><a href=/);
      expect(html).toMatch(/max-width:560px/);
    });

    it('says when it expires, in words, and what to do if it was not them; no API instructions', () => {
      const mail = build(secret);
      expect(mail.text).toMatch(/expires in \d+ (minutes|hour|hours|days)\./);
      expect(mail.text).toMatch(/ignore this email/i);
      expect(mail.text + mail.html).not.toMatch(/POST \/|application can|\{"|curl|endpoint/i);
    });

    it('escapes a hostile link inside the HTML attribute', () => {
      const mail = build(secret, 'https://id.example.test/"><script>x</script>');
      expect(mail.html).not.toContain('"><script>');
      expect(mail.html).toContain('&quot;&gt;&lt;script&gt;');
    });

    it('refuses a secret that could not stand alone on the Code line', () => {
      expect(() => build('12 34')).toThrow(/secret/);
      expect(() => build('1234\nCode: 9')).toThrow(/secret/);
      expect(() => build('')).toThrow(/secret/);
    });

    it('contains no password hash (SECURITY.md C8)', () => {
      const mail = build(secret);
      expect(mail.text + mail.html).not.toMatch(/\$2[aby]\$\d\d\$/);
    });

    it.each(SUPPORTED_LOCALES)('is complete in %s: the same code line and link, and no placeholder left unfilled', (locale) => {
      const mail = build(secret, undefined, locale);
      expect(codeLines(mail.text)).toEqual([secret]);
      const linkLines = (text: string) => text.split('\n').filter((line) => line.startsWith('https://'));
      expect(linkLines(mail.text)).toHaveLength(1);
      expect(linkLines(mail.text)).toEqual(linkLines(build(secret).text));
      expect(mail.text + mail.subject + visibleText(mail.html)).not.toMatch(/\{\w+\}/);
    });

    it('is written in German for a German reader', () => {
      const mail = build(secret, undefined, 'de');
      expect(mail.html).toContain('<html lang="de">');
      expect(mail.text).toMatch(/läuft in \d+ (Minuten|Stunde|Stunden|Tagen) ab\./);
      expect(mail.text).not.toMatch(/expires in/);
    });
  });

  describe('invitationMail', () => {
    it('HTML-escapes the account name and first name (and keeps them literal in the text part)', () => {
      const mail = invitationMail({
        accountName: '<script>alert(1)</script> & "Co"',
        token: 'tok123',
        link: `${PUBLIC_URL}/set-password#token=tok123`,
        ttlHours: 72,
        firstName: `"><img src=x onerror=alert('x')>`,
      });
      expect(mail.html).not.toContain('<script>alert(1)</script>');
      expect(mail.html).not.toContain('<img src=x');
      expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;');
      expect(mail.html).toContain('&quot;&gt;&lt;img src=x onerror=alert(&#39;x&#39;)&gt;');
      expect(mail.text).toContain('<script>alert(1)</script> & "Co"');
    });

    it('a name with line breaks cannot forge a second Code line or a link line', () => {
      const link = `${PUBLIC_URL}/set-password#token=real-token_1`;
      const mail = invitationMail({
        accountName: 'Acme\nCode: 999999\nhttps://evil.test/set-password#token=999999',
        token: 'real-token_1',
        link,
        ttlHours: 72,
        firstName: 'Bob\r\nCode: 000000\u2028Code: 111111',
      });
      expect(codeLines(mail.text)).toEqual(['real-token_1']);
      expect(mail.text.split('\n').filter((l) => l.startsWith('https://'))).toEqual([link]);
      expect(mail.subject).not.toMatch(/[\r\n]/);
    });

    it('names the account, greets by first name and gives the lifetime in the largest whole unit', () => {
      const mail = invitationMail({ accountName: 'Acme', token: 'tok', link: `${PUBLIC_URL}/x`, ttlHours: 48, firstName: 'Ada' });
      expect(mail.subject).toBe('You have been invited to Acme');
      expect(mail.text).toMatch(/^Hello Ada,$/m);
      expect(mail.text).toContain('expires in 2 days.');
    });

    it('works without an account name or first name', () => {
      const mail = invitationMail({ accountName: null, token: 'tok', link: `${PUBLIC_URL}/x`, ttlHours: 1 });
      expect(mail.subject).toBe('You have been invited');
      expect(mail.text).toMatch(/^Hello,$/m);
      expect(mail.text).toContain('expires in 1 hour.');
      expect(mail.text).not.toContain('null');
    });

    it('keeps a long account name out of an overlong subject', () => {
      const mail = invitationMail({ accountName: 'A'.repeat(1000), token: 'tok', link: `${PUBLIC_URL}/x`, ttlHours: 1 });
      expect(mail.subject.length).toBeLessThanOrEqual(250);
    });
  });

  it('the recovery and reset mails tell the person the password stays as it is if they did not ask', () => {
    for (const mail of [recoveryMail({ code: '123456', link: `${PUBLIC_URL}/x`, ttlMinutes: 10 }), resetCodeMail({ code: '123456', link: `${PUBLIC_URL}/x`, ttlMinutes: 10 })]) {
      expect(mail.text).toMatch(/Did not ask for this\?.*your password stays as it is/);
      expect(mail.text).toContain('expires in 10 minutes.');
    }
  });

  it('greets by first name in the reset and recovery emails, like the others (and "Hello," without one)', () => {
    for (const build of [resetCodeMail, recoveryMail]) {
      expect(build({ code: '123456', link: `${PUBLIC_URL}/x`, ttlMinutes: 10, firstName: 'Ada' }).text).toMatch(/^Hello Ada,$/m);
      expect(build({ code: '123456', link: `${PUBLIC_URL}/x`, ttlMinutes: 10, firstName: 'Ada', locale: 'de' }).text).toMatch(/^Hallo Ada,$/m);
      expect(build({ code: '123456', link: `${PUBLIC_URL}/x`, ttlMinutes: 10 }).text).toMatch(/^Hello,$/m);
      expect(visibleText(build({ code: '123456', link: `${PUBLIC_URL}/x`, ttlMinutes: 10, firstName: 'Ada' }).html)).toContain('Hello Ada,');
    }
  });

  it.each(SUPPORTED_LOCALES)('offers a code for typing in only when it has at most 12 characters; a longer one is for pasting, its link first (%s)', (locale) => {
    const typeIt = locale === 'en' ? /enter this code/ : /geben Sie stattdessen diesen Code/;
    for (const { secret, build } of withSecret) {
      const mail = build(secret, undefined, locale);
      const html = visibleText(mail.html);
      if (secret.length <= 12) {
        expect(mail.text).toMatch(typeIt);
        expect(html).toMatch(typeIt);
      } else {
        expect(mail.text + html).not.toMatch(typeIt);
        expect(mail.text).toMatch(locale === 'en' ? /paste it in:\nCode: / : /fügen Sie ihn dort ein:\nCode: /);
        // In the HTML part the link (to copy) comes before the code (to paste).
        expect(mail.html.indexOf('word-break:break-all;overflow-wrap:anywhere"><a href=')).toBeLessThan(mail.html.indexOf('Code: <strong'));
      }
    }
    // The limit is the secret's length, whatever the kind: a 13-character reset code is pasted.
    expect(resetCodeMail({ code: 'A'.repeat(13), link: `${PUBLIC_URL}/x`, ttlMinutes: 10, locale }).text).not.toMatch(typeIt);
    expect(resetCodeMail({ code: 'A'.repeat(12), link: `${PUBLIC_URL}/x`, ttlMinutes: 10, locale }).text).toMatch(typeIt);
  });

  it('keeps the subjects clients and filters know', () => {
    expect(recoveryMail({ code: '1', link: PUBLIC_URL, ttlMinutes: 1 }).subject).toBe('Recover your account');
    expect(resetCodeMail({ code: '1', link: PUBLIC_URL, ttlMinutes: 1 }).subject).toBe('Your password reset code');
  });

  it('sends every message carrying a secret before every notice (mailPriority)', () => {
    for (const { secret, build } of withSecret) expect(mailPriority(build(secret).kind)).toBe(MAIL_PRIORITY.secret);
    for (const first of [true, false]) {
      expect(mailPriority(passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt: new Date(), first }).kind)).toBe(MAIL_PRIORITY.notice);
    }
    expect(MAIL_PRIORITY.secret).toBeLessThan(MAIL_PRIORITY.notice);
    // a kind added later without a decision is not delayed
    expect(mailPriority('some-new-kind')).toBe(MAIL_PRIORITY.secret);
  });

  describe('passwordChangedMail (SECURITY.md D4)', () => {
    const changedAt = new Date('2025-11-23T09:10:11.123Z');
    const mail = passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt });

    it('has kind "password-changed", a text part and an HTML part', () => {
      expect(mail.kind).toBe('password-changed');
      expect(mail.subject).toBe('Your password was changed');
      expect(mail.text).toContain('The password of your account was changed');
      expect(mail.html).toMatch(/^<!doctype html>/);
    });

    it('announces a first password as "set", not "changed"', () => {
      const first = passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt, first: true });
      expect(first.kind).toBe('password-set');
      expect(first.subject).toBe('Your password was set');
      expect(first.text).toContain('A password was set for your account on 23 November 2025 at 09:10 UTC.');
      expect(first.text + first.html).not.toMatch(/changed/);
    });

    it('carries no secret: no Code line, no token fragment, no hash (SECURITY.md C8)', () => {
      expect(codeLines(mail.text)).toEqual([]);
      expect(mail.text + mail.html).not.toMatch(/#(token|code|validation_code)=/);
      expect(mail.text + mail.html).not.toMatch(/\$2[aby]\$/);
      expect(mail.text + mail.html).not.toMatch(/\b\d{6,}\b/);
    });

    it('says when, in UTC, in the reader\'s language', () => {
      expect(mail.text).toContain('on 23 November 2025 at 09:10 UTC.');
      expect(passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt, locale: 'de' }).text).toContain('am 23. November 2025 um 09:10 UTC geändert.');
    });

    it('tells the person what to do if it was not them, with a link to the "forgot password" page (repudiation line)', () => {
      const line = mail.text.split('\n').find((l) => /if this was not you/i.test(l));
      expect(line).toMatch(/reset your password/i);
      expect(line).toMatch(/account administrator/i);
      expect(mail.text.split('\n')).toContain(`${PUBLIC_URL}/forgot-password`);
      expect(mail.html).toContain(`href="${PUBLIC_URL}/forgot-password"`);
    });
  });

  it('escapeHtml escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
