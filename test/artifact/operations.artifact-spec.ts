import bcrypt from 'bcrypt';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Script } from 'node:vm';
import { ROOT } from '../e2e/support/built-service';
import { ADMIN_KEY } from '../support/admin-key';
import { extractCode } from '../support/smtp-test-server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { useArtifact } from './support/artifact';
import { OpenApiDocument, OperationClient, OperationCoverage } from './support/operations';

/**
 * The built service as `npm start` runs it (dist/, its node options, NODE_ENV=production), over real
 * HTTP: every operation of its own /docs-json gets at least one request, each answered with the status
 * the flow expects and the document lists; Swagger UI's scripts parse. Issue 17 ("what people run is
 * what is tested").
 */
jest.setTimeout(60_000);

const PASSWORD = 'Tr1cky-Lantern-42';
const NEW_PASSWORD = 'Brisk-Otter-Canyon-71';
const THIRD_PASSWORD = 'Quiet-Harbor-Maple-93';
const admin = { 'X-Api-Key': ADMIN_KEY };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const email = (prefix: string) => `${prefix}.${randomBytes(4).toString('hex')}@example.com`;

describe('the built service (npm start) over HTTP: one request per operation of /docs-json', () => {
  // What Node's loader loaded, written on SIGUSR2 by a passive preload (test/support/loaded-packages.js).
  const loadedFile = join(tmpdir(), `pls-loaded-${randomBytes(6).toString('hex')}.json`);
  // Webhooks to the test's own receiver on the loopback: allowed as on-premises receivers are.
  const s = useArtifact({
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    NODE_OPTIONS: `--require ${join(ROOT, 'test', 'support', 'loaded-packages.js')}`,
    PLS_LOADED_PACKAGES_FILE: loadedFile,
  });
  afterAll(() => rmSync(loadedFile, { force: true }));
  let api: OperationClient;
  /** What one step leaves for the next. */
  const state: { accountId?: string; ownerEmail?: string; memberId?: string; memberEmail?: string } = {};
  const codeFrom = async (to: string, subject: RegExp, since: number) => extractCode(await s.app.mail(to, { subject, since }));

  beforeAll(async () => {
    const res = await fetch(s.app.url('/docs-json'));
    expect(res.status).toBe(200);
    api = new OperationClient(s.app.baseUrl, new OperationCoverage((await res.json()) as OpenApiDocument));
  });

  it('Swagger UI: /docs and every script it loads are served, and each parses (swagger-ui-init.js holds no document)', async () => {
    const page = await fetch(s.app.url('/docs'));
    expect(page.status).toBe(200);
    const html = await page.text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => new URL(m[1], s.app.url('/docs')).pathname);
    expect(scripts).toContain('/docs/swagger-ui-init.js');
    for (const path of scripts) {
      const res = await fetch(s.app.url(path));
      expect([path, res.status]).toEqual([path, 200]);
      const source = await res.text();
      // `node --check`: compiled, not run.
      expect(() => new Script(source, { filename: path })).not.toThrow();
      if (path.endsWith('swagger-ui-init.js')) {
        expect(source).toMatch(/"url":\s*"\/docs-json"/);
        expect(source).not.toContain('/accounts/set-password');
      }
    }
    // Its own Content-Security-Policy: no inline script, nothing from another origin.
    expect(page.headers.get('content-security-policy')).toMatch(/(^|; )script-src 'self';/);
  });

  it('health, metrics, the JWKS and the pages\' assets answer', async () => {
    await api.send('GET', '/health', { expect: 200 });
    await api.send('GET', '/health/live', { expect: 200 });
    const metrics = await api.send('GET', '/metrics', { expect: 200 });
    expect(metrics.text).toContain('http_requests_total');
    const jwks = await api.send('GET', '/.well-known/jwks.json', { expect: 200 });
    const metadata = await api.send('GET', '/.well-known/oauth-authorization-server', { expect: 200 });
    expect(metadata.body).toMatchObject({ grant_types_supported: ['client_credentials'] });
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    for (const asset of ['/assets/pages.js', '/assets/pages.css', '/assets/favicon.svg']) await api.send('GET', asset, { expect: 200 });
  });

  it('admin API: an account, its policy, links and users; API keys and an OAuth client token; audit events', async () => {
    state.ownerEmail = email('owner');
    const created = await api.send('POST', '/accounts', { headers: admin, json: { name: 'Artifact Inc', owner: { email: state.ownerEmail, firstName: 'Olga', lastName: 'Owner' } }, expect: 201 });
    const accountId: string = created.body.data.account_id;
    state.accountId = accountId;
    await api.send('GET', `/accounts/${accountId}`, { headers: admin, expect: 200 });
    const policy = { minLength: 8, maxLength: 99, requiredClasses: ['lower', 'upper', 'digit', 'special'], minClasses: 0, historySize: 3, maxAgeDays: 0, rejectCommon: true, rejectUserInfo: false, passwordLogin: true };
    await api.send('PUT', `/accounts/${accountId}/password-policy`, { headers: admin, json: policy, expect: 200 });
    await api.send('PUT', `/accounts/${accountId}/links`, { headers: admin, json: { invitation: null, verification: null, reset: null, recovery: null }, expect: 200 });
    await api.send('PUT', `/accounts/${accountId}/sign-up`, { headers: admin, json: { selfSignUp: false, signUpDomains: ['example.com'] }, expect: 200 });
    state.memberEmail = email('member');
    const member = await api.send('POST', `/accounts/${accountId}/users`, { headers: admin, json: { email: state.memberEmail, firstName: 'Max', lastName: 'Member' }, expect: 201 });
    state.memberId = member.body.data.user_id;
    const listed = await api.send('GET', `/accounts/${accountId}/users?email=${encodeURIComponent(state.memberEmail)}`, { headers: admin, expect: 200 });
    expect(listed.body.data).toHaveLength(1);
    await api.send('GET', `/users/${state.memberId}`, { headers: admin, expect: 200 });
    await api.send('PATCH', `/users/${state.memberId}`, { headers: admin, json: { locale: 'en' }, expect: 200 });

    const key = await api.send('POST', '/api-keys', { headers: admin, json: { name: 'artifact integrator', scopes: ['users:write'] }, expect: 201 });
    await api.send('GET', '/api-keys', { headers: admin, expect: 200 });
    const basic = `Basic ${Buffer.from(`${key.body.id}:${key.body.key}`).toString('base64')}`;
    const token = await api.send('POST', '/oauth/token', { headers: { Authorization: basic }, form: { grant_type: 'client_credentials' }, expect: 200 });
    await api.send('GET', `/users/${state.memberId}`, { headers: bearer(token.body.access_token), expect: 200 });
    await api.send('DELETE', `/api-keys/${key.body.id}`, { headers: admin, expect: 204 });
    await api.send('GET', `/users/${state.memberId}`, { headers: bearer(token.body.access_token), expect: 401 });
    const events = await api.send('GET', '/audit-events?type=api_key.created', { headers: admin, expect: 200 });
    expect(events.body.data.map((e: { type: string }) => e.type)).toContain('api_key.created');
  });

  it('webhooks: one to a local receiver hears a new user, signed by Standard Webhooks; listed, paused, its secret rotated, deleted', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const hooks = `/accounts/${state.accountId}/webhooks`;
      const created = await api.send('POST', hooks, { headers: admin, json: { url: receiver.url('/artifact'), events: ['user.created'] }, expect: 201 });
      const { id, secret } = created.body.data;
      const invited = await api.send('POST', `/accounts/${state.accountId}/users`, { headers: admin, json: { email: email('hooked') }, expect: 201 });
      const heard = await receiver.waitFor((r) => r.path === '/artifact');
      expect(WebhookReceiver.verify(secret, heard)).toMatchObject({ type: 'user.created', data: { user_id: invited.body.data.user_id, account_id: state.accountId, via: 'invitation' } });
      const listed = await api.send('GET', hooks, { headers: admin, expect: 200 });
      expect(listed.text).not.toContain(secret);
      await api.send('PATCH', `${hooks}/${id}`, { headers: admin, json: { enabled: false }, expect: 200 });
      const paused = await api.send('GET', hooks, { headers: admin, expect: 200 });
      expect(paused.body.data.find((h: { id: string }) => h.id === id)).toMatchObject({ enabled: false, paused_reason: 'admin' });
      const rotated = await api.send('POST', `${hooks}/${id}/secret`, { headers: admin, expect: 200 });
      expect(rotated.body.data.secret).not.toBe(secret);
      await api.send('DELETE', `${hooks}/${id}`, { headers: admin, expect: 204 });
      const after = await api.send('GET', hooks, { headers: admin, expect: 200 });
      expect(after.body.data.map((h: { id: string }) => h.id)).not.toContain(id);
    } finally {
      await receiver.stop();
    }
  });

  it('D1 and sessions: the owner sets a password with the invitation, logs in, refreshes, reads itself, logs out', async () => {
    const token = await codeFrom(state.ownerEmail!, /invited/i, 0);
    await api.send('POST', '/accounts/set-password', { json: { token, password: PASSWORD }, expect: 200 });
    const login = await api.send('POST', '/auth/login', { json: { email: state.ownerEmail, password: PASSWORD }, expect: 200 });
    await api.send('GET', '/users/me', { headers: bearer(login.body.token.access_token), expect: 200 });
    const refreshed = await api.send('POST', '/auth/refresh', { json: { refresh_token: login.body.token.refresh_token }, expect: 200 });
    await api.send('POST', '/auth/logout', { headers: bearer(refreshed.body.token.access_token), expect: 204 });
    await api.send('POST', '/auth/refresh', { json: { refresh_token: refreshed.body.token.refresh_token }, expect: 401 });
  });

  it('D2: sign up into the account (its domain is open), verify the email with the mailed code, set the password with the verification JWT', async () => {
    const signUpEmail = email('signup');
    const since = s.app.smtp.messages.length;
    await api.send('POST', '/auth/signup', { json: { email: signUpEmail, firstName: 'Sam', lastName: 'Signup', account_id: state.accountId }, expect: 201 });
    const verified = await api.send('POST', '/auth/verify-email', { json: { code: await codeFrom(signUpEmail, /verify/i, since) }, expect: 200 });
    await api.send('POST', '/auth/setpassword', { headers: bearer(verified.body.data.token), json: { password: PASSWORD }, expect: 200 });
  });

  it('D3 and the admin actions on a user: set and remove a password, invitation, reset email, hash import, end sessions', async () => {
    const user = `/users/${state.memberId}`;
    await api.send('POST', `/v1/password/${state.memberId}`, { headers: admin, json: { password: { value: PASSWORD } }, expect: 200 });
    expect((await api.send('GET', user, { headers: admin, expect: 200 })).body.data).toMatchObject({ has_password: true });
    await api.send('DELETE', `/v1/password/${state.memberId}`, { headers: admin, expect: 204 });
    expect((await api.send('GET', user, { headers: admin, expect: 200 })).body.data).toMatchObject({ has_password: false });
    await api.send('POST', `${user}/invitation`, { headers: admin, expect: 202 });
    await api.send('POST', `${user}/password-reset`, { headers: admin, expect: 202 });
    const hash = (await bcrypt.hash(NEW_PASSWORD, 4)).replace(/^\$2b\$/, '$2a$');
    await api.send('PUT', `${user}/password-hash`, { headers: admin, json: { format: 'bcrypt', hash }, expect: 200 });
    await api.send('POST', '/auth/login', { json: { email: state.memberEmail, password: NEW_PASSWORD }, expect: 200 });
    await api.send('DELETE', `${user}/sessions`, { headers: admin, expect: 204 });
  });

  it('D4 and D5: recovery and reset with the codes from the emails', async () => {
    let since = s.app.smtp.messages.length;
    await api.send('POST', '/api/v2/account/recover', { json: { email: state.ownerEmail }, expect: 200 });
    const validationCode = await codeFrom(state.ownerEmail!, /recover/i, since);
    await api.send('POST', '/api/v2/account/reset', { json: { validation_code: validationCode, password: NEW_PASSWORD }, expect: 200 });
    since = s.app.smtp.messages.length;
    await api.send('POST', '/v1/auth/password-reset/request', { json: { email: state.ownerEmail }, expect: 200 });
    const code = await codeFrom(state.ownerEmail!, /reset/i, since);
    await api.send('POST', '/v1/auth/password-reset/reset', { json: { code, new_password: THIRD_PASSWORD }, expect: 200 });
    await api.send('POST', '/auth/login', { json: { email: state.ownerEmail, password: THIRD_PASSWORD }, expect: 200 });
  });

  it('the signed-in lifecycle: accounts list, a change with the current password, a temporary password changed with its change token, disable, enable, delete', async () => {
    await api.send('GET', '/accounts?limit=5', { headers: admin, expect: 200 });
    const session = await api.send('POST', '/auth/login', { json: { email: state.ownerEmail, password: THIRD_PASSWORD }, expect: 200 });
    const changed = await api.send('POST', '/users/me/password', {
      headers: bearer(session.body.token.access_token), json: { current_password: THIRD_PASSWORD, new_password: 'Fourth-Artifact-Pass-4!' }, expect: 200,
    });
    await api.send('GET', '/users/me', { headers: bearer(changed.body.data.access_token), expect: 200 });
    const user = `/users/${state.memberId}`;
    await api.send('PUT', `${user}/password`, { headers: admin, json: { password: 'Temporary-Artifact-7!', temporary: true }, expect: 200 });
    const due = await api.send('POST', '/auth/login', { json: { email: state.memberEmail, password: 'Temporary-Artifact-7!' }, expect: 403 });
    await api.send('POST', '/users/me/password', { headers: bearer(due.body.change_token), json: { new_password: 'Own-Choice-Artifact-8!' }, expect: 200 });
    await api.send('PATCH', user, { headers: admin, json: { disabled: true }, expect: 200 });
    await api.send('POST', '/auth/login', { json: { email: state.memberEmail, password: 'Own-Choice-Artifact-8!' }, expect: 403 });
    await api.send('PATCH', user, { headers: admin, json: { disabled: false }, expect: 200 });
    const doomed = await api.send('POST', `/accounts/${state.accountId}/users`, { headers: admin, json: { email: email('doomed') }, expect: 201 });
    await api.send('DELETE', `/users/${doomed.body.data.user_id}`, { headers: admin, expect: 204 });
    await api.send('GET', `/users/${doomed.body.data.user_id}`, { headers: admin, expect: 404 });
  });

  it('the pages behind the email links render, refuse a wrong code with a page, and send recovery emails', async () => {
    for (const page of ['/set-password', '/verify-email', '/password-reset', '/account/reset', '/forgot-password', '/account/recover']) {
      const res = await api.send('GET', page, { expect: 200 });
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    }
    const refusals = [
      await api.send('POST', '/set-password', { form: { token: 'not-a-real-token', step: 'open' }, expect: 400 }),
      await api.send('POST', '/verify-email', { form: { code: 'not-a-real-code', step: 'open' }, expect: 400 }),
      await api.send('POST', '/password-reset', { form: { code: 'not-a-real-code', step: 'open' }, expect: 400 }),
      await api.send('POST', '/account/reset', { form: { validation_code: 'not-a-real-code', step: 'open' }, expect: 400 }),
    ];
    for (const refusal of refusals) expect(refusal.headers.get('content-type')).toMatch(/^text\/html/); // a page, not an API error
    const since = s.app.smtp.messages.length;
    await api.send('POST', '/forgot-password', { form: { email: state.memberEmail! }, expect: 200 });
    await api.send('POST', '/account/recover', { form: { email: state.memberEmail! }, expect: 200 });
    await s.app.mail(state.memberEmail!, { subject: /reset/i, since });
    await s.app.mail(state.memberEmail!, { subject: /recover/i, since });
  });

  it('every operation of /docs-json got a request and a status the document lists; the service logged no error', () => {
    expect(api.coverage.missing()).toEqual([]);
    expect(api.coverage.operations.length).toBeGreaterThanOrEqual(50);
    const errors = s.app.logLines().filter((line) => typeof line.level === 'number' && line.level >= 50);
    expect(errors).toEqual([]);
  });

  it('after every operation, the service ran from its bundle: nothing of the per-file build was loaded, and the bundle required only the packages scripts/bundle.js leaves external', async () => {
    // A package the bundle contains but also loads by a name esbuild could not follow (terminus did, for
    // TypeORM) would be a second copy from node_modules: ~0.5 s more at every start (issue 22).
    const { isExternal } = require(join(ROOT, 'scripts', 'bundle.js')) as { isExternal(pkg: string): boolean };
    process.kill(s.app.instance.process.pid!, 'SIGUSR2');
    for (const deadline = Date.now() + 10_000; !existsSync(loadedFile) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    const loaded = JSON.parse(readFileSync(loadedFile, 'utf8')) as Array<{ file: string; parent: string | null }>;
    const bundle = join(ROOT, 'dist', 'bundle', 'service.js');
    const fromDist = loaded.map((m) => relative(ROOT, m.file)).filter((f) => f.startsWith('dist/'));
    const requiredByBundle = [...new Set(loaded.filter((m) => m.parent === bundle).map((m) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(m.file)?.[1] ?? relative(ROOT, m.file)))];
    expect({ fromDist, notExternal: requiredByBundle.filter((p) => !isExternal(p)) }).toEqual({ fromDist: ['dist/start.js', 'dist/bundle-loader.js'], notExternal: [] });
    expect(requiredByBundle).toEqual(expect.arrayContaining(['bcrypt', 'better-sqlite3']));
    expect(requiredByBundle).not.toContain('pino');
  });
});
