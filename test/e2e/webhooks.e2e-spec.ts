import * as bcrypt from 'bcrypt';
import { Writable } from 'node:stream';
import { WebhookDeliveryWorker } from '../../src/features/webhooks/webhook-delivery.worker';
import { WebhookSender } from '../../src/features/webhooks/webhook-sender';
import { HostResolver } from '../../src/features/webhooks/webhook-targets';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { ReceivedHook, WebhookReceiver } from '../support/webhook-receiver';
import { describeEachDatabase } from './support/databases';
import {
  admin, createAccount, createUser, failInsertsInto, GOOD_PASSWORD, hasPassword, latestMail, loginAs, randomClientIp, setPasswordWithInvitation, signUpAndVerify, sql, uniqueEmail,
} from './support/factories';
import { ADMIN_KEY, startTestApp, TestApp, withAppAndSmtp } from './support/test-app';
import { deliveriesOf, eventually, register, worker } from './support/webhooks';

/**
 * Issue 21, webhooks (CONTRACT.md "Webhooks"): every event type published today reaches a real HTTP
 * receiver and verifies with the `standardwebhooks` library; a failing receiver gets the same
 * `webhook-id` again and, failing for 24 hours, is paused until it is enabled again; a hanging one never
 * slows the request that caused the event; a rolled-back change sends nothing; no secret is in any body
 * or log line; two instances deliver each event once; the SSRF rules hold at registration and before
 * every attempt.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function userIdOf(t: TestApp, email: string): Promise<string> {
  const [row] = await sql<{ id: string }>(t, 'SELECT id FROM users WHERE email_normalized = $1', [email.toLowerCase()]);
  return row.id;
}

/** Every log line of the app, to search for secrets (SECURITY.md I1). */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
}

describeEachDatabase('webhooks: delivery to a real receiver, signed by Standard Webhooks (issue 21)', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  let receiver: WebhookReceiver;
  const logs = new LogCapture();
  /** Every webhook secret handed out in this suite, for the secret checks. */
  const secrets: string[] = [];
  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_TIMEOUT_SECONDS: '3', TRUST_PROXY: 'true', LOG_LEVEL: 'debug' }, logDestination: logs });
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });
  const registered = async (accountId: string, path: string, events?: string[]) => {
    const hook = await register(t, accountId, receiver.url(path), events);
    secrets.push(hook.secret);
    return hook;
  };
  const verified = (secret: string, hook: ReceivedHook) => WebhookReceiver.verify(secret, hook, t.clock.nowMs());

  describe('every event type', () => {
    /** What each flow below must make the receiver hear: type, user, and the via or reason. */
    const expected: Array<{ type: string; user: string; detail: string }> = [];
    /** Every secret the flows used (passwords, codes, tokens, hashes), none of which may reach a receiver. */
    const used: string[] = [ADMIN_KEY];
    let accountId: string;
    let hook: { id: string; secret: string };

    beforeAll(async () => {
      accountId = (await createAccount(t, { selfSignUp: true })).accountId;
      hook = await registered(accountId, '/all');
      const want = (type: string, user: string, detail: string) => expected.push({ type, user, detail });

      // Invited, then D1 with the invitation: user.created (invitation), password.set (invitation).
      const invited = await createUser(t, accountId);
      want('user.created', invited.userId, 'invitation');
      const d1Password = `D1-${GOOD_PASSWORD}`;
      used.push(d1Password);
      await setPasswordWithInvitation(t, smtp, invited.email, d1Password);
      want('password.set', invited.userId, 'invitation');

      // Self sign-up into the account, then D2 with the verification JWT: user.created (signup), password.set (verification).
      const { email: signedUpEmail, verificationJwt } = await signUpAndVerify(t, smtp, { account_id: accountId });
      const signedUp = await userIdOf(t, signedUpEmail);
      want('user.created', signedUp, 'signup');
      const d2 = await t.http.post('/auth/setpassword').set({ Authorization: `Bearer ${verificationJwt}` }).send({ password: `D2-${GOOD_PASSWORD}` }).expect(200);
      used.push(verificationJwt, `D2-${GOOD_PASSWORD}`, d2.body.data.token, d2.body.data.refreshToken);
      want('password.set', signedUp, 'verification');

      // D3 by the integrator, then an imported hash, then D3's DELETE: password.set (integrator, import), password.removed (integrator).
      const integrated = await createUser(t, accountId);
      want('user.created', integrated.userId, 'invitation');
      const d3 = await t.http.post(`/v1/password/${integrated.userId}`).set(admin).send({ password: { value: `D3-${GOOD_PASSWORD}` } }).expect(200);
      used.push(`D3-${GOOD_PASSWORD}`, d3.body.token);
      want('password.set', integrated.userId, 'integrator');
      const importedHash = bcrypt.hashSync(`Imported-${GOOD_PASSWORD}`, 4);
      used.push(`Imported-${GOOD_PASSWORD}`, importedHash);
      await t.http.put(`/users/${integrated.userId}/password-hash`).set(admin).send({ format: 'bcrypt', hash: importedHash }).expect(200);
      want('password.set', integrated.userId, 'import');
      await t.http.delete(`/v1/password/${integrated.userId}`).set(admin).expect(204);
      want('password.removed', integrated.userId, 'integrator');

      // D4 recovery (logs the user in), then a D5 reset, which ends that session: password.set (recovery, reset), sessions.revoked (password_set).
      let since = smtp.messages.length;
      await t.http.post('/api/v2/account/recover/').set('X-Forwarded-For', randomClientIp()).send({ email: invited.email }).expect(200);
      const validationCode = extractCode(await latestMail(t, smtp, invited.email, (m) => /recover/i.test(m.subject), since));
      const d4 = await t.http.post('/api/v2/account/reset/').set('X-Forwarded-For', randomClientIp()).send({ validation_code: validationCode, password: `D4-${GOOD_PASSWORD}` }).expect(200);
      used.push(validationCode, `D4-${GOOD_PASSWORD}`, d4.body.token.access_token, d4.body.token.refresh_token);
      want('password.set', invited.userId, 'recovery');
      since = smtp.messages.length;
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', randomClientIp()).send({ email: invited.email }).expect(200);
      const resetCode = extractCode(await latestMail(t, smtp, invited.email, (m) => /reset/i.test(m.subject), since));
      await t.http.post('/v1/auth/password-reset/reset').set('X-Forwarded-For', randomClientIp()).send({ code: resetCode, new_password: `D5-${GOOD_PASSWORD}` }).expect(200);
      used.push(resetCode, `D5-${GOOD_PASSWORD}`);
      want('password.set', invited.userId, 'reset');
      want('sessions.revoked', invited.userId, 'password_set');

      // An administrator ends the signed-up user's sessions (the one D2 opened): sessions.revoked (admin).
      await t.http.delete(`/users/${signedUp}/sessions`).set(admin).expect(204);
      want('sessions.revoked', signedUp, 'admin');

      // Signed in, the user changes the password: password.set (change); the session it signed in with ends: sessions.revoked (password_set).
      const session = await loginAs(t, invited.email, `D5-${GOOD_PASSWORD}`);
      const changed = await t.http.post('/users/me/password').set({ Authorization: `Bearer ${session.access_token}` })
        .send({ current_password: `D5-${GOOD_PASSWORD}`, new_password: `Changed-${GOOD_PASSWORD}` }).expect(200);
      used.push(session.access_token, session.refresh_token, `Changed-${GOOD_PASSWORD}`, changed.body.data.access_token, changed.body.data.refresh_token);
      want('password.set', invited.userId, 'change');
      want('sessions.revoked', invited.userId, 'password_set');

      // An administrator sets a temporary password, then an ordinary one: password.set (temporary, admin).
      await t.http.put(`/users/${integrated.userId}/password`).set(admin).send({ password: `Temporary-${GOOD_PASSWORD}`, temporary: true }).expect(200);
      want('password.set', integrated.userId, 'temporary');
      await t.http.put(`/users/${integrated.userId}/password`).set(admin).send({ password: `Ordinary-${GOOD_PASSWORD}`, temporary: false }).expect(200);
      want('password.set', integrated.userId, 'admin');
      used.push(`Temporary-${GOOD_PASSWORD}`, `Ordinary-${GOOD_PASSWORD}`);

      // The end of a user's life: disabled, enabled, erased.
      await t.http.patch(`/users/${signedUp}`).set(admin).send({ disabled: true }).expect(200);
      want('user.disabled', signedUp, '');
      await t.http.patch(`/users/${signedUp}`).set(admin).send({ disabled: false }).expect(200);
      want('user.enabled', signedUp, '');
      await t.http.delete(`/users/${integrated.userId}`).set(admin).expect(204);
      want('user.deleted', integrated.userId, '');

      for (const row of await sql<{ hash: string }>(t, 'SELECT hash FROM credentials UNION ALL SELECT hash FROM password_history')) used.push(row.hash);
      for (const mail of smtp.messages) {
        const code = /^Code: (\S+)$/m.exec(mail.text ?? '');
        if (code) used.push(code[1]);
      }
      await worker(t).drain();
      await eventually('every expected event at the receiver', async () => receiver.at('/all').length, (n) => n >= expected.length);
    });

    it('each type arrives once per change, verifies with the standardwebhooks library, and says the user, the account and how (CONTRACT.md "Webhooks")', () => {
      const heard = receiver.at('/all').map((r) => {
        const body = verified(hook.secret, r) as { type: string; timestamp: string; data: Record<string, unknown> };
        expect(Object.keys(body).sort()).toEqual(['data', 'timestamp', 'type']);
        expect(body.data.account_id).toBe(accountId);
        expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp);
        expect(r.headers['webhook-id']).toMatch(UUID);
        expect(r.headers['content-type']).toBe('application/json');
        return { type: body.type, user: String(body.data.user_id), detail: String(body.data.via ?? body.data.reason ?? '') };
      });
      const order = (a: { type: string; user: string; detail: string }, b: typeof a) => `${a.type}${a.user}${a.detail}`.localeCompare(`${b.type}${b.user}${b.detail}`);
      expect(heard.sort(order)).toEqual([...expected].sort(order));
      expect(new Set(receiver.at('/all').map((r) => r.headers['webhook-id'])).size).toBe(expected.length);
      // Every type of CONTRACT.md "Webhooks", and every way a password is set.
      expect(new Set(heard.map((h) => h.type))).toEqual(new Set(['user.created', 'password.set', 'password.removed', 'sessions.revoked', 'user.disabled', 'user.enabled', 'user.deleted']));
      expect(new Set(heard.filter((h) => h.type === 'password.set').map((h) => h.detail))).toEqual(
        new Set(['invitation', 'verification', 'integrator', 'recovery', 'reset', 'change', 'temporary', 'admin', 'import']),
      );
    });

    it('I1: no body and no header holds a password, code, token, API key, hash, webhook secret or email address, of any type', () => {
      const everything = receiver.at('/all').map((r) => `${r.body}\n${JSON.stringify(r.headers)}`).join('\n');
      expect(used.length).toBeGreaterThan(15);
      for (const secret of [...used, ...secrets]) expect(everything.includes(secret)).toBe(false);
      expect(everything).not.toMatch(/@example\.com/);
    });
  });

  it('a receiver answering 500 gets the same webhook-id again after 5 s, newly signed; a 2xx then delivers it; a redirect is an answer, never followed', async () => {
    const { accountId } = await createAccount(t);
    const hook = await registered(accountId, '/flaky', ['user.created']);
    let answers = 0;
    receiver.answer = (r) => (r.path === '/flaky' ? [500, 307, 204][Math.min(answers++, 2)] : 204);
    try {
      const since = receiver.received.length;
      const { userId } = await createUser(t, accountId);
      const first = await receiver.waitFor((r) => r.path === '/flaky', 10_000, since);
      const [row] = await eventually('the first attempt recorded', () => deliveriesOf(t, hook.id), ([d]) => d?.attempts === 1);
      expect(row).toMatchObject({ event_type: 'user.created', status: 'pending', last_status: 500 });
      expect(verified(hook.secret, first)).toMatchObject({ type: 'user.created', data: { user_id: userId } });

      t.clock.advance(5_000);
      await worker(t).drain();
      const second = await receiver.waitFor((r) => r.path === '/flaky' && r !== first, 10_000, since);
      expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
      expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']); // newly signed
      expect(verified(hook.secret, second)).toMatchObject({ type: 'user.created', data: { user_id: userId } });
      await eventually('the redirect recorded', () => deliveriesOf(t, hook.id), ([d]) => d?.attempts === 2);
      expect((await deliveriesOf(t, hook.id))[0]).toMatchObject({ status: 'pending', last_status: 307 });

      t.clock.advance(5 * 60_000);
      await worker(t).drain();
      const third = await receiver.waitFor((r) => r.path === '/flaky' && r !== first && r !== second, 10_000, since);
      expect(third.headers['webhook-id']).toBe(first.headers['webhook-id']);
      expect(Number(third.headers['webhook-timestamp'])).toBeGreaterThan(Number(first.headers['webhook-timestamp']));
      expect(third.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
      await eventually('delivered', () => deliveriesOf(t, hook.id), ([d]) => d?.status === 'delivered');
      expect(receiver.at('/redirected')).toEqual([]);
    } finally {
      receiver.answer = () => 204;
    }
  });

  it('a receiver that hangs never slows the request that caused the event: it is answered before the attempt ends, which times out and stays pending for a retry', async () => {
    const { accountId } = await createAccount(t);
    const { userId } = await createUser(t, accountId);
    const hook = await registered(accountId, '/hang', ['password.set']);
    receiver.answer = (r) => (r.path === '/hang' ? 'hang' : 204);
    try {
      const since = receiver.received.length;
      await t.http.post(`/v1/password/${userId}`).set(admin).send({ password: { value: `Usual-${GOOD_PASSWORD}` } }).expect(200);
      // Ordered, not timed: the hanging receiver ends an attempt only by its 3 s timeout, and when the request
      // is answered no attempt has ended (a request that waited for its webhook would find one recorded).
      expect((await deliveriesOf(t, hook.id)).map((d) => [d.event_type, d.attempts])).toEqual([['password.set', 0]]);
      const attempt = await receiver.waitFor((r) => r.path === '/hang', 10_000, since);
      expect(attempt.json).toMatchObject({ type: 'password.set', data: { user_id: userId } });
      expect(receiver.hanging.length).toBeGreaterThan(0);
      const [row] = await eventually('the timed-out attempt recorded', () => deliveriesOf(t, hook.id), ([d]) => d?.attempts === 1, 15_000);
      expect(row).toMatchObject({ status: 'pending', last_status: null, last_error: 'no answer within 3 s' });
    } finally {
      receiver.answer = () => 204;
    }
  });

  it('H2: a change that rolls back sends nothing, and a change whose event cannot be queued does not happen', async () => {
    const { accountId } = await createAccount(t);
    const hook = await registered(accountId, '/rollback', ['password.set']);
    const { userId, email } = await createUser(t, accountId);
    await t.http.post(`/v1/password/${userId}`).set(admin).send({ password: { value: GOOD_PASSWORD } }).expect(200);
    await receiver.waitFor((r) => r.path === '/rollback' && r.json.data.user_id === userId);

    // D4 issues its session after the password.set event is queued: failing that insert rolls the whole change back.
    const since = smtp.messages.length;
    await t.http.post('/api/v2/account/recover/').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
    const code = extractCode(await latestMail(t, smtp, email, (m) => /recover/i.test(m.subject), since));
    const restore = await failInsertsInto(t, 'refresh_tokens');
    const failed = await t.http.post('/api/v2/account/reset/').set('X-Forwarded-For', randomClientIp()).send({ validation_code: code, password: `Rolled-${GOOD_PASSWORD}` });
    await restore();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await hasPassword(t, userId, GOOD_PASSWORD)).toBe(true);
    await worker(t).drain(); // every due delivery attempted, its answer received: a stray one would show below
    expect((await deliveriesOf(t, hook.id)).map((d) => d.event_type)).toEqual(['password.set']);
    expect(receiver.at('/rollback')).toHaveLength(1);

    // The event's own row failing to insert stops the change: no password without its event.
    const restoreOutbox = await failInsertsInto(t, 'webhook_deliveries');
    const refused = await t.http.put(`/users/${userId}/password-hash`).set(admin).send({ format: 'bcrypt', hash: bcrypt.hashSync(`Unheard-${GOOD_PASSWORD}`, 4) });
    await restoreOutbox();
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(await hasPassword(t, userId, GOOD_PASSWORD)).toBe(true);

    // The code was not spent: the retried reset succeeds and is heard once.
    await t.http.post('/api/v2/account/reset/').set('X-Forwarded-For', randomClientIp()).send({ validation_code: code, password: `Rolled-${GOOD_PASSWORD}` }).expect(200);
    const heard = await receiver.waitFor((r) => r.path === '/rollback' && r.json.data.via === 'recovery');
    expect(heard.json.data.user_id).toBe(userId);
  });

  it('the connection goes to the address the service resolved and checked (pinned), the Host header still naming the URL\'s host', async () => {
    const { accountId } = await createAccount(t);
    const resolver = jest.spyOn(t.app.get(HostResolver), 'lookup').mockImplementation(async (host) => {
      if (host === 'pinned.webhooks.test') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    });
    try {
      const hook = await registered(accountId, '/unused', ['user.created']);
      await t.http.patch(`/accounts/${accountId}/webhooks/${hook.id}`).set(admin).send({ url: `http://pinned.webhooks.test:${receiver.port}/pinned` }).expect(200);
      const { userId } = await createUser(t, accountId);
      const heard = await receiver.waitFor((r) => r.path === '/pinned');
      expect(heard.headers.host).toBe(`pinned.webhooks.test:${receiver.port}`);
      expect(verified(hook.secret, heard)).toMatchObject({ type: 'user.created', data: { user_id: userId } });
    } finally {
      resolver.mockRestore();
    }
  });

  it('the management API: the secret is shown once; list, change, rotate (both secrets sign for 24 hours), delete; each audited without the secret', async () => {
    const { accountId } = await createAccount(t);
    const created = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url: receiver.url('/managed'), events: ['user.created'] }).expect(201);
    const { id, secret } = created.body.data;
    secrets.push(secret);
    expect(created.body.data).toEqual({
      id: expect.stringMatching(UUID), url: receiver.url('/managed'), events: ['user.created'], enabled: true, paused_reason: null, paused_at: null,
      previous_secret_expires_at: null, created_at: expect.any(String), updated_at: expect.any(String), secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const listed = await t.http.get(`/accounts/${accountId}/webhooks`).set(admin).expect(200);
    const { secret: _shownOnce, ...shown } = created.body.data;
    expect(listed.body.data).toEqual([shown]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);

    const changed = await t.http.patch(`/accounts/${accountId}/webhooks/${id}`).set(admin).send({ events: null }).expect(200);
    expect(changed.body.data.events).toEqual(['password.set', 'password.removed', 'user.created', 'user.disabled', 'user.enabled', 'user.deleted', 'sessions.revoked']);
    expect(changed.body.data).not.toHaveProperty('secret');

    const rotated = await t.http.post(`/accounts/${accountId}/webhooks/${id}/secret`).set(admin).expect(200);
    const newSecret = rotated.body.data.secret;
    secrets.push(newSecret);
    expect(newSecret).not.toBe(secret);
    expect(new Date(rotated.body.data.previous_secret_expires_at).getTime() - t.clock.nowMs()).toBeGreaterThan(24 * 3_600_000 - 60_000);
    let since = receiver.received.length;
    await createUser(t, accountId);
    const during = await receiver.waitFor((r) => r.path === '/managed', 10_000, since);
    expect(during.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verified(secret, during)).toBeTruthy();
    expect(verified(newSecret, during)).toBeTruthy();

    t.clock.advance(24 * 3_600_000 + 1_000);
    since = receiver.received.length;
    await createUser(t, accountId);
    const after = await receiver.waitFor((r) => r.path === '/managed', 10_000, since);
    expect(after.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(verified(newSecret, after)).toBeTruthy();
    expect(() => verified(secret, after)).toThrow();

    await t.http.delete(`/accounts/${accountId}/webhooks/${id}`).set(admin).expect(204);
    expect((await t.http.delete(`/accounts/${accountId}/webhooks/${id}`).set(admin).expect(404)).body.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await t.http.get(`/accounts/${accountId}/webhooks`).set(admin).expect(200)).body.data).toEqual([]);
    const events = await t.http.get(`/audit-events?account_id=${accountId}`).set(admin).expect(200);
    const types = events.body.data.map((e: { type: string }) => e.type);
    for (const type of ['webhook.created', 'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted']) expect(types).toContain(type);
    const audited = JSON.stringify(events.body);
    expect(audited).toContain(id);
    expect(audited.includes(secret) || audited.includes(newSecret)).toBe(false);
  });

  it('refuses what it cannot store: an unknown event type, a missing URL, another account\'s webhook, an unknown account, the 21st webhook', async () => {
    const { accountId } = await createAccount(t);
    const other = await createAccount(t);
    const post = (body: object, account = accountId) => t.http.post(`/accounts/${account}/webhooks`).set(admin).send(body);
    expect((await post({ url: receiver.url(), events: ['password.changed'] }).expect(400)).body.code).toBe('REQUEST_INVALID');
    expect((await post({ events: ['password.set'] }).expect(400)).body.code).toBe('REQUEST_INVALID');
    expect((await post({ url: receiver.url(), events: [] }).expect(400)).body.code).toBe('REQUEST_INVALID');
    expect((await post({ url: receiver.url() }, '00000000-0000-4000-8000-000000000000').expect(404)).body.code).toBe('ACCOUNT_NOT_FOUND');
    const theirs = await registered(other.accountId, '/theirs');
    expect((await t.http.delete(`/accounts/${accountId}/webhooks/${theirs.id}`).set(admin).expect(404)).body.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await t.http.post(`/accounts/${accountId}/webhooks/${theirs.id}/secret`).set(admin).expect(404)).body.code).toBe('WEBHOOK_NOT_FOUND');
    for (let i = 0; i < 20; i++) await post({ url: receiver.url(`/many/${i}`) }).expect(201);
    expect((await post({ url: receiver.url('/many/21') }).expect(409)).body.code).toBe('WEBHOOK_LIMIT');
  });

  it('a receiver failing every attempt for 24 hours is paused (webhook.paused, a metric); its events wait; enabled again, they are delivered with their webhook-id', async () => {
    const { accountId } = await createAccount(t);
    const hook = await registered(accountId, '/down', ['user.created']);
    receiver.answer = (r) => (r.path === '/down' ? 503 : 204);
    try {
      const { userId } = await createUser(t, accountId);
      const firstId = (await receiver.waitFor((r) => r.path === '/down')).headers['webhook-id'];
      await eventually('the first attempt recorded', () => deliveriesOf(t, hook.id), ([d]) => d?.attempts === 1);
      // Through the retry schedule until the receiver has failed for 24 hours: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
      for (const delay of [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000]) {
        const attempts = (await deliveriesOf(t, hook.id))[0].attempts;
        t.clock.advance(delay);
        await worker(t).drain();
        await eventually('the next attempt', () => deliveriesOf(t, hook.id), ([d]) => d.attempts > attempts);
      }
      expect(receiver.at('/down').map((r) => r.headers['webhook-id'])).toEqual(Array(8).fill(firstId));
      const listed = (await t.http.get(`/accounts/${accountId}/webhooks`).set(admin).expect(200)).body.data[0];
      expect(listed).toMatchObject({ id: hook.id, enabled: false, paused_reason: 'failing', paused_at: expect.any(String) });
      const paused = await t.http.get(`/audit-events?type=webhook.paused&account_id=${accountId}`).set(admin).expect(200);
      expect(paused.body.data).toEqual([expect.objectContaining({ type: 'webhook.paused', actor: { kind: 'system', id: null }, details: expect.objectContaining({ webhook_id: hook.id, reason: 'failing' }) })]);
      expect((await deliveriesOf(t, hook.id))[0]).toMatchObject({ status: 'pending', attempts: 8 });

      // Paused: a new event is queued and held, nothing is attempted.
      const heard = receiver.at('/down').length;
      const second = await createUser(t, accountId);
      await worker(t).drain();
      t.clock.advance(60_000);
      await worker(t).drain();
      expect(receiver.at('/down')).toHaveLength(heard);
      const metrics = (await t.http.get('/metrics').expect(200)).text;
      expect(metrics).toMatch(/^webhook_pauses_total\{reason="failing"\} 1$/m);
      expect(metrics).toMatch(/^webhook_delivery_backlog\{state="held"\} [2-9]\d*$/m);
      expect(metrics).toMatch(/^webhook_delivery_attempts_total\{outcome="http_error"\} [1-9]\d*$/m);

      // Enabled again: both are due at once, each with its own webhook-id from before.
      receiver.answer = () => 204;
      const since = receiver.received.length;
      const resumed = await t.http.patch(`/accounts/${accountId}/webhooks/${hook.id}`).set(admin).send({ enabled: true }).expect(200);
      expect(resumed.body.data).toMatchObject({ enabled: true, paused_reason: null, paused_at: null });
      await worker(t).drain();
      const again = await receiver.waitFor((r) => r.path === '/down' && r.json.data.user_id === userId, 10_000, since);
      expect(again.headers['webhook-id']).toBe(firstId);
      await receiver.waitFor((r) => r.path === '/down' && r.json.data.user_id === second.userId, 10_000, since);
      expect((await deliveriesOf(t, hook.id)).map((d) => d.status)).toEqual(['delivered', 'delivered']);
      const resumedEvents = await t.http.get(`/audit-events?type=webhook.resumed&account_id=${accountId}`).set(admin).expect(200);
      expect(resumedEvents.body.data[0].details).toMatchObject({ webhook_id: hook.id, paused_reason: 'failing', deliveries: 2 });
    } finally {
      receiver.answer = () => 204;
    }
  });

  it('I1: no log line holds a webhook secret', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(secrets.length).toBeGreaterThan(3);
    const text = logs.lines.join('');
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    expect(text).not.toMatch(/whsec_/);
  });
});

describeEachDatabase('webhooks: SSRF rules at registration and before every attempt (issue 21)', (kind) => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  withAppAndSmtp(kind, (app) => {
    t = app;
  });
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  it('refuses loopback, RFC 1918, CGNAT, link-local, ::1, fc00::/7, fe80::/10, 169.254.169.254 and IPv4-mapped forms, also written as one number or in hex (400 WEBHOOK_TARGET_REFUSED)', async () => {
    const { accountId } = await createAccount(t);
    for (const url of [
      'https://127.0.0.1/hook', 'https://127.1.2.3/', 'https://2130706433/', 'https://0x7f.0.0.1/', 'https://10.0.0.8/', 'https://172.16.4.4/', 'https://192.168.1.1/',
      'https://100.64.0.1/', 'https://0.0.0.0/', 'https://169.254.169.254/latest/meta-data/', 'https://169.254.10.10/', 'https://[::1]/', 'https://[fc00::1]/',
      'https://[fd12:3456::1]/', 'https://[fe80::1]/', 'https://[::ffff:127.0.0.1]/', 'https://[::ffff:a9fe:a9fe]/', 'https://[64:ff9b::a00:1]/',
    ]) {
      const res = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url });
      expect([url, res.status, res.body.code, res.body.details]).toEqual([url, 400, 'WEBHOOK_TARGET_REFUSED', [expect.stringMatching(/public addresses only/)]]);
    }
    expect((await t.http.get(`/accounts/${accountId}/webhooks`).set(admin).expect(200)).body.data).toEqual([]);
  });

  it('refuses a name that resolves to a private address: localhost (the system resolver), and names a resolver answers with 127.0.0.1, 10.x or the metadata address', async () => {
    const { accountId } = await createAccount(t);
    const refused = async (url: string) => {
      const res = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url });
      return [url, res.status, res.body.code];
    };
    expect(await refused('https://localhost/hook')).toEqual(['https://localhost/hook', 400, 'WEBHOOK_TARGET_REFUSED']);
    const table: Record<string, string[]> = {
      'loopback.webhooks.test': ['127.0.0.1'], 'private.webhooks.test': ['10.1.2.3'], 'metadata.webhooks.test': ['169.254.169.254'],
      'mixed.webhooks.test': ['93.184.215.14', '192.168.0.9'], 'ula.webhooks.test': ['fd00::9'],
    };
    const resolver = jest.spyOn(t.app.get(HostResolver), 'lookup').mockImplementation(async (host) => (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    try {
      for (const host of Object.keys(table)) expect(await refused(`https://${host}/hook`)).toEqual([`https://${host}/hook`, 400, 'WEBHOOK_TARGET_REFUSED']);
      // No answer at all is refused the same way (registration cannot tell internal names apart).
      const unknown = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url: 'https://nowhere.webhooks.test/' }).expect(400);
      expect(unknown.body.details).toEqual([expect.stringMatching(/public addresses only/)]);
    } finally {
      resolver.mockRestore();
    }
  });

  it('only https://: http:// is refused, however public the address, as are credentials in the URL', async () => {
    const { accountId } = await createAccount(t);
    const scheme = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url: 'http://93.184.215.14/hook' }).expect(400);
    expect(scheme.body).toMatchObject({ code: 'WEBHOOK_TARGET_REFUSED', details: ['url must be an https:// URL'] });
    const creds = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url: 'https://user:pass@93.184.215.14/hook' }).expect(400);
    expect(creds.body.code).toBe('WEBHOOK_TARGET_REFUSED');
  });

  it('checks again before every attempt: a name that resolved to a public address at registration and to 127.0.0.1 now gets no connection (DNS rebinding)', async () => {
    const { accountId } = await createAccount(t);
    let answer = '93.184.215.14';
    const resolver = jest.spyOn(t.app.get(HostResolver), 'lookup').mockImplementation(async () => [{ address: answer, family: 4 }]);
    try {
      const res = await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url: `https://rebind.webhooks.test:${receiver.port}/hook`, events: ['user.created'] }).expect(201);
      answer = '127.0.0.1';
      const before = receiver.connections;
      await createUser(t, accountId);
      await t.app.get(WebhookDeliveryWorker).drain();
      const [row] = await eventually('the refused attempt recorded', () => deliveriesOf(t, res.body.data.id), ([d]) => d?.attempts === 1);
      expect(row).toMatchObject({ status: 'pending', last_status: null, last_error: 'target refused: private address' });
      expect(receiver.connections).toBe(before);
      expect((await t.http.get('/metrics').expect(200)).text).toMatch(/^webhook_delivery_attempts_total\{outcome="refused"\} 1$/m);
    } finally {
      resolver.mockRestore();
    }
  });
});

describeEachDatabase('webhooks: two instances on one database deliver each event once (issue 21)', (kind) => {
  it('every event reaches the receiver exactly once while both instances\' workers claim', async () => {
    const receiver = await WebhookReceiver.start();
    const env = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };
    const a = await startTestApp({ kind, env });
    const b = await startTestApp({ database: a.database, env, clock: a.clock });
    try {
      // Slow answers, so both workers are busy at once and their claims overlap. Six subscriptions: at most two
      // attempts per subscription are in flight across the instances, and eight per instance, so one instance can
      // never hold every slot and the other always finds deliveries to claim.
      receiver.delayMs = 50;
      const { accountId } = await createAccount(a);
      const paths = Array.from({ length: 6 }, (_, k) => `/twice-${k}`);
      const hooks = [];
      for (const path of paths) hooks.push(await register(a, accountId, receiver.url(path), ['user.created']));
      const sends = [jest.spyOn(a.app.get(WebhookSender), 'send'), jest.spyOn(b.app.get(WebhookSender), 'send')];
      const users = await Promise.all(Array.from({ length: 24 }, (_, i) => createUser(i % 2 ? a : b, accountId, uniqueEmail(`pair${i}`))));
      await Promise.all([worker(a).drain(), worker(b).drain(), worker(a).drain(), worker(b).drain()]);
      const heard = () => paths.reduce((n, path) => n + receiver.at(path).length, 0);
      await eventually('every event heard', async () => heard(), (n) => n >= users.length * paths.length, 30_000);
      // A worker sends only rows it claimed while pending (a lease in locked_until) and marks them delivered and
      // unlocked after the answer. Once every row is so, no send is in flight or can start again, so a duplicate
      // would already have been heard: counted then, instead of after a fixed wait.
      for (const hook of hooks) {
        await eventually(
          'every delivery marked delivered and unlocked',
          () => sql<{ n: string | number }>(a, "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = $1 AND status = 'delivered' AND locked_until IS NULL", [hook.id]),
          ([row]) => Number(row.n) === users.length,
          30_000,
        );
      }
      await Promise.all([worker(a).drain(), worker(b).drain()]);
      for (const path of paths) {
        const ids = receiver.at(path).map((r) => r.headers['webhook-id']);
        expect(ids).toHaveLength(users.length);
        expect(new Set(ids).size).toBe(users.length);
        expect(new Set(receiver.at(path).map((r) => String(r.json.data.user_id)))).toEqual(new Set(users.map((u) => u.userId)));
      }
      // Both instances delivered (each attempt once: the attempts add up to the events).
      const [byA, byB] = sends.map((s) => s.mock.calls.length);
      expect([byA > 0, byB > 0, byA + byB]).toEqual([true, true, users.length * paths.length]);
    } finally {
      await b.close();
      await a.close();
      await receiver.stop();
    }
  });
});
