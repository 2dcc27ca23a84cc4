import * as bcrypt from 'bcrypt';
import { decodeJwt } from 'jose';
import type { OpenAPIObject } from '@nestjs/swagger';
import { SessionsService } from '../../src/core/sessions/sessions.service';
import { PasswordLifecycleService } from '../../src/core/password/password-lifecycle.service';
import { User } from '../../src/core/entities/user.entity';
import { SmtpTestServer } from '../support/smtp-test-server';
import { describeEachDatabase } from './support/databases';
import { TestApp, withAppAndSmtp } from './support/test-app';
import { admin, createAccount, createApiKey, createUser, givePassword, signUpAndVerify, sql, uniqueEmail } from './support/factories';

/**
 * The authorization matrix (CONTRACT.md "Callers with JWT bearer tokens", "Third round: No escalation";
 * SECURITY.md F1, F2): every operation of /docs-json × every kind of caller × every kind of target.
 *
 * The expected outcome is written here from the contract, independently of src/access/policy.ts: each
 * principal (caller or target user) is a set of powers `<scope>@<account>` over the accounts of this
 * world (A, B, and "-" for users of no account), plus `<scope>@*` for a reach over every account. A
 * caller may act on a target when it holds the operation's power there; it may act on a user's
 * credentials only when the user's powers are within its own; it may give a role or a key only
 * within its own. Independently of that table, any 2xx that carries a token for a user whose powers
 * exceed the caller's fails the test, as does any 5xx.
 */

/**
 * What can be held: the API key scopes, and `account:admin`, the account's administration (its audit events and
 * webhooks) that the contract gives an account's owner and admin and that no key but an admin key has.
 */
const SCOPES = ['accounts:read', 'accounts:write', 'users:write', 'passwords:write', 'account:admin', 'admin'] as const;
type Scope = (typeof SCOPES)[number];
const KEY_SCOPES = SCOPES.filter((s) => s !== 'account:admin');
type Acct = 'A' | 'B' | '-';
const ACCTS: Acct[] = ['A', 'B', '-'];
/** The contract's roles, as what their access tokens may do in their own account. */
const ROLE_POWERS: Record<'owner' | 'admin' | 'member', Scope[]> = {
  owner: ['accounts:read', 'accounts:write', 'users:write', 'account:admin'],
  admin: ['accounts:read', 'users:write', 'account:admin'],
  member: [],
};

function closure(scopes: readonly Scope[]): Scope[] {
  if (scopes.includes('admin')) return [...SCOPES];
  return [...new Set([...scopes, ...(scopes.includes('accounts:write') ? (['accounts:read'] as Scope[]) : [])])];
}
function powers(scopes: readonly Scope[], reach: Acct | '*'): Set<string> {
  const out = new Set<string>();
  for (const s of closure(scopes)) {
    for (const a of reach === '*' ? ACCTS : [reach]) out.add(`${s}@${a}`);
    if (reach === '*') out.add(`${s}@*`);
  }
  return out;
}
const within = (inner: Set<string>, outer: Set<string>) => [...inner].every((p) => outer.has(p));

interface Person { name: string; acct: Acct; role: 'owner' | 'admin' | 'member'; superAdmin: boolean; id: string; email: string }
function personPowers(p: Pick<Person, 'acct' | 'role' | 'superAdmin'>): Set<string> {
  if (p.superAdmin) return powers(['admin'], '*');
  return p.acct === '-' ? new Set() : powers(ROLE_POWERS[p.role], p.acct);
}

interface CallerKind {
  name: string;
  /** Its powers (empty for callers that do not authenticate on admin routes). */
  powers: Set<string>;
  authenticated: boolean;
  /** The person behind a user's access token. */
  person?: Person;
  headers: () => Promise<Record<string, string>>;
}

type Outcome = 'allow' | 'deny';
interface Row { caller: CallerKind; target: string; status: number; body: unknown }

describeEachDatabase('authorization matrix: every operation × caller × target (SECURITY.md F1, F2; no escalation)', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;
  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  }, { env: { API_KEY_RATE_LIMIT_PER_MINUTE: '1000000', CLIENT_TOKEN_TTL_SECONDS: '3600', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });

  const accountIds: Record<'A' | 'B', string> = { A: '', B: '' };
  const people: Record<string, Person> = {};
  const callers: CallerKind[] = [];
  let document: OpenAPIObject;
  let counter = 0;
  const fresh = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

  /** A new user of the same kind as `p` (account, role, super admin), or `p` itself for an owner (one per account). */
  async function twin(p: Person): Promise<Person> {
    if (p.role === 'owner') return p;
    const email = uniqueEmail(`twin-${p.name.toLowerCase()}`);
    let id: string;
    if (p.acct === '-') {
      await t.http.post('/auth/signup').send({ email, firstName: 'Twin', lastName: 'User' }).expect(201);
      [{ id }] = await sql<{ id: string }>(t, 'SELECT id FROM users WHERE email_normalized = $1', [email]);
    } else {
      id = (await t.http.post(`/accounts/${accountIds[p.acct]}/users`).set(admin).send({ email, role: p.role }).expect(201)).body.data.user_id;
    }
    if (p.superAdmin) await t.http.patch(`/users/${id}`).set(admin).send({ isAdmin: true }).expect(200);
    return { ...p, id, email, name: `${p.name} (twin)` };
  }

  /** A fresh access token of the person, so that an earlier row ending its sessions changes nothing for the next. */
  async function accessTokenOf(p: Person): Promise<string> {
    const user = await t.dataSource.getRepository(User).findOneByOrFail({ id: p.id });
    return t.app.get(SessionsService).signAccessToken(user);
  }
  async function clientToken(key: { id: string; key: string }, scope?: string): Promise<string> {
    const res = await t.http.post('/oauth/token').type('form').auth(key.id, key.key).send({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    if (res.status !== 200) throw new Error(`client token: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.access_token;
  }

  beforeAll(async () => {
    const a = await createAccount(t, { name: 'Account A' });
    const b = await createAccount(t, { name: 'Account B' });
    accountIds.A = a.accountId;
    accountIds.B = b.accountId;
    const add = (name: string, p: Omit<Person, 'name'>) => (people[name] = { name, ...p });
    add('ownerA', { acct: 'A', role: 'owner', superAdmin: false, id: a.ownerId, email: a.ownerEmail });
    add('ownerB', { acct: 'B', role: 'owner', superAdmin: false, id: b.ownerId, email: b.ownerEmail });
    const invite = async (acct: 'A' | 'B', role: 'admin' | 'member') => {
      const email = uniqueEmail(role);
      const res = await t.http.post(`/accounts/${accountIds[acct]}/users`).set(admin).send({ email, role }).expect(201);
      return { id: res.body.data.user_id as string, email };
    };
    add('adminA', { acct: 'A', role: 'admin', superAdmin: false, ...(await invite('A', 'admin')) });
    add('memberA', { acct: 'A', role: 'member', superAdmin: false, ...(await invite('A', 'member')) });
    add('memberB', { acct: 'B', role: 'member', superAdmin: false, ...(await createUser(t, b.accountId).then((u) => ({ id: u.userId, email: u.email }))) });
    const sup = await invite('A', 'member');
    await t.http.patch(`/users/${sup.id}`).set(admin).send({ isAdmin: true }).expect(200);
    add('superAdmin', { acct: 'A', role: 'member', superAdmin: true, ...sup });
    const signedUp = uniqueEmail('nobody');
    await t.http.post('/auth/signup').send({ email: signedUp, firstName: 'No', lastName: 'Account' }).expect(201);
    const [row] = await sql<{ id: string }>(t, 'SELECT id FROM users WHERE email_normalized = $1', [signedUp]);
    add('noAccount', { acct: '-', role: 'member', superAdmin: false, id: row.id, email: signedUp });
    for (const p of Object.values(people)) await givePassword(t, p.id, `Matrix-${p.name}-9x`);

    const key = async (scopes: Scope[], acct?: 'A') => createApiKey(t, scopes, acct ? accountIds[acct] : undefined);
    const apiKeyCaller = async (name: string, scopes: Scope[], acct?: 'A') => {
      const k = await key(scopes, acct);
      callers.push({ name, powers: powers(scopes, acct ?? '*'), authenticated: true, headers: async () => ({ 'X-Api-Key': k.key }) });
    };
    await apiKeyCaller('admin key', ['admin']);
    await apiKeyCaller('admin key@A', ['admin'], 'A');
    for (const scope of KEY_SCOPES.filter((s) => s !== 'admin')) {
      await apiKeyCaller(`${scope} key`, [scope]);
      await apiKeyCaller(`${scope} key@A`, [scope], 'A');
    }
    await apiKeyCaller('passwords:write+users:write+accounts:write key@A', ['passwords:write', 'users:write', 'accounts:write'], 'A');
    const tokenCaller = async (name: string, scopes: Scope[], acct: 'A' | undefined, narrowed?: Scope[]) => {
      const token = await clientToken(await key(scopes, acct), narrowed?.join(' '));
      callers.push({ name, powers: powers(narrowed ?? scopes, acct ?? '*'), authenticated: true, headers: async () => ({ Authorization: `Bearer ${token}` }) });
    };
    await tokenCaller('passwords:write client token', ['passwords:write'], undefined);
    await tokenCaller('users:write client token@A', ['users:write'], 'A');
    await tokenCaller('admin key@A narrowed to users:write', ['admin'], 'A', ['users:write']);
    for (const name of ['ownerA', 'adminA', 'memberA', 'superAdmin', 'ownerB', 'noAccount']) {
      const person = people[name];
      callers.push({ name: `${name}'s access token`, powers: personPowers(person), authenticated: true, person, headers: async () => ({ Authorization: `Bearer ${await accessTokenOf(person)}` }) });
    }
    callers.push({ name: 'no credentials', powers: new Set(), authenticated: false, headers: async () => ({}) });
    callers.push({ name: 'an unknown API key', powers: new Set(), authenticated: false, headers: async () => ({ 'X-Api-Key': 'pls_not-a-key-0123456789abcdef0123456789abcdef' }) });
    callers.push({ name: 'a bearer that is no JWT', powers: new Set(), authenticated: false, headers: async () => ({ Authorization: 'Bearer not-a-jwt' }) });
    const { verificationJwt } = await signUpAndVerify(t, smtp);
    callers.push({ name: 'an email-verification JWT', powers: new Set(), authenticated: false, headers: async () => ({ Authorization: `Bearer ${verificationJwt}` }) });
    document = (await t.http.get('/docs-json').expect(200)).body;
  });

  // ---- the expectations, from the contract ----------------------------------------------------------------------------

  const may = (c: CallerKind, power: string) => c.powers.has(power);
  const targetPowers = (p: Person) => personPowers(p);
  /** May the caller act on this person's sign-in (set, remove, import): holds `scope` in its account, and the person is not above it. */
  const takeover = (c: CallerKind, p: Person, scope: Scope): Outcome => (may(c, `${scope}@${p.acct}`) && within(targetPowers(p), c.powers) ? 'allow' : 'deny');
  /** A user's own password is changed with the current one (POST /users/me/password), never through the routes that set another's. */
  const notOwn = (c: CallerKind, p: Person, outcome: Outcome): Outcome => (c.person?.id === p.id ? 'deny' : outcome);
  const inAcct = (c: CallerKind, scope: Scope, acct: Acct | '*'): Outcome => (may(c, `${scope}@${acct}`) ? 'allow' : 'deny');
  /** Giving a role in an account: managing roles there (accounts:write) and holding what the role can do. */
  const givesRole = (c: CallerKind, role: 'admin', acct: Acct): boolean => acct === '-' || (may(c, `accounts:write@${acct}`) && within(powers(ROLE_POWERS[role], acct), c.powers));

  /** Rows for one user-targeted operation: every caller × every person. */
  interface UserOp {
    title: string;
    method: 'get' | 'post' | 'put' | 'patch' | 'delete';
    path: (id: string) => string;
    body?: () => object;
    expect: (c: CallerKind, p: Person) => Outcome;
    allowed: number[];
    /** Puts the target back as it was (state other rows expect). */
    before?: (p: Person) => Promise<void>;
    /** Acts on a new user of the same kind instead (for an operation that ends the user); an owner stays itself. */
    fresh?: boolean;
    after?: (p: Person) => Promise<void>;
  }
  const userOps: UserOp[] = [
    { title: 'GET /users/{id}', method: 'get', path: (id) => `/users/${id}`, expect: (c, p) => inAcct(c, 'users:write', p.acct), allowed: [200] },
    { title: 'PATCH /users/{id} locale', method: 'patch', path: (id) => `/users/${id}`, body: () => ({ locale: 'en' }), expect: (c, p) => inAcct(c, 'users:write', p.acct), allowed: [200] },
    {
      title: 'PATCH /users/{id} role admin', method: 'patch', path: (id) => `/users/${id}`, body: () => ({ role: 'admin' }),
      expect: (c, p) => (inAcct(c, 'users:write', p.acct) === 'allow' && may(c, `accounts:write@${p.acct}`) && within(targetPowers(p), c.powers) && givesRole(c, 'admin', p.acct) ? 'allow' : 'deny'),
      allowed: [200, 409],
      after: async (p) => void (await sql(t, 'UPDATE users SET role = $1 WHERE id = $2', [p.role, p.id])),
    },
    {
      title: 'PATCH /users/{id} isAdmin true', method: 'patch', path: (id) => `/users/${id}`, body: () => ({ isAdmin: true }),
      expect: (c, p) => (inAcct(c, 'users:write', p.acct) === 'allow' && within(powers(['admin'], '*'), c.powers) ? 'allow' : 'deny'),
      allowed: [200],
      after: async (p) => void (await sql(t, `UPDATE users SET is_admin = ${p.superAdmin ? 'true' : 'false'} WHERE id = $1`, [p.id])),
    },
    { title: 'POST /users/{id}/invitation', method: 'post', path: (id) => `/users/${id}/invitation`, expect: (c, p) => inAcct(c, 'users:write', p.acct), allowed: [202, 409, 429] },
    { title: 'POST /users/{id}/password-reset', method: 'post', path: (id) => `/users/${id}/password-reset`, expect: (c, p) => inAcct(c, 'users:write', p.acct), allowed: [202, 429] },
    // Ending a user's sessions takes its sign-in away: never from a user above the caller.
    { title: 'DELETE /users/{id}/sessions', method: 'delete', path: (id) => `/users/${id}/sessions`, expect: (c, p) => takeover(c, p, 'users:write'), allowed: [204] },
    {
      title: 'POST /v1/password/{user_id} (D3)', method: 'post', path: (id) => `/v1/password/${id}`, body: () => ({ password: { value: `Set-By-D3-${fresh()}!` } }),
      expect: (c, p) => takeover(c, p, 'passwords:write'), allowed: [200],
      // "DELETE first if it has a password": every row finds the user without one, so an allowed row answers 200 and its token.
      before: (p) => t.app.get(PasswordLifecycleService).removePassword(p.id),
    },
    { title: 'DELETE /v1/password/{user_id} (D3)', method: 'delete', path: (id) => `/v1/password/${id}`, expect: (c, p) => notOwn(c, p, takeover(c, p, 'passwords:write')), allowed: [204] },
    {
      title: 'PATCH /users/{id} disabled', method: 'patch', path: (id) => `/users/${id}`, body: () => ({ disabled: true }),
      expect: (c, p) => takeover(c, p, 'users:write'), allowed: [200],
      after: async (p) => void (await sql(t, 'UPDATE users SET is_active = true WHERE id = $1', [p.id])),
    },
    {
      title: 'PUT /users/{id}/password (temporary)', method: 'put', path: (id) => `/users/${id}/password`, body: () => ({ password: `Temporary-7-${fresh()}!`, temporary: true }),
      expect: (c, p) => notOwn(c, p, takeover(c, p, 'users:write')), allowed: [200],
    },
    { title: 'DELETE /users/{id}', method: 'delete', path: (id) => `/users/${id}`, expect: (c, p) => takeover(c, p, 'users:write'), allowed: [204, 409], fresh: true },
    {
      title: 'PUT /users/{id}/password-hash', method: 'put', path: (id) => `/users/${id}/password-hash`,
      body: () => ({ format: 'bcrypt', hash: bcrypt.hashSync(`Imported-${fresh()}!`, 4) }),
      expect: (c, p) => notOwn(c, p, takeover(c, p, 'admin')), allowed: [200],
    },
  ];

  interface AccountOp { title: string; method: 'get' | 'post' | 'put'; path: (id: string) => string; body?: () => object; expect: (c: CallerKind, acct: 'A' | 'B') => Outcome; allowed: number[] }
  /** An account's webhooks: scope admin there, or an owner or admin of it with its access token (CONTRACT.md "Webhooks"). */
  const managesWebhooks = (c: CallerKind, acct: Acct): Outcome => (may(c, `admin@${acct}`) || accountManager(c) === acct ? 'allow' : 'deny');
  const accountOps: AccountOp[] = [
    { title: 'GET /accounts/{id}', method: 'get', path: (id) => `/accounts/${id}`, expect: (c, a) => inAcct(c, 'accounts:read', a), allowed: [200] },
    { title: 'PUT /accounts/{id}/password-policy', method: 'put', path: (id) => `/accounts/${id}/password-policy`, body: () => ({}), expect: (c, a) => inAcct(c, 'accounts:write', a), allowed: [200] },
    { title: 'PUT /accounts/{id}/links', method: 'put', path: (id) => `/accounts/${id}/links`, body: () => ({}), expect: (c, a) => inAcct(c, 'accounts:write', a), allowed: [200] },
    { title: 'PUT /accounts/{id}/sign-up', method: 'put', path: (id) => `/accounts/${id}/sign-up`, body: () => ({ selfSignUp: false, signUpDomains: [] }), expect: (c, a) => inAcct(c, 'accounts:write', a), allowed: [200] },
    { title: 'GET /accounts/{id}/users', method: 'get', path: (id) => `/accounts/${id}/users`, expect: (c, a) => inAcct(c, 'users:write', a), allowed: [200] },
    { title: 'POST /accounts/{id}/users (member)', method: 'post', path: (id) => `/accounts/${id}/users`, body: () => ({ email: uniqueEmail('m') }), expect: (c, a) => inAcct(c, 'users:write', a), allowed: [201] },
    {
      title: 'POST /accounts/{id}/users (admin)', method: 'post', path: (id) => `/accounts/${id}/users`, body: () => ({ email: uniqueEmail('a'), role: 'admin' }),
      expect: (c, a) => (inAcct(c, 'users:write', a) === 'allow' && givesRole(c, 'admin', a) ? 'allow' : 'deny'), allowed: [201],
    },
    { title: 'GET /accounts/{id}/webhooks', method: 'get', path: (id) => `/accounts/${id}/webhooks`, expect: (c, a) => managesWebhooks(c, a), allowed: [200] },
    // Port 9 of the loopback (allowed here by WEBHOOK_ALLOW_PRIVATE_TARGETS): deliveries fail at once and are retried later, harmlessly.
    { title: 'POST /accounts/{id}/webhooks', method: 'post', path: (id) => `/accounts/${id}/webhooks`, body: () => ({ url: 'http://127.0.0.1:9/matrix' }), expect: (c, a) => managesWebhooks(c, a), allowed: [201] },
  ];

  /** Operations without a target user or account. */
  interface PlainOp { title: string; method: 'get' | 'post' | 'patch' | 'delete'; path: () => Promise<string> | string; body?: () => object; expect: (c: CallerKind) => Outcome; allowed: number[]; denied?: number[] }
  /** An owner or admin of an account, by its access token. */
  const accountManager = (c: CallerKind): Acct | null => {
    const p = c.person;
    return p && !p.superAdmin && p.acct !== '-' && (p.role === 'owner' || p.role === 'admin') ? p.acct : null;
  };
  /** Audit events of an account: scope admin there, or an owner or admin of it with its access token. */
  const readsAudit = (c: CallerKind, acct: Acct): Outcome => (may(c, `admin@${acct}`) || accountManager(c) === acct ? 'allow' : 'deny');
  const keyIn = async (acct: 'A' | 'B' | '*') => (await createApiKey(t, ['users:write'], acct === '*' ? undefined : accountIds[acct])).id;
  /** The path of a fresh webhook of the account (its earlier ones removed, so the account never reaches its limit). */
  const webhookOf = async (acct: 'A' | 'B', rest = '') => {
    await sql(t, 'DELETE FROM webhooks WHERE account_id = $1', [accountIds[acct]]);
    const res = await t.http.post(`/accounts/${accountIds[acct]}/webhooks`).set(admin).send({ url: 'http://127.0.0.1:9/matrix' }).expect(201);
    return `/accounts/${accountIds[acct]}/webhooks/${res.body.data.id}${rest}`;
  };
  const plainOps: PlainOp[] = [
    { title: 'POST /accounts', method: 'post', path: () => '/accounts', body: () => ({ name: 'New', owner: { email: uniqueEmail('o') } }), expect: (c) => inAcct(c, 'accounts:write', '*'), allowed: [201] },
    // Every caller holding accounts:write somewhere lists the accounts it reaches (a bound one: its own).
    { title: 'GET /accounts', method: 'get', path: () => '/accounts', expect: (c) => ([...c.powers].some((p) => p.startsWith('accounts:write@')) ? 'allow' : 'deny'), allowed: [200] },
    { title: 'GET /api-keys', method: 'get', path: () => '/api-keys', expect: (c) => (may(c, 'admin@A') || may(c, 'admin@*') ? 'allow' : 'deny'), allowed: [200] },
    { title: 'POST /api-keys users:write, global', method: 'post', path: () => '/api-keys', body: () => ({ name: 'k', scopes: ['users:write'] }), expect: (c) => (may(c, 'admin@*') ? 'allow' : 'deny'), allowed: [201] },
    { title: 'POST /api-keys admin, bound to A', method: 'post', path: () => '/api-keys', body: () => ({ name: 'k', scopes: ['admin'], account_id: accountIds.A }), expect: (c) => (may(c, 'admin@A') ? 'allow' : 'deny'), allowed: [201] },
    { title: 'POST /api-keys users:write, bound to B', method: 'post', path: () => '/api-keys', body: () => ({ name: 'k', scopes: ['users:write'], account_id: accountIds.B }), expect: (c) => (may(c, 'admin@B') ? 'allow' : 'deny'), allowed: [201] },
    { title: 'DELETE /api-keys/{id} of A', method: 'delete', path: async () => `/api-keys/${await keyIn('A')}`, expect: (c) => inAcct(c, 'admin', 'A'), allowed: [204], denied: [401, 403, 404] },
    { title: 'DELETE /api-keys/{id} of B', method: 'delete', path: async () => `/api-keys/${await keyIn('B')}`, expect: (c) => inAcct(c, 'admin', 'B'), allowed: [204], denied: [401, 403, 404] },
    { title: 'DELETE /api-keys/{id} global', method: 'delete', path: async () => `/api-keys/${await keyIn('*')}`, expect: (c) => inAcct(c, 'admin', '*'), allowed: [204], denied: [401, 403, 404] },
    // Without a filter: everything for a global admin, its own account's events for the others who may read.
    { title: 'GET /audit-events', method: 'get', path: () => '/audit-events', expect: (c) => (may(c, 'admin@*') || may(c, 'admin@A') || accountManager(c) ? 'allow' : 'deny'), allowed: [200] },
    { title: 'GET /audit-events?account_id=A', method: 'get', path: () => `/audit-events?account_id=${accountIds.A}`, expect: (c) => readsAudit(c, 'A'), allowed: [200] },
    { title: 'GET /audit-events?account_id=B', method: 'get', path: () => `/audit-events?account_id=${accountIds.B}`, expect: (c) => readsAudit(c, 'B'), allowed: [200] },
    ...(['A', 'B'] as const).flatMap((acct): PlainOp[] => [
      { title: `PATCH /accounts/{id}/webhooks/{webhook_id} of ${acct}`, method: 'patch', path: () => webhookOf(acct), body: () => ({ enabled: false }), expect: (c) => managesWebhooks(c, acct), allowed: [200] },
      { title: `POST /accounts/{id}/webhooks/{webhook_id}/secret of ${acct}`, method: 'post', path: () => webhookOf(acct, '/secret'), expect: (c) => managesWebhooks(c, acct), allowed: [200] },
      { title: `DELETE /accounts/{id}/webhooks/{webhook_id} of ${acct}`, method: 'delete', path: () => webhookOf(acct), expect: (c) => managesWebhooks(c, acct), allowed: [204] },
    ]),
    // A user's own session: any user's access token; API keys and client tokens are no sessions.
    { title: 'GET /users/me', method: 'get', path: () => '/users/me', expect: (c) => (c.person ? 'allow' : 'deny'), allowed: [200], denied: [401] },
    { title: 'POST /auth/logout', method: 'post', path: () => '/auth/logout', expect: (c) => (c.person ? 'allow' : 'deny'), allowed: [204], denied: [401] },
    // A user's own password (with a wrong current one, so nothing changes): every user's token reaches it, no key or client token does.
    {
      title: 'POST /users/me/password', method: 'post', path: () => '/users/me/password', body: () => ({ current_password: 'Not-The-Current-1!', new_password: `Changed-7-${fresh()}!` }),
      expect: (c) => (c.person ? 'allow' : 'deny'), allowed: [400], denied: [401],
    },
  ];

  const covered = new Set<string>();
  const mark = (method: string, templated: string) => covered.add(`${method.toUpperCase()} ${templated}`);

  async function send(c: CallerKind, method: string, path: string, body?: object) {
    const req = (t.http as unknown as Record<string, (p: string) => import('supertest').Test>)[method](path).set(await c.headers());
    return body ? req.send(body) : req;
  }

  /** Fails on a 2xx that hands the caller a token of someone above it (whatever the expectation says). */
  function assertNoEscalation(c: CallerKind, status: number, body: unknown, where: string) {
    if (status >= 200 && status < 300) {
      for (const token of jwtsIn(body)) {
        const sub = decodeJwt(token).sub;
        const holder = Object.values(people).find((p) => p.id === sub);
        if (holder && !within(personPowers(holder), c.powers) && c.person?.id !== holder.id) {
          throw new Error(`${where}: ${c.name} received a token of ${holder.name}, whose powers exceed its own`);
        }
      }
      const created = body as { scopes?: Scope[]; account_id?: string | null; key?: string };
      if (created && Array.isArray(created.scopes) && typeof created.key === 'string') {
        const reach = created.account_id === accountIds.A ? 'A' : created.account_id === accountIds.B ? 'B' : '*';
        if (!within(powers(created.scopes, reach), c.powers)) throw new Error(`${where}: ${c.name} created a key with more than its own powers`);
      }
    }
    if (status >= 500) throw new Error(`${where}: ${c.name} got ${status} ${JSON.stringify(body)}`);
  }

  function check(rows: Row[], expected: (r: Row) => Outcome, allowed: number[], denied: number[], title: string) {
    const wrong = rows.filter((r) => {
      const outcome = expected(r);
      if (!r.caller.authenticated) return r.status !== 401;
      return outcome === 'allow' ? !allowed.includes(r.status) : !denied.includes(r.status);
    });
    expect(wrong.map((r) => `${title} by ${r.caller.name} on ${r.target}: expected ${r.caller.authenticated ? expected(r) : 'deny (401)'}, got ${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
  }

  // Each caller on each kind of user: owner, admin, member and super admin of A; owner and member of B; a user of no account.
  it.each(userOps.map((op) => [op.title, op] as const))('user-targeted: %s', async (_title, op) => {
    {
      const rows: Row[] = [];
      for (const c of callers) {
        for (const person of Object.values(people)) {
          const p = op.fresh ? await twin(person) : person;
          await op.before?.(p);
          const res = await send(c, op.method, op.path(p.id), op.body?.());
          await op.after?.(p);
          assertNoEscalation(c, res.status, res.body, op.title);
          rows.push({ caller: c, target: person.name, status: res.status, body: res.body });
        }
      }
      const byName = Object.fromEntries(Object.values(people).map((p) => [p.name, p]));
      check(rows, (r) => op.expect(r.caller, byName[r.target]), op.allowed, [403], op.title);
      mark(op.method, op.path('{id}').replace('/v1/password/{id}', '/v1/password/{user_id}'));
    }
  });

  it('the D3 takeover is refused: a passwords:write key, bound to A or global, gets no token of a super admin, owner or admin (INSUFFICIENT_PERMISSIONS)', async () => {
    for (const name of ['passwords:write key@A', 'passwords:write key', 'passwords:write client token']) {
      const c = callers.find((x) => x.name === name)!;
      for (const target of ['superAdmin', 'ownerA', 'adminA']) {
        await t.app.get(PasswordLifecycleService).removePassword(people[target].id);
        const res = await send(c, 'post', `/v1/password/${people[target].id}`, { password: { value: `Attacker-3-${fresh()}!` } });
        expect([name, target, res.status, res.body]).toEqual([name, target, 403, { errorCode: 'INSUFFICIENT_PERMISSIONS' }]);
      }
      // A member of its account is the integrator's to provision.
      await t.app.get(PasswordLifecycleService).removePassword(people.memberA.id);
      expect((await send(c, 'post', `/v1/password/${people.memberA.id}`, { password: { value: `Member-3-${fresh()}!` } })).status).toBe(200);
    }
  });

  // Each caller on its own account (A) and another (B).
  it.each(accountOps.map((op) => [op.title, op] as const))('account-targeted: %s', async (_title, op) => {
    {
      const rows: Row[] = [];
      for (const c of callers) {
        for (const acct of ['A', 'B'] as const) {
          const res = await send(c, op.method, op.path(accountIds[acct]), op.body?.());
          assertNoEscalation(c, res.status, res.body, op.title);
          rows.push({ caller: c, target: acct, status: res.status, body: res.body });
        }
      }
      check(rows, (r) => op.expect(r.caller, r.target as 'A' | 'B'), op.allowed, [403], op.title);
      mark(op.method, op.path('{id}'));
    }
  });

  it('operations without a target: accounts, API keys, audit events, an account\'s webhook, the caller\'s own session', async () => {
    for (const op of plainOps) {
      const rows: Row[] = [];
      for (const c of callers) {
        const path = await op.path();
        const res = await send(c, op.method, path, op.body?.());
        assertNoEscalation(c, res.status, res.body, op.title);
        rows.push({ caller: c, target: '-', status: res.status, body: res.body });
      }
      check(rows, (r) => op.expect(r.caller), op.allowed, op.denied ?? [403], op.title);
      mark(op.method, op.title.split(' ')[1].split('?')[0].replace(/\/api-keys\/\{id\}$/, '/api-keys/{id}'));
    }
  });

  it('D2 (POST /auth/setpassword) takes an email-verification JWT only: every other credential is refused before any password check', async () => {
    for (const c of callers) {
      const verified = c.name === 'an email-verification JWT';
      const headers = verified ? { Authorization: `Bearer ${(await signUpAndVerify(t, smtp)).verificationJwt}` } : await c.headers();
      // The others send a password the policy refuses: a refusal of the credential, not of the password, shows which came first.
      const res = await t.http.post('/auth/setpassword').set(headers).send({ password: verified ? `Verified-7-${fresh()}!` : 'weak' });
      assertNoEscalation(c, res.status, res.body, 'D2');
      if (verified) expect(res.status).toBe(200);
      else expect([c.name, res.status, res.body.error?.code]).toEqual([c.name, expect.any(Number), expect.stringMatching(/^(UNAUTHORIZED|INVALID_TOKEN)$/)]);
    }
    mark('post', '/auth/setpassword');
  });

  it('POST /oauth/token narrows, never widens: a key gets no scope it lacks (invalid_scope), a bearer credential is no client authentication', async () => {
    const k = await createApiKey(t, ['passwords:write'], accountIds.A);
    const wider = await t.http.post('/oauth/token').type('form').auth(k.id, k.key).send({ grant_type: 'client_credentials', scope: 'admin' });
    expect([wider.status, wider.body.error]).toEqual([400, 'invalid_scope']);
    for (const c of callers) {
      const res = await t.http.post('/oauth/token').set(await c.headers()).type('form').send({ grant_type: 'client_credentials' });
      expect([c.name, res.status, res.body.error]).toEqual([c.name, expect.any(Number), expect.stringMatching(/^(invalid_client|invalid_request)$/)]);
      expect(res.body.access_token).toBeUndefined();
    }
    mark('post', '/oauth/token');
  });

  it('open operations answer every caller as they answer no caller: credentials add nothing', async () => {
    const open = Object.entries(document.paths).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'patch', 'delete'] as const)
        // Open: no security requirement, or an empty one among others (GET /metrics without METRICS_TOKEN).
        .filter((m) => item[m] && ((item[m]!.security ?? []).length === 0 || item[m]!.security!.some((r) => Object.keys(r).length === 0)))
        .map((m) => ({ method: m, path })));
    for (const { method, path } of open) {
      if (covered.has(`${method.toUpperCase()} ${path}`)) continue;
      const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const body = method === 'get' ? undefined : {};
      const anonymous = await send(callers.find((c) => c.name === 'no credentials')!, method, concrete, body);
      for (const c of callers) {
        const res = await send(c, method, concrete, body);
        assertNoEscalation(c, res.status, res.body, `${method} ${path}`);
        // GET /metrics refuses an Authorization header when no METRICS_TOKEN is configured for it to match (documented).
        const expected = path === '/metrics' && (await c.headers()).Authorization ? 401 : anonymous.status;
        expect([`${method.toUpperCase()} ${path}`, c.name, res.status]).toEqual([`${method.toUpperCase()} ${path}`, c.name, expected]);
      }
      mark(method, path);
    }
  });

  it('every operation of /docs-json has its rows in this matrix', () => {
    const all = Object.entries(document.paths).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'patch', 'delete'] as const).filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`));
    expect(all.filter((op) => !covered.has(op))).toEqual([]);
  });
});

/** Every string in `value` (deeply) that is shaped like a JWT. */
function jwtsIn(value: unknown): string[] {
  if (typeof value === 'string') return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(jwtsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(jwtsIn);
  return [];
}
