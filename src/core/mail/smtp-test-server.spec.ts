import { createConnection } from 'node:net';
import { createTransport } from 'nodemailer';
import { ReceivedMail, SmtpTestServer, extractCode } from '../../../test/support/smtp-test-server';

/** Tests of the e2e helper itself (test/support/smtp-test-server.ts); kept under src/ because the unit project only runs specs there. */
describe('SmtpTestServer', () => {
  let smtp: SmtpTestServer;
  beforeEach(async () => {
    smtp = await SmtpTestServer.start();
  });
  afterEach(() => smtp.stop());

  const send = (subject: string, text = 'Code: 42\n') =>
    createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true }).sendMail({ from: 'a@example.org', to: 'b@example.org', subject, text, html: `<p>${subject}</p>` });

  const canConnect = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });

  it('listens on 127.0.0.1 and a random port, and exposes an smtp:// URL', () => {
    expect(smtp.port).toBeGreaterThan(0);
    expect(smtp.url).toBe(`smtp://127.0.0.1:${smtp.port}`);
  });

  it('parses received messages (to, from, subject, text, html)', async () => {
    await send('hello');
    const mail = await smtp.waitFor((m) => m.subject === 'hello');
    expect(mail).toMatchObject({ to: 'b@example.org', from: 'a@example.org', subject: 'hello', text: 'Code: 42\n', html: '<p>hello</p>', envelopeTo: ['b@example.org'] });
    expect(smtp.messages).toHaveLength(1);
  });

  it('waitFor resolves for a message that arrives later, and rejects with a clear message on timeout', async () => {
    const later = smtp.waitFor((m) => m.subject === 'later');
    await send('later');
    await expect(later).resolves.toMatchObject({ subject: 'later' });
    await expect(smtp.waitFor((m) => m.subject === 'never', 200)).rejects.toThrow(/no matching message within 200 ms.*received 1: "later"/);
  });

  it('down() closes the port and up() accepts again on the same port', async () => {
    const port = smtp.port;
    await smtp.down();
    expect(await canConnect(port)).toBe(false);
    await expect(send('while down')).rejects.toBeTruthy();
    await smtp.up();
    expect(smtp.port).toBe(port);
    expect(await canConnect(port)).toBe(true);
    await send('after up');
    await expect(smtp.waitFor((m) => m.subject === 'after up')).resolves.toBeTruthy();
  });

  it('counts the connections it accepted and the most open at once; clear() resets the counts', async () => {
    await send('one');
    await send('two');
    expect(smtp.connections).toBe(2);
    expect(smtp.peakOpenConnections).toBeGreaterThanOrEqual(1);
    smtp.clear();
    expect(smtp.connections).toBe(0);
    expect(smtp.messages).toHaveLength(0);
  });

  it('stop() rejects pending waiters', async () => {
    const pending = smtp.waitFor(() => false);
    await smtp.stop();
    await expect(pending).rejects.toThrow(/stopped/);
  });
});

describe('extractCode', () => {
  const mail = (text: string): ReceivedMail => ({ to: '', from: '', subject: 's', text, html: '', envelopeTo: [], envelopeFrom: '', messageId: '', receivedAt: new Date() });

  it('returns the value after "Code: " on a line of its own', () => {
    expect(extractCode(mail('Hello,\n\nCode: 0a1B-c_\n\nbye\n'))).toBe('0a1B-c_');
    expect(extractCode(mail('Code: 123456\r\nbye'))).toBe('123456');
  });

  it('rejects a text without exactly one such line', () => {
    expect(() => extractCode(mail('no code here'))).toThrow(/found 0/);
    expect(() => extractCode(mail('Your Code: 1'))).toThrow(/found 0/);
    expect(() => extractCode(mail('Code: 1\nCode: 2'))).toThrow(/found 2/);
  });
});
