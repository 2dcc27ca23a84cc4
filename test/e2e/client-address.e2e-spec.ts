import type { AddressInfo } from 'node:net';
import { createAccount, GOOD_PASSWORD, setPasswordWithInvitation } from './support/factories';
import { ADMIN_KEY, startTestApp, TestApp } from './support/test-app';
import { SmtpTestServer } from '../support/smtp-test-server';

/**
 * Issue 17: an operator who follows a client from the logs to the audit events (or back) finds the
 * same address in both. The service listens on `::` (dual-stack, as `npm start` does), where Node
 * reports an IPv4 client as `::ffff:127.0.0.1`; the audit events wrote that while the logs wrote
 * `127.0.0.1`. Both now write `127.0.0.1`.
 */
jest.setTimeout(60_000);

interface LogLine {
  event?: string;
  client?: string;
  msg?: string;
}

describe('client address: one form in the logs and the audit events', () => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  let base: string;
  const lines: LogLine[] = [];

  beforeAll(async () => {
    smtp = await SmtpTestServer.start();
    t = await startTestApp({
      kind: 'sqlite', smtpUrl: smtp.url, env: { LOG_LEVEL: 'info' }, listen: false,
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    });
    // No host: every interface, IPv6 and IPv4 on one socket, as main.ts listens.
    await t.app.listen(0);
    const address = t.app.getHttpServer().address() as AddressInfo;
    expect(address.address).toBe('::');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('an IPv4 client of the dual-stack socket is 127.0.0.1 in the audit events and in the log lines, never ::ffff:127.0.0.1', async () => {
    const { ownerEmail, ownerId } = await createAccount(t);
    await setPasswordWithInvitation(t, smtp, ownerEmail, GOOD_PASSWORD);

    // A reset request (audited once resolved: recovery.requested) and a wrong reset code (reset.failed), over the socket.
    expect((await post('/v1/auth/password-reset/request', { email: ownerEmail })).status).toBe(200);
    await t.flushMail();
    expect((await post('/v1/auth/password-reset/reset', { code: '000000', new_password: 'Other-Lantern-88' })).status).toBe(400);
    // A login with the wrong password (login.failed).
    expect((await post('/auth/login', { email: ownerEmail, password: 'Wrong-Password-1' })).status).toBe(401);

    const res = await fetch(`${base}/audit-events?limit=200`, { headers: { 'X-Api-Key': ADMIN_KEY } });
    const events = ((await res.json()) as { data: Array<{ type: string; user_id: string | null; client_ip: string | null }> }).data;
    const mine = events.filter((e) => ['recovery.requested', 'reset.failed', 'login.failed'].includes(e.type));
    expect(mine.map((e) => e.type).sort()).toEqual(['login.failed', 'recovery.requested', 'reset.failed']);
    expect(events.find((e) => e.type === 'recovery.requested')?.user_id).toBe(ownerId);
    for (const e of mine) expect(e).toMatchObject({ client_ip: '127.0.0.1' });

    const logged = lines.filter((l) => l.event?.startsWith('password_reset.'));
    expect(logged.map((l) => l.event).sort()).toEqual(['password_reset.code_issued', 'password_reset.completed', 'password_reset.requested']);
    for (const l of logged) expect(l.client).toBe('127.0.0.1');
    expect(JSON.stringify(lines)).not.toContain('::ffff:');
    expect(JSON.stringify(events)).not.toContain('::ffff:');
  });
});
