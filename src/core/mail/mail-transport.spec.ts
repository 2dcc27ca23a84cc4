import { SmtpTestServer } from '../../../test/support/smtp-test-server';
import { loadAppConfig } from '../../ground/config/app-config';
import { MailTransport, SMTP_POOL_DEFAULTS, SMTP_TIMEOUTS_MS, smtpOptionsFromUrl } from './mail-transport';

const config = (smtpUrl?: string) =>
  loadAppConfig({ SMTP_URL: smtpUrl, DATABASE_URL: 'sqlite::memory:', JWT_SECRET: 'transport-spec-0123456789abcdefghijklmnop' });

describe('smtpOptionsFromUrl', () => {
  it('smtp://host:port → plain SMTP (STARTTLS when offered) with short timeouts, over a pool of a few connections', () => {
    expect(smtpOptionsFromUrl('smtp://mail.example.org:2525')).toEqual({
      ...SMTP_TIMEOUTS_MS, host: 'mail.example.org', port: 2525, secure: false, pool: true, maxConnections: 4, maxMessages: 100, maxRequeues: 2,
    });
    expect(SMTP_POOL_DEFAULTS).toEqual({ maxConnections: 4, maxMessages: 100 });
    expect(SMTP_TIMEOUTS_MS.connectionTimeout).toBeLessThanOrEqual(5_000);
    expect(SMTP_TIMEOUTS_MS.greetingTimeout).toBeLessThanOrEqual(5_000);
    expect(SMTP_TIMEOUTS_MS.socketTimeout).toBeLessThanOrEqual(5_000);
  });

  it('smtps:// → implicit TLS on 465; credentials are URL-decoded', () => {
    const o = smtpOptionsFromUrl('smtps://user%40example.org:p%3Ass%2Fword@smtp.example.org');
    expect(o).toMatchObject({ host: 'smtp.example.org', port: 465, secure: true, auth: { user: 'user@example.org', pass: 'p:ss/word' } });
  });

  it('passes known query parameters and tls.* through, typed', () => {
    const o = smtpOptionsFromUrl('smtp://h:25?requireTLS=true&connectionTimeout=10000&tls.rejectUnauthorized=false&name=app.example.org');
    expect(o).toMatchObject({ requireTLS: true, connectionTimeout: 10_000, tls: { rejectUnauthorized: false }, name: 'app.example.org' });
  });

  it('sizes the pool from maxConnections and maxMessages, whole numbers within bounds', () => {
    expect(smtpOptionsFromUrl('smtp://h:25?maxConnections=2&maxMessages=500')).toMatchObject({ pool: true, maxConnections: 2, maxMessages: 500 });
    for (const bad of ['maxConnections=0', 'maxConnections=51', 'maxConnections=2.5', 'maxConnections=two', 'maxConnections=', 'maxMessages=0', 'maxMessages=true']) {
      expect(() => smtpOptionsFromUrl(`smtp://h:25?${bad}`)).toThrow(/SMTP_URL: max(Connections|Messages) must be a whole number/);
    }
    expect(new MailTransport(config('smtp://h:25?maxConnections=3')).maxConnections).toBe(3);
    expect(new MailTransport(config('smtp://h:25')).maxConnections).toBe(4);
  });

  it('refuses pool and unknown parameters (always pooled; no other transport can be smuggled in)', () => {
    expect(() => smtpOptionsFromUrl('smtp://h:25?pool=false')).toThrow(/pool/);
    expect(() => smtpOptionsFromUrl('smtp://h:25?sendmail=true')).toThrow(/sendmail/);
    expect(() => smtpOptionsFromUrl('http://h:25')).toThrow(/smtp/);
  });
});

describe('MailTransport (real SMTP server)', () => {
  let smtp: SmtpTestServer;
  beforeAll(async () => {
    smtp = await SmtpTestServer.start();
  });
  afterAll(() => smtp.stop());

  it('sends one message with both parts to exactly one envelope recipient, with the outbox id as Message-ID', async () => {
    const transport = new MailTransport(config(smtp.url));
    try {
      await transport.send({ messageId: 'abc-123', from: 'no-reply@id.example.test', to: 'mike@example.org', subject: 'Hi', text: 'Code: 1\n', html: '<p>Code: 1</p>' });
    } finally {
      transport.onApplicationShutdown();
    }
    const mail = await smtp.waitFor((m) => m.subject === 'Hi');
    expect(mail).toMatchObject({ to: 'mike@example.org', from: 'no-reply@id.example.test', envelopeTo: ['mike@example.org'], messageId: '<abc-123@id.example.test>' });
    expect(mail.text).toBe('Code: 1\n');
    expect(mail.html).toBe('<p>Code: 1</p>');
  });

  it('fails fast with a connection error when the server is down', async () => {
    await smtp.down();
    const transport = new MailTransport(config(smtp.url));
    const started = Date.now();
    try {
      const error = await transport.send({ from: 'a@b.org', to: 'c@d.org', subject: 's', text: 't', html: 'h' }).then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(error?.code).toMatch(/^(ECONNECTION|ESOCKET)$/);
      expect(error?.message).toMatch(/ECONNREFUSED/);
    } finally {
      transport.onApplicationShutdown();
      await smtp.up();
    }
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is not configured when SMTP_URL is unset, and refuses to send', async () => {
    const transport = new MailTransport(config());
    expect(transport.configured).toBe(false);
    await expect(transport.send({ from: 'a@b.org', to: 'c@d.org', subject: 's', text: 't', html: 'h' })).rejects.toThrow(/SMTP_URL/);
  });
});
