import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/redis-test-server';
import { describeEachDatabase } from './support/databases';
import { admin, createAccount, createApiKey, createUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const CLIENT = join(__dirname, 'support', 'openid-client-grant.mjs');

interface GrantResult {
  metadata?: Record<string, unknown>;
  token?: { access_token: string; token_type: string; expires_in: number; scope: string };
  error?: { name: string; code?: string; message: string; status?: number; error?: string; cause?: unknown };
}

/** openid-client 6 in its own process (test/e2e/support/openid-client-grant.mjs): discovery, then the client credentials grant. */
async function openidClientGrant(input: { issuer: string; clientId: string; clientSecret: string; auth: 'basic' | 'post'; scope?: string }): Promise<GrantResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLIENT, JSON.stringify(input)], { timeout: 30_000 });
  return JSON.parse(stdout) as GrantResult;
}

/**
 * RFC 8414 authorization server metadata (CONTRACT.md "Discovery"): a standard OAuth client library,
 * openid-client 6, configures itself from the service listening on a real port and obtains a client token.
 */
describeEachDatabase('OAuth discovery (GET /.well-known/oauth-authorization-server, RFC 8414)', (kind) => {
  let t: TestApp;
  let issuer: string;

  beforeAll(async () => {
    // PUBLIC_URL must name the port before the service starts (the issuer is checked against it).
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await startTestApp({ kind, env: { PUBLIC_URL: issuer }, listen: false });
    await t.app.listen(port, '127.0.0.1');
  });
  afterAll(() => t?.close());

  it('answers the metadata: issuer PUBLIC_URL, token endpoint, JWK Set, client credentials with client_secret_basic and _post, the scopes, no response type', async () => {
    const res = await t.http.get('/.well-known/oauth-authorization-server').expect(200).expect('Content-Type', /^application\/json/);
    expect(res.body).toEqual({
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['accounts:read', 'accounts:write', 'users:write', 'passwords:write', 'admin'],
      response_types_supported: [],
      service_documentation: `${issuer}/docs`,
    });
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    // The endpoints it names are the service's own.
    await t.http.get(new URL(res.body.jwks_uri).pathname).expect(200);
    await t.http.post(new URL(res.body.token_endpoint).pathname).type('form').send({ grant_type: 'client_credentials' }).expect(401);
  });

  it("openid-client's discovery() configures itself from it; clientCredentialsGrant() with client_secret_basic obtains a token that works on an admin route", async () => {
    const key = await createApiKey(t, ['admin']);
    const result = await openidClientGrant({ issuer, clientId: key.id, clientSecret: key.key, auth: 'basic' });
    expect(result.error).toBeUndefined();
    expect(result.metadata).toMatchObject({ issuer, token_endpoint: `${issuer}/oauth/token` });
    expect(result.token).toMatchObject({ token_type: 'bearer', scope: 'admin' });
    await t.http.get('/api-keys').set('Authorization', `Bearer ${result.token!.access_token}`).expect(200);
  });

  it('with client_secret_post and a narrowed scope the token carries that scope only: it reads users, and admin routes refuse it (403)', async () => {
    const { accountId } = await createAccount(t);
    const { userId } = await createUser(t, accountId);
    const key = await createApiKey(t, ['users:write', 'passwords:write']);
    const result = await openidClientGrant({ issuer, clientId: key.id, clientSecret: key.key, auth: 'post', scope: 'users:write' });
    expect(result.error).toBeUndefined();
    expect(result.token?.scope).toBe('users:write');
    const bearer = { Authorization: `Bearer ${result.token!.access_token}` };
    await t.http.get(`/users/${userId}`).set(bearer).expect(200);
    await t.http.get('/api-keys').set(bearer).expect(403);
    await t.http.get('/api-keys').set(admin).expect(200);
  });

  it('a wrong client secret fails the grant: invalid_client (client_secret_post), a Basic challenge (client_secret_basic); no token', async () => {
    const key = await createApiKey(t, ['users:write']);
    const post = await openidClientGrant({ issuer, clientId: key.id, clientSecret: `${key.key}x`, auth: 'post' });
    expect(post.token).toBeUndefined();
    expect(post.error).toMatchObject({ name: 'ResponseBodyError', status: 401, error: 'invalid_client' });
    const basic = await openidClientGrant({ issuer, clientId: key.id, clientSecret: `${key.key}x`, auth: 'basic' });
    expect(basic.token).toBeUndefined();
    expect(basic.error).toMatchObject({ name: 'WWWAuthenticateChallengeError', cause: [expect.objectContaining({ scheme: 'basic' })] });
  });
});
