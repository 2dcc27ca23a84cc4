import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import {
  createAccount, createUser, givePassword, hasPassword, latestMail, loginAs, randomClientIp, sql, uniqueEmail,
} from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const RECOVER = '/api/v2/account/recover/';
const RESET = '/api/v2/account/reset/';
const INVALID_CODE = { validation_code: ['Invalid or expired validation code.'] };
const REQUESTED = { detail: 'If an account with this email address exists, a validation code has been sent to it.' };
/** Seed 003's policy: 8 to 128 characters, at least 3 of the 4 classes. */
const SEED_POLICY = { minLength: 8, maxLength: 128, requiredClasses: [], minClasses: 3 };
const OLD_PASSWORD = 'Quiet-Meadow-18';
const NEW_PASSWORD = 'Bright-Comet-64';
const THREE_OF_FOUR =
  'This password must contain at least 3 of the following 4 types of characters: lower case letters, upper case letters, numbers and special characters.';

describeEachDatabase('D4 account recovery (/api/v2/account)', (kind) => {
  let smtp: SmtpTestServer;
  let t: TestApp;
  let accountId: string;

  // TRUST_PROXY lets each test choose its client address (X-Forwarded-For), so per-client limits stay per test.
  withAppAndSmtp(kind, async (app, server) => {
    [t, smtp] = [app, server];
    ({ accountId } = await createAccount(t, { policy: SEED_POLICY }));
  }, { env: { TRUST_PROXY: 'true' } });
  beforeEach(async () => {
    await sql(t, 'DELETE FROM attempt_counters');
  });

  const recover = (email: unknown, ip = randomClientIp(), path = RECOVER) => t.http.post(path).set('X-Forwarded-For', ip).send({ email });
  const reset = (body: unknown, ip = randomClientIp(), path = RESET) => t.http.post(path).set('X-Forwarded-For', ip).send(body as object);

  async function newUser(o: { email?: string; password?: string | null } = {}): Promise<{ userId: string; email: string }> {
    const user = await createUser(t, accountId, o.email ?? uniqueEmail('d4'));
    if (o.password !== null) await givePassword(t, user.userId, o.password ?? OLD_PASSWORD);
    return user;
  }

  /** Asks for a validation code for `email` (asserting the 200) and returns it from the email. */
  async function codeFor(email: string): Promise<string> {
    const since = smtp.messages.length;
    await recover(email).expect(200, REQUESTED);
    return extractCode(await latestMail(t, smtp, email, (m) => m.subject === 'Recover your account', since));
  }

  /** The same code with another verifier: names the same code, is not it. */
  function wrongVerifier(code: string): string {
    const [selector, verifier] = code.split('.');
    return `${selector}.${verifier.startsWith('A') ? 'B' : 'A'}${verifier.slice(1)}`;
  }

  async function outboxCount(recipient: string, mailKind: string): Promise<number> {
    const [row] = await sql<{ n: string | number }>(t, 'SELECT COUNT(*) AS n FROM mail_outbox WHERE recipient = $1 AND kind = $2', [recipient, mailKind]);
    return Number(row.n);
  }

  describe('recover (request a validation code)', () => {
    it('answers 200 {"detail"} with and without the trailing slash and emails a code on its own "Code:" line with a PUBLIC_URL link', async () => {
      const { email } = await newUser();
      await recover(email, randomClientIp(), '/api/v2/account/recover').expect(200, REQUESTED);
      const since = smtp.messages.length;
      await recover(email).expect(200, REQUESTED);
      const mail = await latestMail(t, smtp, email, (m) => m.subject === 'Recover your account', since);
      const code = extractCode(mail);
      expect(mail.text.split('\n')).toContain(`Code: ${code}`);
      expect(mail.text.split('\n')).toContain(`https://id.example.test/account/reset#validation_code=${code}`);
      expect(mail.html).toContain(code);
      expect(mail.envelopeTo).toEqual([email]);
    });

    it('B1 the code is <selector>.<verifier> with a 256-bit CSPRNG verifier, not a UUID, and B3 only its keyed hash is stored', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      expect(code).toMatch(/^[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
      expect(code).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      const verifier = code.split('.')[1];
      expect(Buffer.from(verifier, 'base64url')).toHaveLength(32);
      const rows = JSON.stringify(await sql(t, 'SELECT * FROM one_time_tokens'));
      expect(rows).not.toContain(verifier);
      expect(JSON.stringify(await sql(t, 'SELECT * FROM mail_outbox'))).not.toContain(verifier);
    });

    it('C6 strict types: a list, an object or a joined list is refused in DRF field style and nothing is queued', async () => {
      const { email } = await newUser();
      await recover([email, 'evil@attacker.test']).expect(400, { email: ['Not a valid string.'] });
      await recover({ $ne: null }).expect(400, { email: ['Not a valid string.'] });
      await recover(`${email},evil@attacker.test`).expect(400, { email: ['Enter a valid email address.'] });
      await recover(`${email};evil@attacker.test`).expect(400, { email: ['Enter a valid email address.'] });
      await t.flushMail();
      expect(await outboxCount(email, 'recovery')).toBe(0);
    });

    it('words other bad bodies as DRF does: required, blank, unknown field, malformed JSON', async () => {
      await t.http.post(RECOVER).send({}).expect(400, { email: ['This field is required.'] });
      await t.http.post(RECOVER).send({ email: '' }).expect(400, { email: ['This field may not be blank.'] });
      await t.http.post(RECOVER).send({ email: uniqueEmail(), is_staff: true }).expect(400, { is_staff: ['This field is not allowed.'] });
      await t.http.post(RECOVER).set('Content-Type', 'application/json').send('{"email":').expect(400, { detail: 'JSON parse error.' });
    });

    it('J4 D4 and D5 share the mail limit of an address: 3 codes per 15 minutes, then the same 200 and no mail', async () => {
      const { email } = await newUser();
      await recover(email).expect(200, REQUESTED);
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
      await recover(email).expect(200, REQUESTED);
      await recover(email).expect(200, REQUESTED);
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', randomClientIp()).send({ email }).expect(200);
      await t.flushMail();
      expect((await outboxCount(email, 'recovery')) + (await outboxCount(email, 'reset-code'))).toBe(3);
    });

    it('J4 a D4 request past the mail cap is still stored and resolved (audited as address_limited), without a mail', async () => {
      const { userId, email } = await newUser();
      for (let i = 0; i < 4; i++) await recover(email).expect(200, REQUESTED);
      await t.flushMail();
      expect(await outboxCount(email, 'recovery')).toBe(3);
      expect(await sql(t, 'SELECT * FROM recovery_requests')).toHaveLength(0);
      const events = await sql<{ outcome: string; details: string }>(t, "SELECT outcome, details FROM audit_events WHERE type = 'recovery.requested' AND user_id = $1", [userId]);
      expect(events.map((e) => e.outcome).sort()).toEqual(['address_limited', 'sent', 'sent', 'sent']);
      expect(JSON.stringify(events)).not.toContain(email.split('@')[0]);
    });

    it('C3 one client gets 429 {"detail":"Request was throttled. …"} with Retry-After after 20 requests, known or unknown address', async () => {
      const ip = randomClientIp();
      const { email } = await newUser();
      for (let i = 0; i < 20; i++) await recover(i % 2 ? email : uniqueEmail('nobody'), ip).expect(200);
      // Time stands still for the two refusals: each states the seconds left, which a second boundary between
      // them would change by one (seen on a loaded machine) without telling the addresses apart.
      const [known, unknown] = await t.clock.frozen(async () => [await recover(email, ip).expect(429), await recover(uniqueEmail('nobody'), ip).expect(429)]);
      expect(known.body.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
      expect(unknown.body).toEqual(known.body);
      expect(Number(known.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('reset (validation code + password → logged in)', () => {
    it('answers exactly 200 {"token":{access_token, expires_in, token_type, refresh_token, client_id, scope}}, not cacheable (G6)', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      const res = await reset({ validation_code: code, password: NEW_PASSWORD }, randomClientIp(), '/api/v2/account/reset').expect(200);
      expect(Object.keys(res.body)).toEqual(['token']);
      expect(Object.keys(res.body.token).sort()).toEqual(['access_token', 'client_id', 'expires_in', 'refresh_token', 'scope', 'token_type']);
      expect(res.body.token).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number), client_id: expect.any(String), scope: expect.any(String) });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('D3 the user is logged in: the new access token works, the refresh token rotates; the new password logs in and the old one not', async () => {
      const { userId, email } = await newUser();
      const code = await codeFor(email);
      const { token } = (await reset({ validation_code: code, password: NEW_PASSWORD }).expect(200)).body;
      const me = await t.http.get('/users/me').set('Authorization', `Bearer ${token.access_token}`).expect(200);
      expect(JSON.stringify(me.body)).toContain(userId);
      await t.http.post('/auth/refresh').send({ refresh_token: token.refresh_token }).expect(200);
      await t.http.post('/auth/login').send({ email, password: OLD_PASSWORD }).expect(401);
      await loginAs(t, email, NEW_PASSWORD);
    });

    it('D1/D2 ends every earlier session: old refresh tokens and old access tokens get 401', async () => {
      const { email } = await newUser();
      const first = await loginAs(t, email, OLD_PASSWORD);
      const second = await loginAs(t, email, OLD_PASSWORD);
      const code = await codeFor(email);
      await reset({ validation_code: code, password: NEW_PASSWORD }).expect(200);
      await t.http.post('/auth/refresh').send({ refresh_token: first.refresh_token }).expect(401);
      await t.http.post('/auth/refresh').send({ refresh_token: second.refresh_token }).expect(401);
      await t.http.get('/users/me').set('Authorization', `Bearer ${first.access_token}`).expect(401);
      await t.http.get('/users/me').set('Authorization', `Bearer ${second.access_token}`).expect(401);
    });

    it('B6 five wrong tries on a code burn it: the right code is then refused; J5 the user asks for a new one and resets', async () => {
      const { userId, email } = await newUser();
      const code = await codeFor(email);
      for (let i = 0; i < 5; i++) await reset({ validation_code: wrongVerifier(code), password: NEW_PASSWORD }).expect(400, INVALID_CODE);
      await reset({ validation_code: code, password: NEW_PASSWORD }).expect(400, INVALID_CODE);
      expect(await hasPassword(t, userId, OLD_PASSWORD)).toBe(true);
      await reset({ validation_code: await codeFor(email), password: NEW_PASSWORD }).expect(200);
    });

    it('B7 wrong tries from different clients count against the same code (4 leave it usable, 5 burn it)', async () => {
      const survivor = await newUser();
      const survivorCode = await codeFor(survivor.email);
      for (let i = 0; i < 4; i++) await reset({ validation_code: wrongVerifier(survivorCode), password: NEW_PASSWORD }, randomClientIp()).expect(400);
      await reset({ validation_code: survivorCode, password: NEW_PASSWORD }).expect(200);

      const victim = await newUser();
      const victimCode = await codeFor(victim.email);
      for (let i = 0; i < 5; i++) await reset({ validation_code: wrongVerifier(victimCode), password: NEW_PASSWORD }, randomClientIp()).expect(400);
      await reset({ validation_code: victimCode, password: NEW_PASSWORD }).expect(400, INVALID_CODE);
    });

    it('B9 with the optional "email" field the code must belong to that address; a D5 code is not a validation code', async () => {
      const { email } = await newUser();
      const other = await newUser();
      const code = await codeFor(email);
      await reset({ validation_code: code, password: NEW_PASSWORD, email: other.email }).expect(400, INVALID_CODE);
      const since = smtp.messages.length;
      await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', randomClientIp()).send({ email: other.email }).expect(200);
      const d5Code = extractCode(await latestMail(t, smtp, other.email, (m) => m.subject === 'Your password reset code', since));
      await reset({ validation_code: d5Code, password: NEW_PASSWORD }).expect(400, INVALID_CODE);
      await reset({ validation_code: code, password: NEW_PASSWORD, email: email.toUpperCase() }).expect(200);
    });

    it('B7/G8 one client gets 10 failed resets per 15 minutes, then 429 {"detail"} with Retry-After; others are unaffected', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      const attacker = randomClientIp();
      for (let i = 0; i < 10; i++) await reset({ validation_code: `nonsense-${i}`, password: NEW_PASSWORD }, attacker).expect(400, INVALID_CODE);
      const limited = await reset({ validation_code: code, password: NEW_PASSWORD }, attacker).expect(429);
      expect(limited.body.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(900);
      await reset({ validation_code: code, password: NEW_PASSWORD }).expect(200);
    });
  });

  describe('policy failures in D4 words (the seed\'s policy: 8..128, 3 of 4 classes; every failed rule listed)', () => {
    it('words each failed rule as a Django password validator would, under "password"', async () => {
      const { email } = await newUser();
      const code = await codeFor(email);
      await reset({ validation_code: code, password: 'Sh0rt!x' }).expect(400, { password: ['This password is too short. It must contain at least 8 characters.'] });
      await reset({ validation_code: code, password: 'onlylowercaseletters' }).expect(400, { password: [THREE_OF_FOUR] });
      await reset({ validation_code: code, password: 'kq7' }).expect(400, {
        password: ['This password is too short. It must contain at least 8 characters.', THREE_OF_FOUR],
      });
      await reset({ validation_code: code, password: `Aa1${'x'.repeat(126)}` }).expect(400, { password: ['This password is too long. It must contain at most 128 characters.'] });
      await reset({ validation_code: code, password: 'P@ssw0rd' }).expect(400, { password: ['This password is too common.'] });
      // 3 of 4 classes and 8 characters is enough under the seed's policy
      await reset({ validation_code: code, password: 'mossY7rq' }).expect(200);
    });
  });

  it('the OpenAPI document lists the D4 and D5 routes with their success bodies', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    // Each route's success body, by the fields of its schema (as the tests above see them answered).
    const bodies: Record<string, string[]> = {
      '/api/v2/account/recover': ['detail'], '/api/v2/account/reset': ['token'], '/v1/auth/password-reset/request': ['message'], '/v1/auth/password-reset/reset': ['email', 'message'],
    };
    for (const [path, fields] of Object.entries(bodies)) {
      expect(doc.paths[path].post.responses['200']).toBeDefined();
      expect(doc.paths[path].post.responses['429']).toBeDefined();
      const ref: string = doc.paths[path].post.responses['200'].content['application/json'].schema.$ref;
      const schema = doc.components.schemas[ref.replace('#/components/schemas/', '')];
      expect([path, Object.keys(schema?.properties ?? {}).sort()]).toEqual([path, fields]);
    }
    expect(doc.components.schemas.RecoveryTokenResponseDto).toBeDefined();
  });

  describe('bad input: DRF field errors, never a 500', () => {
    it('words missing, blank, wrong-type and unknown fields per field', async () => {
      await reset({}).expect(400, { validation_code: ['This field is required.'], password: ['This field is required.'] });
      await reset({ validation_code: 'abc' }).expect(400, { password: ['This field is required.'] });
      await reset({ validation_code: '', password: 5 }).expect(400, { validation_code: ['This field may not be blank.'], password: ['Not a valid string.'] });
      await reset({ validation_code: ['a'], password: NEW_PASSWORD }).expect(400, { validation_code: ['Not a valid string.'] });
      await reset({ validation_code: 'abc', password: NEW_PASSWORD, user_id: 'x' }).expect(400, { user_id: ['This field is not allowed.'] });
      await reset({ validation_code: 'abc', password: 'x'.repeat(5000) }).expect(400, { password: ['Ensure this field has no more than 4096 characters.'] });
    });

    it('G2 malformed JSON → 400 {"detail"}; G1 1 MB → 413 {"detail"}; unknown route → 404 {"detail":"Not found."}', async () => {
      const bad = await t.http.post(RESET).set('Content-Type', 'application/json').send('{"validation_code":').expect(400);
      expect(bad.body).toEqual({ detail: 'JSON parse error.' });
      await reset({ validation_code: 'x', password: 'x'.repeat(1_000_000) }).expect(413, { detail: 'Request body is too large.' });
      await t.http.get(RESET).expect(404, { detail: 'Not found.' });
      await t.http.post('/api/v2/account/nope').send({}).expect(404, { detail: 'Not found.' });
    });
  });
});
