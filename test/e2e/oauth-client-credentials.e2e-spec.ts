import { describeEachDatabase } from './support/databases';
import { KeyRing } from '../../src/core/keys/key-ring';
import { API_KEY_SCOPES } from '../../src/access/scopes';
import { admin, createAccount, createApiKey, createUser, issueSession, randomClientIp, sql } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

const STRONG = 'Pr0vision-Harbor!';
const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §2.3.1: each part form-urlencoded, then base64. */
function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), claims: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

describeEachDatabase('OAuth 2.0 client credentials (POST /oauth/token, client tokens on RequireScope routes)', (kind) => {
  let t: TestApp;
  let accountId: string;

  withAppAndSmtp(kind, async (app) => {
    t = app;
    ({ accountId } = await createAccount(t));
  }, { env: { TRUST_PROXY: 'true' } });

  /** POST /oauth/token from a fresh address (failure budgets are per address). */
  const tokenRequest = (form: Record<string, string>, authorization?: string, ip = randomClientIp()) => {
    const req = t.http.post('/oauth/token').set('X-Forwarded-For', ip).type('form');
    if (authorization) req.set('Authorization', authorization);
    return req.send(form);
  };
  async function tokenFor(key: { id: string; key: string }, scope?: string): Promise<string> {
    const res = await tokenRequest({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, basic(key.id, key.key)).expect(200);
    return res.body.access_token;
  }
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('issues a token with HTTP Basic: 200 {access_token, token_type, expires_in, scope}, no-store', async () => {
    const key = await createApiKey(t, ['users:write', 'passwords:write']);
    const res = await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key)).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'users:write passwords:write' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('issues a token with client_id and client_secret in the form', async () => {
    const key = await createApiKey(t, ['users:write']);
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: key.id, client_secret: key.key }).expect(200);
    expect(res.body.scope).toBe('users:write');
    await t.http.get(`/users/${(await createUser(t, accountId)).userId}`).set(bearer(res.body.access_token)).expect(200);
  });

  it('RFC 9068 claims: typ at+jwt, iss PUBLIC_URL, aud of the API, sub = client_id = key id, scope, jti, exp - iat = CLIENT_TOKEN_TTL_SECONDS', async () => {
    const key = await createApiKey(t, ['admin']);
    // iat is the service clock's second at issuance: between the seconds read just before and just after.
    const before = Math.floor(t.clock.nowMs() / 1000);
    const { header, claims } = decode(await tokenFor(key, 'users:write accounts:write'));
    const after = Math.floor(t.clock.nowMs() / 1000);
    expect(header).toMatchObject({ typ: 'at+jwt' });
    expect(claims).toMatchObject({ iss: 'https://id.example.test', aud: 'pls:api', sub: key.id, client_id: key.id, scope: 'accounts:write users:write' });
    expect(claims.aud).not.toBe('pls:access');
    expect(typeof claims.jti).toBe('string');
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(after);
  });

  it('records oauth.token_issued with the key as actor (never the secret)', async () => {
    const key = await createApiKey(t, ['users:write']);
    await tokenFor(key);
    const events = await t.http.get('/audit-events').query({ type: 'oauth.token_issued' }).set(admin).expect(200);
    const event = events.body.data.find((e: { actor: { id: string } }) => e.actor.id === key.id);
    expect(event).toMatchObject({ type: 'oauth.token_issued', actor: { kind: 'api_key', id: key.id }, outcome: 'success' });
    expect(JSON.stringify(event)).not.toContain(key.key);
  });

  describe('scopes', () => {
    it('a token narrowed to users:write gets 403 on a route needing accounts:write; a token with the key\'s scopes passes', async () => {
      const key = await createApiKey(t, ['users:write', 'accounts:write']);
      const narrowed = await tokenFor(key, 'users:write');
      expect(decode(narrowed).claims.scope).toBe('users:write');
      await t.http.get(`/accounts/${accountId}`).set(bearer(narrowed)).expect(403);
      await t.http.get(`/accounts/${accountId}`).set('X-Api-Key', key.key).expect(200);
      await t.http.get(`/accounts/${accountId}`).set(bearer(await tokenFor(key))).expect(200);
    });

    it('a key stored before a rotation of the lookup key still authenticates as a client (and is hashed again under the new key)', async () => {
      const key = await createApiKey(t, ['users:write']);
      await t.app.get(KeyRing).rotate('lookup');
      await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key)).expect(200);
      const [row] = await sql<{ key_hash: string }>(t, 'SELECT key_hash FROM api_keys WHERE id = $1', [key.id]);
      expect(row.key_hash.startsWith(`${t.app.get(KeyRing).active('lookup').kid}:`)).toBe(true);
      await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key)).expect(200);
    });

    it('admin implies every scope; unknown or unheld scopes are invalid_scope (400)', async () => {
      const adminKey = await createApiKey(t, ['admin']);
      expect(decode(await tokenFor(adminKey, 'passwords:write')).claims.scope).toBe('passwords:write');
      const others = API_KEY_SCOPES.filter((s) => s !== 'admin');
      expect(String(decode(await tokenFor(adminKey, others.join(' '))).claims.scope).split(' ').sort()).toEqual([...others].sort());
      const key = await createApiKey(t, ['users:write']);
      for (const scope of ['accounts:write', 'users:write admin', 'root', 'users:write  passwords:write', ' ']) {
        const res = await tokenRequest({ grant_type: 'client_credentials', scope }, basic(key.id, key.key)).expect(400);
        expect(res.body.error).toBe('invalid_scope');
      }
      // RFC 6749 §3.1: an empty parameter counts as omitted, so the token carries all of the key's scopes.
      const empty = await tokenRequest({ grant_type: 'client_credentials', scope: '' }, basic(key.id, key.key)).expect(200);
      expect(empty.body.scope).toBe('users:write');
    });

    it('a token whose scope the key lost no longer carries it (scopes are the token\'s ∩ the key\'s)', async () => {
      const key = await createApiKey(t, ['users:write']);
      const token = await tokenFor(key);
      await sql(t, `UPDATE api_keys SET scopes = '["passwords:write"]' WHERE id = $1`, [key.id]);
      await t.http.get(`/users/${(await createUser(t, accountId)).userId}`).set(bearer(token)).expect(403);
    });
  });

  describe('errors (RFC 6749 §5.2)', () => {
    it('invalid_client 401 for a wrong secret, an unknown id and a revoked key: the same body; WWW-Authenticate with Basic', async () => {
      const key = await createApiKey(t, ['users:write']);
      const revoked = await createApiKey(t, ['users:write']);
      await t.http.delete(`/api-keys/${revoked.id}`).set(admin).expect(204);
      const answers = [
        await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, `${key.key}x`)),
        await tokenRequest({ grant_type: 'client_credentials' }, basic('00000000-0000-4000-8000-000000000000', key.key)),
        await tokenRequest({ grant_type: 'client_credentials' }, basic(revoked.id, revoked.key)),
        await tokenRequest({ grant_type: 'client_credentials' }, basic('not-a-uuid', key.key)),
      ];
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual(answers[0].body);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm="[^"]+"/);
      }
      expect(answers[0].body.error).toBe('invalid_client');
      const form = await tokenRequest({ grant_type: 'client_credentials', client_id: key.id, client_secret: 'wrong' }).expect(401);
      expect(form.body).toEqual(answers[0].body);
      expect(form.headers['www-authenticate']).toBeUndefined();
    });

    it('unsupported_grant_type 400', async () => {
      const key = await createApiKey(t, ['users:write']);
      for (const grant of ['password', 'authorization_code', 'CLIENT_CREDENTIALS']) {
        const res = await tokenRequest({ grant_type: grant }, basic(key.id, key.key)).expect(400);
        expect(res.body.error).toBe('unsupported_grant_type');
      }
    });

    it('invalid_request 400: missing grant_type, credentials in both places, repeated parameters, a JSON body, a bad Authorization header', async () => {
      const key = await createApiKey(t, ['users:write']);
      const cases = [
        tokenRequest({ scope: 'users:write' }, basic(key.id, key.key)),
        tokenRequest({ grant_type: 'client_credentials', client_id: key.id, client_secret: key.key }, basic(key.id, key.key)),
        tokenRequest({ grant_type: 'client_credentials', client_secret: key.key }, basic(key.id, key.key)),
        t.http.post('/oauth/token').set('Authorization', basic(key.id, key.key)).type('form').send('grant_type=client_credentials&grant_type=client_credentials'),
        t.http.post('/oauth/token').set('Authorization', basic(key.id, key.key)).type('form').send('grant_type=client_credentials&scope=users:write&scope=users:write'),
        t.http.post('/oauth/token').set('Authorization', basic(key.id, key.key)).send({ grant_type: 'client_credentials' }),
        t.http.post('/oauth/token').set('Authorization', basic(key.id, key.key)).set('Content-Type', 'text/plain').send('grant_type=client_credentials'),
        t.http.post('/oauth/token').set('Authorization', basic(key.id, key.key)),
        tokenRequest({ grant_type: 'client_credentials' }, 'Bearer abc.def.ghi'),
        tokenRequest({ grant_type: 'client_credentials' }, `Basic ${Buffer.from('no-colon').toString('base64')}`),
      ];
      for (const res of await Promise.all(cases)) {
        expect([res.status, res.body.error]).toEqual([400, 'invalid_request']);
        expect(Object.keys(res.body).every((k) => ['error', 'error_description'].includes(k))).toBe(true);
      }
    });

    it('invalid_client 401 without client credentials', async () => {
      const res = await tokenRequest({ grant_type: 'client_credentials' }).expect(401);
      expect(res.body.error).toBe('invalid_client');
    });

    it('wrong secrets for one client id from one address spend that pair\'s budget: 429 with Retry-After there, while nobody else can lock the client out', async () => {
      const key = await createApiKey(t, ['users:write']);
      const ip = randomClientIp();
      for (let i = 0; i < 10; i++) await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, `wrong-${i}`), ip).expect(401);
      const limited = await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key), ip).expect(429);
      expect(limited.body.error).toBe('temporarily_unavailable');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Recorded after the answer (fire and forget), so it may land a moment later.
      let limitedEvent: unknown;
      for (let i = 0; i < 50 && !limitedEvent; i++) {
        limitedEvent = (await t.http.get('/audit-events').query({ type: 'oauth.limited' }).set(admin).expect(200)).body.data[0];
        if (!limitedEvent) await new Promise((r) => setTimeout(r, 20));
      }
      expect(limitedEvent).toMatchObject({ actor: { kind: 'anonymous' }, outcome: 'limited', details: { budget: 'client_id', max: 10 } });
      // Wrong secrets for the same id from many other addresses (the id is public: every token's sub)...
      for (let i = 0; i < 12; i++) await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, `other-${i}`)).expect(401);
      // ...never stop the real client elsewhere; and the budget ends with its window.
      await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key)).expect(200);
      t.clock.advance(16 * 60_000);
      await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key), ip).expect(200);
    });

    it('wrong secrets spend the address\'s failure budget across client ids', async () => {
      const ip = randomClientIp();
      for (let i = 0; i < 30; i++) await tokenRequest({ grant_type: 'client_credentials' }, basic(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 'x'), ip).expect(401);
      const key = await createApiKey(t, ['users:write']);
      const limited = await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key), ip).expect(429);
      expect(limited.body.error).toBe('temporarily_unavailable');
      await tokenRequest({ grant_type: 'client_credentials' }, basic(key.id, key.key)).expect(200);
      t.clock.advance(16 * 60_000);
    });
  });

  describe('client tokens on RequireScope routes', () => {
    it('revoking the key makes its token fail on the next request: 401 in the route\'s own envelope', async () => {
      const key = await createApiKey(t, ['users:write', 'passwords:write']);
      const token = await tokenFor(key);
      const { userId } = await createUser(t, accountId);
      await t.http.get(`/users/${userId}`).set(bearer(token)).expect(200);
      await t.http.delete(`/api-keys/${key.id}`).set(admin).expect(204);
      const service = await t.http.get(`/users/${userId}`).set(bearer(token)).expect(401);
      expect(service.body).toMatchObject({ statusCode: 401, code: 'INVALID_BEARER_TOKEN' });
      const d3 = await t.http.post(`/v1/password/${userId}`).set(bearer(token)).send({ password: { value: STRONG } }).expect(401);
      expect(Object.keys(d3.body).sort()).toEqual(['code', 'message']);
    });

    it('an account-bound key\'s token reaches its own account\'s users (403 for another account\'s)', async () => {
      const own = await createAccount(t);
      const other = await createAccount(t);
      const key = await createApiKey(t, ['users:write'], own.accountId);
      const token = await tokenFor(key);
      await t.http.get(`/users/${(await createUser(t, own.accountId)).userId}`).set(bearer(token)).expect(200);
      await t.http.get(`/users/${(await createUser(t, other.accountId)).userId}`).set(bearer(token)).expect(403);
    });

    it('works on D3 (POST /v1/password/{user_id}, passwords:write) and on admin routes', async () => {
      const key = await createApiKey(t, ['accounts:write', 'users:write', 'passwords:write']);
      const token = await tokenFor(key);
      const created = await t.http.post('/accounts').set(bearer(token)).send({ name: 'Token Corp', owner: { email: `owner.${Date.now()}@example.com` } }).expect(201);
      const user = await t.http.post(`/accounts/${created.body.data.account_id}/users`).set(bearer(token)).send({ email: `u.${Date.now()}@example.com` }).expect(201);
      await t.http.post(`/v1/password/${user.body.data.user_id}`).set(bearer(token)).send({ password: { value: STRONG } }).expect(200);
      const adminToken = await tokenFor(await createApiKey(t, ['admin']));
      await t.http.get('/api-keys').set(bearer(adminToken)).expect(200);
      await t.http.get('/api-keys').set(bearer(token)).expect(403);
    });

    it("an expired or a tampered token is 401; a member's access token is judged by its role (403)", async () => {
      const key = await createApiKey(t, ['users:write']);
      const token = await tokenFor(key);
      const { userId } = await createUser(t, accountId);
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const tampered = [h, Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString('base64url'), s].join('.');
      await t.http.get(`/users/${userId}`).set(bearer(tampered)).expect(401);
      const { accessToken } = await issueSession(t, userId);
      // A user's access token is not a client token: it is judged by the user's role (a member: 403).
      await t.http.get(`/users/${userId}`).set(bearer(accessToken)).expect(403);
      t.clock.advance(301_000);
      await t.http.get(`/users/${userId}`).set(bearer(token)).expect(401);
    });

    it('the key\'s request limit counts its token\'s requests too (one budget per key)', async () => {
      const res = await t.http.post('/api-keys').set(admin).send({ name: 'limited', scopes: ['users:write'], rate_limit_per_minute: 4 }).expect(201);
      const key = { id: res.body.id as string, key: res.body.key as string };
      const token = await tokenFor(key);
      const { userId } = await createUser(t, accountId);
      await t.http.get(`/users/${userId}`).set('X-Api-Key', key.key).expect(200);
      await t.http.get(`/users/${userId}`).set(bearer(token)).set('X-Forwarded-For', randomClientIp()).expect(200);
      await t.http.get(`/users/${userId}`).set(bearer(token)).set('X-Forwarded-For', randomClientIp()).expect(200);
      await t.http.get(`/users/${userId}`).set('X-Api-Key', key.key).expect(200);
      const limited = await t.http.get(`/users/${userId}`).set(bearer(token)).set('X-Forwarded-For', randomClientIp()).expect(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      await t.http.get(`/users/${userId}`).set('X-Api-Key', key.key).expect(429);
    });
  });

  it('OpenAPI: an oauth2 client-credentials scheme with the token URL, offered beside the API key on RequireScope routes', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    expect(doc.components.securitySchemes.oauth2).toMatchObject({
      type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://id.example.test/oauth/token', scopes: { admin: expect.any(String), 'users:write': expect.any(String) } } },
    });
    expect(doc.paths['/users/{id}'].get.security).toEqual(expect.arrayContaining([{ 'api-key': [] }, { oauth2: ['users:write'] }]));
    // Every route that takes the API key offers a client token beside it.
    const withKey = Object.entries(doc.paths as Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>)
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, security: op.security ?? [] })))
      .filter(({ security }) => security.some((s) => 'api-key' in s));
    expect(withKey.length).toBeGreaterThan(10);
    for (const { where, security } of withKey) expect([where, security.some((s) => 'oauth2' in s)]).toEqual([where, true]);
    expect(doc.paths['/oauth/token'].post.requestBody.content['application/x-www-form-urlencoded']).toBeDefined();
  });
});
