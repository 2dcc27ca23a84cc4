import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import * as jsonwebtoken from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import type { Clock } from '../../ground/common/clock';
import { SecretKeys } from '../../ground/common/secrets';
import { loadAppConfig } from '../../ground/config/app-config';
import { buildDataSourceOptions } from '../../ground/database/data-source-options';
import { legacyKeys, MasterKey } from './key-material';
import { KEY_PURPOSES, KeyRing } from './key-ring';
import { KeySet } from './key-set';
import { IAT_LEEWAY_SECONDS, TokenSigner } from './token-signer';

const LEGACY = 'legacy-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sA';
const clock = { now: () => new Date(), nowMs: () => Date.now() } as unknown as Clock;

describe('SecretKeys', () => {
  const keys = KeySet.random({ legacySecret: LEGACY });
  const sut = new SecretKeys(keys);
  const legacy = legacyKeys(LEGACY);

  it('stores hashes under the active key, prefixed with its kid; finds them under every key, legacy unprefixed', () => {
    const active = keys.active('lookup').kid;
    expect(sut.lookupHash('s')).toMatch(new RegExp(`^${active}:[0-9a-f]{64}$`));
    const legacyHex = createHmac('sha256', legacy.lookup).update('s').digest('hex');
    expect(sut.lookupHashes('s')).toEqual([sut.lookupHash('s'), legacyHex]);
    expect(sut.isCurrentLookupHash(sut.lookupHash('s'))).toBe(true);
    expect(sut.isCurrentLookupHash(legacyHex)).toBe(false);
  });

  it('seals as v2.<kid>.… and opens both that and the v1 bodies of earlier versions (legacy-seal)', () => {
    const sealed = sut.seal('hello');
    expect(sealed.startsWith(`v2.${keys.active('seal').kid}.`)).toBe(true);
    expect(sut.open(sealed)).toBe('hello');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', legacy.seal, iv);
    const body = Buffer.concat([cipher.update('old', 'utf8'), cipher.final()]);
    expect(sut.open(['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.'))).toBe('old');
    expect(() => sut.open(sealed.replace(/^v2\.[^.]+/, 'v2.seal-unknown'))).toThrow(/unknown key/);
  });
});

describe('KeyRing and TokenSigner (SQLite in memory)', () => {
  let dataSource: DataSource;
  const master = new MasterKey('unit-master-Rk3vQ8mZ2xW7pL5nT9yB4cH6jD1f');
  const open = (legacySecret: string | null = LEGACY, key = master) => KeyRing.open(dataSource, key, { legacySecret: () => legacySecret, clock, uow: new UnitOfWork(dataSource) });
  const config = loadAppConfig({ PUBLIC_URL: 'https://id.example.test' });

  beforeEach(async () => {
    dataSource = await new DataSource({ ...buildDataSourceOptions({ kind: 'sqlite', path: ':memory:' }), migrationsRun: true }).initialize();
  });
  afterEach(() => dataSource.destroy());

  it('first start: carries over the legacy keys as retired, creates one active key per purpose; material is sealed', async () => {
    const ring = await open();
    expect(ring.list().map((k) => [k.purpose, k.active])).toEqual(expect.arrayContaining([['lookup', false], ['seal', false], ['signing', true], ['lookup', true], ['seal', true]]));
    expect(ring.list().filter((k) => k.active).map((k) => k.purpose).sort()).toEqual(['lookup', 'seal', 'signing']);
    expect(ring.find('legacy-lookup')?.secret).toEqual(legacyKeys(LEGACY).lookup);
    const rows = await dataSource.query('SELECT sealed_material FROM key_ring');
    expect(JSON.stringify(rows)).not.toContain(legacyKeys(LEGACY).lookup.toString('base64url'));
    // A second start changes nothing, whatever JWT_SECRET says.
    const again = await open('another-secret-0123456789abcdefghijklmn');
    expect(again.list()).toEqual(ring.list());
  });

  it('imports no legacy keys without a legacy secret; refuses another master key', async () => {
    const ring = await open(null);
    expect(ring.list()).toHaveLength(3);
    await expect(open(null, new MasterKey('other-master-Rk3vQ8mZ2xW7pL5nT9yB4cH6j'))).rejects.toThrow(/same MASTER_KEY/);
  });

  it('rotation: a new active key per purpose, the old one retired and kept', async () => {
    const ring = await open();
    for (const purpose of KEY_PURPOSES) {
      const old = ring.active(purpose).kid;
      const kid = await ring.rotate(purpose);
      expect([purpose, ring.active(purpose).kid]).toEqual([purpose, kid]);
      expect(kid).not.toBe(old);
      expect(ring.find(old)).toMatchObject({ purpose, active: false, retiredAt: expect.any(Date) });
      expect(ring.keys(purpose).map((k) => k.kid)[0]).toBe(kid);
    }
    // Each rotation touched its own purpose only: still one active key per purpose.
    expect(ring.list().filter((k) => k.active).map((k) => k.purpose).sort()).toEqual(['lookup', 'seal', 'signing']);
  });

  it('TokenSigner signs ES256 with the active kid and verifies only its own tokens, for the right audience', async () => {
    const ring = await open();
    const sut = new TokenSigner(ring, clock, config);
    const token = await sut.sign({ pwv: 1 }, { audience: 'pls:access', expiresInSeconds: 60, subject: 'u1', jwtId: 'j1', type: 'at+jwt' });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: ring.active('signing').kid, typ: 'at+jwt' });
    await expect(sut.verify(token, 'pls:access', 'at+jwt')).resolves.toMatchObject({ sub: 'u1', jti: 'j1', pwv: 1, iss: 'https://id.example.test', aud: 'pls:access' });
    await expect(sut.verify(token, 'pls:email-verification', 'at+jwt')).resolves.toBeNull();
    const hs = jsonwebtoken.sign({ sub: 'u1', aud: 'pls:access', iss: 'https://id.example.test' }, LEGACY, { algorithm: 'HS256', expiresIn: 60, keyid: ring.active('signing').kid });
    await expect(sut.verify(hs, 'pls:access', 'at+jwt')).resolves.toBeNull();
    await ring.rotate('signing');
    await expect(sut.verify(token, 'pls:access', 'at+jwt')).resolves.not.toBeNull();
    // The verifier's key set follows the rotation (it is kept between calls, made again when the keys change).
    const afterRotation = await sut.sign({}, { audience: 'pls:access', expiresInSeconds: 60, subject: 'u2', type: 'at+jwt' });
    await expect(sut.verify(afterRotation, 'pls:access', 'at+jwt')).resolves.toMatchObject({ sub: 'u2' });
    expect(sut.jwks().keys).toHaveLength(2);
    expect(sut.jwks().keys.every((k) => k.use === 'sig' && k.alg === 'ES256' && !('d' in k))).toBe(true);
  });

  it('another instance picks up a rotation at once when a token names an unknown kid', async () => {
    const a = new TokenSigner(await open(), clock, config);
    const ringB = await open();
    const b = new TokenSigner(ringB, clock, config);
    await ringB.rotate('signing');
    const token = await b.sign({}, { audience: 'pls:access', expiresInSeconds: 60, subject: 'u', type: 'at+jwt' });
    await expect(a.verify(token, 'pls:access', 'at+jwt')).resolves.toMatchObject({ sub: 'u' });
  });

  it('TokenSigner refuses a token of another kind, or without its typ, by the typ header alone (RFC 8725 §3.11; SECURITY.md E6)', async () => {
    const ring = await open();
    const sut = new TokenSigner(ring, clock, config);
    const key = ring.active('signing');
    const signWith = (header: Record<string, unknown>) =>
      new SignJWT({ sub: 'u', aud: 'pls:access', iss: 'https://id.example.test' }).setProtectedHeader({ alg: 'ES256', kid: key.kid, ...header })
        .setIssuedAt(Math.floor(clock.nowMs() / 1000)).setExpirationTime(Math.floor(clock.nowMs() / 1000) + 60).sign(key.privateKey!);
    await expect(sut.verify(await signWith({ typ: 'at+jwt' }), 'pls:access', 'at+jwt')).resolves.toMatchObject({ sub: 'u' });
    await expect(sut.verify(await signWith({ typ: 'JWT' }), 'pls:access', 'at+jwt')).resolves.toBeNull();
    await expect(sut.verify(await signWith({}), 'pls:access', 'at+jwt')).resolves.toBeNull();
    await expect(sut.verify(await signWith({ typ: 'email-verification+jwt' }), 'pls:access', 'at+jwt')).resolves.toBeNull();
    await expect(sut.verify(await signWith({ typ: 'application/at+jwt' }), 'pls:access', 'at+jwt')).resolves.toBeNull();
  });

  it(`TokenSigner refuses an iat more than ${IAT_LEEWAY_SECONDS} s in the future, and a token without iat`, async () => {
    const ring = await open();
    // A stopped clock: the boundary (leeway accepted, leeway + 1 refused) must not depend on whether the
    // wall clock's second turns between signing and verifying (it did once in CI: iat now + 61 accepted).
    const nowMs = Date.now();
    const stopped = { now: () => new Date(nowMs), nowMs: () => nowMs } as unknown as Clock;
    const sut = new TokenSigner(ring, stopped, config);
    const key = ring.active('signing');
    const now = Math.floor(nowMs / 1000);
    const signAt = (iat: number | undefined) => {
      const jwt = new SignJWT({ sub: 'u', aud: 'pls:access', iss: 'https://id.example.test' }).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' }).setExpirationTime(now + 3600);
      return (iat === undefined ? jwt : jwt.setIssuedAt(iat)).sign(key.privateKey!);
    };
    await expect(sut.verify(await signAt(now + IAT_LEEWAY_SECONDS), 'pls:access', 'at+jwt')).resolves.toMatchObject({ sub: 'u' });
    await expect(sut.verify(await signAt(now + IAT_LEEWAY_SECONDS + 1), 'pls:access', 'at+jwt')).resolves.toBeNull();
    await expect(sut.verify(await signAt(now + 1800), 'pls:access', 'at+jwt')).resolves.toBeNull();
    await expect(sut.verify(await signAt(undefined), 'pls:access', 'at+jwt')).resolves.toBeNull();
  });
});
