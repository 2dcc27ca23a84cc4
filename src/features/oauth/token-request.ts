import type { Request } from 'express';
import type { ClientCredentialsRequest } from './client-credentials.usecase';
import { OAuthError } from './oauth-error';

const PARAMETERS = ['grant_type', 'scope', 'client_id', 'client_secret'] as const;

/**
 * Reads a token request off the wire (RFC 6749 §4.4.2): a form body, each parameter at most once
 * (§3.2), client credentials in HTTP Basic (§2.3.1: each form-urlencoded, then base64) or in the body,
 * never both (§2.3). Unknown parameters are ignored (§3.2). Throws `invalid_request` for anything else,
 * `invalid_client` when no client credentials were sent.
 */
export function readTokenRequest(req: Request): ClientCredentialsRequest {
  if (!req.is('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 'The request body must be application/x-www-form-urlencoded.');
  const body = (req.body ?? {}) as Record<string, unknown>;
  const params: Partial<Record<(typeof PARAMETERS)[number], string>> = {};
  for (const name of PARAMETERS) {
    const value = Object.prototype.hasOwnProperty.call(body, name) ? body[name] : undefined;
    // RFC 6749 §3.1: a parameter sent without a value is treated as if it were omitted.
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must be sent once, as text.`);
    params[name] = value;
  }
  if (!params.grant_type) throw new OAuthError('invalid_request', 'grant_type is required.');
  const basic = readBasic(req.header('authorization'));
  if (basic) {
    if (params.client_secret !== undefined || (params.client_id !== undefined && params.client_id !== basic.id)) {
      throw new OAuthError('invalid_request', 'Send the client credentials either with HTTP Basic or in the body, not both.');
    }
    return { grantType: params.grant_type, scope: params.scope, clientId: basic.id, clientSecret: basic.secret, basic: true };
  }
  if (params.grant_type !== 'client_credentials') return { grantType: params.grant_type, scope: params.scope, clientId: '', clientSecret: '', basic: false };
  if (!params.client_id || !params.client_secret) throw new OAuthError('invalid_client', 'Client authentication is required: HTTP Basic, or client_id and client_secret.');
  return { grantType: params.grant_type, scope: params.scope, clientId: params.client_id, clientSecret: params.client_secret, basic: false };
}

/** `Authorization: Basic base64(urlencode(id):urlencode(secret))`; null without an Authorization header. */
function readBasic(header: string | undefined): { id: string; secret: string } | null {
  if (header === undefined) return null;
  const match = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (!match) throw new OAuthError('invalid_request', 'Authorization must be HTTP Basic with the client id and secret.');
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_request', 'HTTP Basic credentials must be "client_id:client_secret".');
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_request', 'HTTP Basic credentials must be form-urlencoded.');
  }
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}
