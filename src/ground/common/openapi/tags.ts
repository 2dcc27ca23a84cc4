/**
 * The OpenAPI document's tags: one per module, each with a description (DocumentBuilder.addTag in
 * configure-app.ts lists them in this order, which Swagger UI follows): the admin API first, then OAuth,
 * keys and operations, then the routes of people and clients (sessions, the five dialects, labelled with
 * their ids D1–D5), and the pages with their assets last.
 */
export const API_TAGS = {
  accounts: { name: 'Accounts', description: 'Admin API: accounts, their owner, password policy, email link templates and users.' },
  users: { name: 'Users', description: 'Admin API: read and update users, send invitations and password resets, end their sessions; and the current user (`/users/me`).' },
  apiKeys: { name: 'API keys', description: 'Admin API (scope admin): issue, list and revoke API keys. A key is shown once, when it is created.' },
  audit: { name: 'Audit events', description: 'Admin API: the audit trail of security-relevant events, newest first, one page at a time.' },
  webhooks: { name: 'Webhooks', description: 'Admin API (scope admin, or the account\'s owner or admin): an account\'s webhook subscriptions. Events about its users are POSTed to them, signed by Standard Webhooks 1.0.' },
  oauth: { name: 'OAuth', description: 'OAuth 2.0 client credentials (RFC 6749 §4.4): an API key\'s id and key for a short-lived client token, sent as `Authorization: Bearer` on admin routes; and the metadata that describes it to OAuth client libraries (RFC 8414).' },
  keys: { name: 'Keys', description: 'The public keys (JWKS) that verify the JWTs this service signs.' },
  operations: { name: 'Operations', description: 'Prometheus metrics (GET /metrics), behind METRICS_TOKEN when it is set.' },
  health: { name: 'Health', description: 'Liveness and readiness probes (never rate limited).' },
  sessions: { name: 'Sessions', description: 'Log in with email and password, refresh and log out: bearer access tokens and rotating refresh tokens.' },
  d1: { name: 'D1 Set password (invitation)', description: 'Dialect D1: an invited user sets the first password with the token from the invitation email.' },
  d2: { name: 'D2 Sign-up and set password (email verification)', description: 'Dialect D2: sign up, verify the email with the emailed code, then set the password with the verification JWT.' },
  d3: { name: 'D3 Integrator passwords', description: 'Dialect D3: an integrator creates or removes a user\'s password by user id, with an API key holding passwords:write.' },
  d4: { name: 'D4 Account recovery', description: 'Dialect D4: request a recovery code by email, then reset the password with it (trailing slashes optional).' },
  d5: { name: 'D5 Password reset', description: 'Dialect D5: request a reset code by email, then reset the password with it; the code names the user.' },
  pages: { name: 'Pages', description: 'The HTML pages behind the email links, and their static assets. Failures are pages too.' },
} as const;
