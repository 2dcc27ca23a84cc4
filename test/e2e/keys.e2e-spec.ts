import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { SecretKeys } from '../../src/ground/common/secrets';
import { decodeProtectedHeader } from 'jose';
import { ACCESS_AUDIENCE } from '../../src/core/keys/jwt-claims';
import { legacyKeys } from '../../src/core/keys/key-material';
import { KeyRing } from '../../src/core/keys/key-ring';
import { SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase, createTestDatabase, TestDatabase } from './support/databases';
import { createAccount, createApiKey, createUser, givePassword, GOOD_PASSWORD, invitationToken, issueSession, loginAs, sql, uniqueEmail } from './support/factories';
import { verifyWithJwks } from './support/jwt';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './support/test-app';

/** Issue 10 "Keys": the key ring, JWKS, rotation per purpose, restarts, the upgrade from derived keys, several instances. */
describeEachDatabase('keys', (kind) => {
  let smtp: SmtpTestServer;
  let database: TestDatabase;
  const apps: TestApp[] = [];
  const start = async (env: Record<string, string> = {}, withSmtp = true) => {
    const t = await startTestApp({ kind, database, ...(withSmtp ? { smtpUrl: smtp.url } : {}), env });
    apps.push(t);
    return t;
  };
  const stop = async (t: TestApp) => {
    apps.splice(apps.indexOf(t), 1);
    await t.close();
  };
  const me = (t: TestApp, token: string) => t.http.get('/users/me').set('Authorization', `Bearer ${token}`);
  const useKey = (t: TestApp, key: string) => t.http.get('/api-keys').set('X-Api-Key', key);
  const member = async (t: TestApp) => {
    const { accountId } = await createAccount(t);
    const { userId, email } = await createUser(t, accountId);
    await givePassword(t, userId, GOOD_PASSWORD);
    return { userId, email };
  };

  beforeEach(async () => {
    smtp = await SmtpTestServer.start();
    database = await createTestDatabase(kind);
  });
  afterEach(async () => {
    for (const t of apps.splice(0)) await t.close();
    await database.drop();
    await smtp.stop();
  });

  it('publishes the signing keys at /.well-known/jwks.json; tokens verify against it (ES256, kid, RFC 9068 claims)', async () => {
    const t = await start();
    const res = await t.http.get('/.well-known/jwks.json').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.stringMatching(/^sig-/) });
    expect(res.body.keys[0].d).toBeUndefined();
    const { userId, email } = await member(t);
    const { payload } = await verifyWithJwks(t, (await loginAs(t, email)).access_token, ACCESS_AUDIENCE);
    expect(payload).toMatchObject({ iss: 'https://id.example.test', sub: userId, aud: ACCESS_AUDIENCE, jti: expect.any(String), pwv: expect.any(Number) });
  });

  it('rotating the signing key keeps old tokens valid; new ones carry the new kid; JWKS lists both', async () => {
    const t = await start();
    const { email } = await member(t);
    const old = (await loginAs(t, email)).access_token;
    const newKid = await t.app.get(KeyRing).rotate('signing');
    const fresh = (await loginAs(t, email)).access_token;
    expect(decodeProtectedHeader(fresh).kid).toBe(newKid);
    expect(decodeProtectedHeader(old).kid).not.toBe(newKid);
    await me(t, old).expect(200);
    await me(t, fresh).expect(200);
    await verifyWithJwks(t, old, ACCESS_AUDIENCE);
    await verifyWithJwks(t, fresh, ACCESS_AUDIENCE);
    expect((await t.http.get('/.well-known/jwks.json').expect(200)).body.keys.map((k: { kid: string }) => k.kid)).toContain(newKid);
  });

  it('rotating the lookup key keeps invitations, refresh tokens and API keys working; an API key is re-hashed under the new key on use', async () => {
    const t = await start();
    const { accountId } = await createAccount(t);
    const invited = await createUser(t, accountId, uniqueEmail('inv'));
    await t.flushMail();
    const invitation = await invitationToken(t, smtp, invited.email);
    const { key, id } = await createApiKey(t, ['admin']);
    const { email, userId } = await member(t);
    const session = await issueSession(t, userId);
    const newKid = await t.app.get(KeyRing).rotate('lookup');
    await useKey(t, key).expect(200);
    const [row] = await sql<{ key_hash: string }>(t, 'SELECT key_hash FROM api_keys WHERE id = $1', [id]);
    expect(row.key_hash.startsWith(`${newKid}:`)).toBe(true);
    await useKey(t, key).expect(200);
    await t.http.post('/auth/refresh').send({ refresh_token: session.refreshToken }).expect(200);
    await t.http.post('/accounts/set-password').send({ token: invitation, password: GOOD_PASSWORD }).expect(200);
    await loginAs(t, email);
  });

  it('rotating the seal key keeps pending outbox mail deliverable; a restart with another JWT_SECRET keeps API keys, codes and refresh tokens', async () => {
    const first = await start({}, false); // no SMTP: the invitation stays pending, sealed
    const { accountId } = await createAccount(first);
    const invited = await createUser(first, accountId, uniqueEmail('pending'));
    const { key } = await createApiKey(first, ['admin']);
    const { userId } = await member(first);
    const session = await issueSession(first, userId);
    await first.app.get(KeyRing).rotate('seal');
    await stop(first);
    const second = await start({ JWT_SECRET: 'another-Jq8vN2xKp4LmW8rT3yZ6bC1dF5gJ0sA' });
    await second.flushMail();
    const invitation = await invitationToken(second, smtp, invited.email);
    await useKey(second, key).expect(200);
    await second.http.post('/auth/refresh').send({ refresh_token: session.refreshToken }).expect(200);
    await second.http.post('/accounts/set-password').send({ token: invitation, password: GOOD_PASSWORD }).expect(200);
    await stop(second);
    // And with no JWT_SECRET at all.
    const third = await start({ JWT_SECRET: '' });
    await useKey(third, key).expect(200);
  });

  it('upgrades from the derived keys of earlier versions: rows hashed and sealed with them keep working', async () => {
    const old = await start({}, false);
    const { accountId } = await createAccount(old);
    const invited = await createUser(old, accountId, uniqueEmail('legacy'));
    const { key, id } = await createApiKey(old, ['admin']);
    const { userId } = await member(old);
    const session = await issueSession(old, userId);
    await stop(old);
    // Rewrite what was stored the way earlier versions stored it: unprefixed HMACs under the key
    // derived from JWT_SECRET, an outbox body sealed `v1.` with the derived outbox key; an empty ring.
    const legacy = legacyKeys(TEST_JWT_SECRET);
    const hmac = (s: string) => createHmac('sha256', legacy.lookup).update(s, 'utf8').digest('hex');
    const raw = await start({}, false);
    await sql(raw, 'UPDATE api_keys SET key_hash = $1 WHERE id = $2', [hmac(key), id]);
    await sql(raw, 'UPDATE refresh_tokens SET token_hash = $1 WHERE user_id = $2', [hmac(`refresh:${session.refreshToken}`), userId]);
    const [pending] = await sql<{ id: string; sealed_body: string }>(raw, 'SELECT id, sealed_body FROM mail_outbox WHERE recipient = $1', [invited.email]);
    const body = raw.app.get(SecretKeys).open(pending.sealed_body);
    const code = /^Code: (.*)$/m.exec((JSON.parse(body) as { text: string }).text)![1];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', legacy.seal, iv);
    const ct = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
    await sql(raw, 'UPDATE mail_outbox SET sealed_body = $1 WHERE id = $2', [['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.'), pending.id]);
    await sql(raw, "UPDATE one_time_tokens SET secret_hash = $1 WHERE user_id = $2 AND purpose = 'invitation'", [hmac(`invitation:${code}`), invited.userId]);
    await sql(raw, 'DELETE FROM key_ring');
    await stop(raw);
    const upgraded = await start();
    await useKey(upgraded, key).expect(200);
    await upgraded.http.post('/auth/refresh').send({ refresh_token: session.refreshToken }).expect(200);
    await upgraded.flushMail();
    const invitation = await invitationToken(upgraded, smtp, invited.email);
    await upgraded.http.post('/accounts/set-password').send({ token: invitation, password: GOOD_PASSWORD }).expect(200);
    const kids = (await sql<{ id: string }>(upgraded, 'SELECT id FROM key_ring')).map((r) => r.id);
    expect(kids).toEqual(expect.arrayContaining(['legacy-lookup', 'legacy-seal']));
  });

  it('two instances on one database with the same MASTER_KEY accept each other\'s tokens, also after a rotation', async () => {
    const a = await start();
    const b = await start();
    const { email } = await member(a);
    await me(b, (await loginAs(a, email)).access_token).expect(200);
    await me(a, (await loginAs(b, email)).access_token).expect(200);
    await a.app.get(KeyRing).rotate('signing');
    const rotated = (await loginAs(a, email)).access_token;
    await me(b, rotated).expect(200); // unknown kid: b reloads the ring at once
    await me(a, (await loginAs(b, email)).access_token).expect(200);
  });
});
