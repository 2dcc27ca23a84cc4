// A standard OAuth client library against the running service: openid-client 6 (ESM only, so it runs
// in its own node process, not under jest). Reads one JSON argument:
//   {"issuer": "http://127.0.0.1:PORT", "clientId", "clientSecret", "auth": "basic" | "post", "scope"?}
// configures itself from the issuer's RFC 8414 metadata (discovery() with algorithm "oauth2"), obtains a
// token with the client credentials grant, and prints one JSON line: {"metadata", "token"} or {"error"}.
// http:// is allowed (allowInsecureRequests): the test service listens on 127.0.0.1 without TLS.
import * as client from 'openid-client';

const input = JSON.parse(process.argv[2]);
try {
  const auth = input.auth === 'basic' ? client.ClientSecretBasic(input.clientSecret) : client.ClientSecretPost(input.clientSecret);
  const config = await client.discovery(new URL(input.issuer), input.clientId, undefined, auth, {
    algorithm: 'oauth2',
    execute: [client.allowInsecureRequests],
    timeout: 10,
  });
  const token = await client.clientCredentialsGrant(config, input.scope ? { scope: input.scope } : {});
  process.stdout.write(`${JSON.stringify({ metadata: config.serverMetadata(), token: { ...token } })}\n`);
} catch (err) {
  // ResponseBodyError carries the OAuth error (`error`); WWWAuthenticateChallengeError the challenges (`cause`).
  const error = { name: err?.name, code: err?.code, message: err?.message, status: err?.status, error: err?.error, cause: err?.cause?.message ?? err?.cause };
  process.stdout.write(`${JSON.stringify({ error })}\n`);
}
