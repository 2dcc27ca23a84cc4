import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { KeyRing } from '../../../src/core/keys/key-ring';
import type { TestApp } from './test-app';

/** Verifies a token the way a resource server would: against GET /.well-known/jwks.json only. */
export async function verifyWithJwks(t: TestApp, token: string, audience: string) {
  const jwks = (await t.http.get('/.well-known/jwks.json').expect(200)).body;
  return jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['ES256'], issuer: t.config.publicUrl, audience, currentDate: new Date(t.clock.nowMs()) });
}

/**
 * The claims of `token` with `changes` (undefined removes a claim), signed with the app's own active signing key,
 * under the token's own `typ` unless `header` says otherwise.
 */
export async function resignWithRing(t: TestApp, token: string, changes: Record<string, unknown> = {}, header: Partial<JWTHeaderParameters> = {}): Promise<string> {
  const key = t.app.get(KeyRing).active('signing');
  const { typ } = decodeProtectedHeader(token);
  return new SignJWT(withChanges(token, changes)).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ, ...header }).sign(key.privateKey!);
}

/** The same claims signed ES256 with a key the service does not have, under `kid` (default: the real active kid). */
export async function resignWithForeignKey(t: TestApp, token: string, kid = t.app.get(KeyRing).active('signing').kid): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT(withChanges(token, {})).setProtectedHeader({ alg: 'ES256', kid, typ: decodeProtectedHeader(token).typ }).sign(privateKey);
}

function withChanges(token: string, changes: Record<string, unknown>): JWTPayload {
  const claims: Record<string, unknown> = { ...decodeJwt(token), ...changes };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims;
}
