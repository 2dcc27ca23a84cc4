import {
  emailVerificationMail,
  escapeHtml,
  invitationMail,
  MailContent,
  passwordChangedMail,
  recoveryMail,
  resetCodeMail,
} from './mail-templates';

const PUBLIC_URL = 'https://id.example.test';

/** Every `Code: <value>` line of the text part (the secret must stand alone on exactly one). */
function codeLines(text: string): string[] {
  return [...text.matchAll(/^Code: (.*)$/gm)].map((m) => m[1]);
}

const withSecret: Array<{ name: string; secret: string; kind: string; linkPrefix: string; build: (secret: string, link?: string) => MailContent }> = [
  {
    name: 'invitationMail (D1)',
    secret: 'Tk_9vXq-3bZ0aLpW8sYc1dEfGhJkMnOp',
    kind: 'invitation',
    linkPrefix: '/set-password#token=',
    build: (token, link = `${PUBLIC_URL}/set-password#token=${token}`) => invitationMail({ accountName: 'Acme', token, link, ttlHours: 72, firstName: 'Ada' }),
  },
  {
    name: 'emailVerificationMail',
    secret: '048213',
    kind: 'email-verification',
    linkPrefix: '/verify-email#code=',
    build: (code, link = `${PUBLIC_URL}/verify-email#code=${code}`) => emailVerificationMail({ code, link, ttlMinutes: 15, firstName: 'Ada' }),
  },
  {
    name: 'recoveryMail (D4)',
    secret: '730194',
    kind: 'recovery',
    linkPrefix: '/account/reset#validation_code=',
    build: (code, link = `${PUBLIC_URL}/account/reset#validation_code=${code}`) => recoveryMail({ code, link, ttlMinutes: 60 }),
  },
  {
    name: 'resetCodeMail (D5)',
    secret: '001122',
    kind: 'reset-code',
    linkPrefix: '/password-reset#code=',
    build: (code, link = `${PUBLIC_URL}/password-reset#code=${code}`) => resetCodeMail({ code, link, ttlMinutes: 15 }),
  },
];

describe('mail templates', () => {
  describe.each(withSecret)('$name', ({ secret, kind, linkPrefix, build }) => {
    it(`has kind "${kind}", a subject, a text part and an HTML part`, () => {
      const mail = build(secret);
      expect(mail.kind).toBe(kind);
      expect(mail.subject.length).toBeGreaterThan(0);
      expect(mail.subject).not.toContain(secret);
      expect(mail.text.length).toBeGreaterThan(0);
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).toContain(secret);
    });

    it('puts the secret on a line of its own, exactly "Code: <value>", once (CONTRACT.md Emails)', () => {
      expect(codeLines(build(secret).text)).toEqual([secret]);
    });

    it('carries the given link (SecretLinks builds it) and no other absolute URL (SECURITY.md C7, C8)', () => {
      const mail = build(secret);
      const link = `${PUBLIC_URL}${linkPrefix}${secret}`;
      expect(mail.text.split('\n')).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
      expect(mail.text + mail.html).not.toMatch(new RegExp(`\\?[^#\\s"]*${secret}`));
      // every absolute URL in the mail starts with the public URL
      for (const url of (mail.text + mail.html).match(/https?:\/\/[^\s"<]+/g) ?? []) expect(url.startsWith(PUBLIC_URL + '/')).toBe(true);
    });

    it('escapes the link inside the HTML attribute', () => {
      const mail = build(secret, `https://id.example.test/"><script>x</script>#${secret}`);
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
      const mail = invitationMail({
        accountName: 'Acme\nCode: 999999\nhttps://evil.test/set-password#token=999999',
        token: 'real-token_1',
        link: `${PUBLIC_URL}/set-password#token=real-token_1`,
        ttlHours: 72,
        firstName: 'Bob\r\nCode: 000000\u2028Code: 111111',
      });
      expect(codeLines(mail.text)).toEqual(['real-token_1']);
      expect(mail.text.split('\n').filter((l) => l.startsWith('https://'))).toEqual([`${PUBLIC_URL}/set-password#token=real-token_1`]);
      expect(mail.subject).not.toMatch(/[\r\n]/);
    });

    it('names the account and the TTL, and explains the D1 endpoint', () => {
      const mail = invitationMail({ accountName: 'Acme', token: 'tok', link: `${PUBLIC_URL}/set-password#token=tok`, ttlHours: 48 });
      expect(mail.subject).toContain('Acme');
      expect(mail.text).toContain('48 hours');
      expect(mail.text).toContain('POST /accounts/set-password');
      expect(mail.text).toMatch(/^Hello,$/m);
    });

    it('works without an account name', () => {
      const mail = invitationMail({ accountName: null, token: 'tok', link: `${PUBLIC_URL}/set-password#token=tok`, ttlHours: 1 });
      expect(mail.subject).toBe('You have been invited');
      expect(mail.text).toContain('1 hour ');
      expect(mail.text).not.toContain('null');
    });

    it('keeps a long account name out of an overlong subject', () => {
      const mail = invitationMail({ accountName: 'A'.repeat(1000), token: 'tok', link: `${PUBLIC_URL}/set-password#token=tok`, ttlHours: 1 });
      expect(mail.subject.length).toBeLessThanOrEqual(200);
    });
  });

  it('the recovery and reset mails tell the user the password has not changed if they did not ask', () => {
    for (const mail of [recoveryMail({ code: '123456', link: `${PUBLIC_URL}/x#code=123456`, ttlMinutes: 10 }), resetCodeMail({ code: '123456', link: `${PUBLIC_URL}/x#code=123456`, ttlMinutes: 10 })]) {
      expect(mail.text).toMatch(/did not ask for this.*has not been changed/);
      expect(mail.text).toContain('10 minutes');
    }
  });

  it('the D4 and D5 mails name their own endpoints', () => {
    expect(recoveryMail({ code: '123456', link: `${PUBLIC_URL}/x#code=123456`, ttlMinutes: 10 }).text).toContain('POST /api/v2/account/reset/');
    expect(resetCodeMail({ code: '123456', link: `${PUBLIC_URL}/x#code=123456`, ttlMinutes: 10 }).text).toContain('POST /v1/auth/password-reset/reset');
    expect(emailVerificationMail({ code: '123456', link: `${PUBLIC_URL}/x#code=123456`, ttlMinutes: 10 }).text).toContain('POST /auth/verify-email');
  });

  describe('passwordChangedMail (SECURITY.md D4)', () => {
    const changedAt = new Date('2025-11-23T09:10:11.123Z');
    const mail = passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt });

    it('has kind "password-changed", a text part and an HTML part', () => {
      expect(mail.kind).toBe('password-changed');
      expect(mail.subject).toBe('Your password was changed');
      expect(mail.html).toMatch(/^<!doctype html>/);
    });

    it('carries no secret: no Code line, no token fragment, no hash (SECURITY.md C8)', () => {
      expect(codeLines(mail.text)).toEqual([]);
      expect(mail.text + mail.html).not.toMatch(/#(token|code|validation_code)=/);
      expect(mail.text + mail.html).not.toMatch(/\$2[aby]\$/);
      expect(mail.text + mail.html).not.toMatch(/\b\d{6,}\b/);
    });

    it('says when, in UTC', () => {
      expect(mail.text).toContain('2025-11-23 09:10:11 UTC');
    });

    it('tells the user what to do if it was not them: reset and contact (repudiation line)', () => {
      const line = mail.text.split('\n').find((l) => /if this was not you/i.test(l));
      expect(line).toBeDefined();
      expect(line).toMatch(/reset your password/i);
      expect(line).toMatch(/contact/i);
      expect(mail.text).toContain(`${PUBLIC_URL}/password-reset`);
      expect(mail.html).toMatch(/if this was not you/i);
    });
  });

  it('escapeHtml escapes the five HTML metacharacters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
