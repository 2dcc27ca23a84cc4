import type { SmtpTestServer } from '../support/smtp-test-server';
import { UserRoles1764350000000 } from '../../src/ground/database/migrations/1764350000000-user-roles';
import { PasswordLifecycleService } from '../../src/core/password/password-lifecycle.service';
import { describeEachDatabase, useMigratedDatabase } from './support/databases';
import { admin, createAccount, createApiKey, GOOD_PASSWORD, loginAs, setPasswordWithInvitation, sql, uniqueEmail } from './support/factories';
import { TestApp, withAppAndSmtp } from './support/test-app';

type Headers = Record<string, string>;
const bearer = (token: string): Headers => ({ Authorization: `Bearer ${token}` });

/**
 * CONTRACT.md "Callers with JWT bearer tokens": users' roles (owner, admin, member), their access
 * tokens on the account-scoped admin routes, super admins, and the account boundary for every kind of
 * account-bound caller.
 */
describeEachDatabase('user roles and user tokens on the admin routes', (kind) => {
  let t: TestApp;
  let smtp: SmtpTestServer;

  /** A user invited into `accountId` with `role` by the global admin key, who then sets a password and logs in. */
  async function member(accountId: string, role: 'admin' | 'member' = 'member'): Promise<{ userId: string; email: string; token: string }> {
    const email = uniqueEmail(role);
    const res = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email, role }).expect(201);
    expect(res.body.data.role).toBe(role);
    await setPasswordWithInvitation(t, smtp, email);
    return { userId: res.body.data.user_id, email, token: (await loginAs(t, email)).access_token };
  }

  async function ownedAccount(): Promise<{ accountId: string; ownerId: string; ownerEmail: string; token: string }> {
    const a = await createAccount(t);
    await setPasswordWithInvitation(t, smtp, a.ownerEmail);
    return { ...a, token: (await loginAs(t, a.ownerEmail)).access_token };
  }

  /** A client token for an API key (POST /oauth/token, HTTP Basic). */
  async function clientToken(k: { id: string; key: string }): Promise<string> {
    const res = await t.http.post('/oauth/token').auth(k.id, k.key).type('form').send({ grant_type: 'client_credentials' }).expect(200);
    return res.body.access_token;
  }

  const roleOf = async (userId: string) => (await t.http.get(`/users/${userId}`).set(admin).expect(200)).body.data.role;

  withAppAndSmtp(kind, (app, server) => {
    [t, smtp] = [app, server];
  });

  describe('the matrix: each caller against its own account (A) and another (B)', () => {
    const callers: Record<string, Headers> = {};
    let A: { accountId: string; target: string };
    let B: { accountId: string; target: string };

    beforeAll(async () => {
      const a = await ownedAccount();
      const b = await ownedAccount();
      const adminA = await member(a.accountId, 'admin');
      const memberA = await member(a.accountId);
      const superUser = await member(b.accountId);
      await t.http.patch(`/users/${superUser.userId}`).set(admin).send({ isAdmin: true }).expect(200);
      A = { accountId: a.accountId, target: (await member(a.accountId)).userId };
      B = { accountId: b.accountId, target: (await member(b.accountId)).userId };
      callers.owner = bearer(a.token);
      callers.admin = bearer(adminA.token);
      callers.member = bearer(memberA.token);
      callers.superAdmin = bearer(superUser.token); // logged in before becoming super admin: roles are read per request
      const boundKey = await createApiKey(t, ['accounts:write', 'users:write'], a.accountId);
      const globalKey = await createApiKey(t, ['accounts:write', 'users:write']);
      callers.keyBoundToA = { 'X-Api-Key': boundKey.key };
      callers.globalKey = { 'X-Api-Key': globalKey.key };
      // The same keys as OAuth clients (RFC 6749 §4.4): their tokens carry the keys' scopes and binding.
      callers.clientTokenBoundToA = bearer(await clientToken(boundKey));
      callers.globalClientToken = bearer(await clientToken(globalKey));
    });

    /**
     * Expected statuses on [GET account, PUT policy, POST user, GET user, PATCH role, GET account users (admin
     * action), DELETE user sessions (admin action)] of one account, then POST /accounts.
     */
    const ALL = [200, 200, 201, 200, 200, 200, 204];
    const NONE = [403, 403, 403, 403, 403, 403, 403];
    const expected: Record<string, { A: number[]; B: number[]; create: number }> = {
      owner: { A: ALL, B: NONE, create: 403 },
      admin: { A: [200, 403, 201, 200, 403, 200, 204], B: NONE, create: 403 },
      member: { A: NONE, B: NONE, create: 403 },
      superAdmin: { A: ALL, B: ALL, create: 201 },
      keyBoundToA: { A: ALL, B: NONE, create: 403 },
      globalKey: { A: ALL, B: ALL, create: 201 },
      clientTokenBoundToA: { A: ALL, B: NONE, create: 403 },
      globalClientToken: { A: ALL, B: ALL, create: 201 },
    };

    const statuses = async (h: Headers, x: { accountId: string; target: string }) => [
      (await t.http.get(`/accounts/${x.accountId}`).set(h)).status,
      (await t.http.put(`/accounts/${x.accountId}/password-policy`).set(h).send({ minLength: 10 })).status,
      (await t.http.post(`/accounts/${x.accountId}/users`).set(h).send({ email: uniqueEmail('matrix') })).status,
      (await t.http.get(`/users/${x.target}`).set(h)).status,
      (await t.http.patch(`/users/${x.target}`).set(h).send({ role: 'member' })).status,
      (await t.http.get(`/accounts/${x.accountId}/users`).set(h)).status,
      (await t.http.delete(`/users/${x.target}/sessions`).set(h)).status,
    ];

    it.each(Object.keys(expected))('%s', async (name) => {
      const h = callers[name];
      expect({ A: await statuses(h, A), B: await statuses(h, B) }).toEqual({ A: expected[name].A, B: expected[name].B });
      const created = await t.http.post('/accounts').set(h).send({ name: 'Another', owner: { email: uniqueEmail('owner') } });
      expect(created.status).toBe(expected[name].create);
    });

    it('a member is refused with FORBIDDEN, not 401: the token is valid, the role allows nothing', async () => {
      const res = await t.http.get(`/accounts/${A.accountId}`).set(callers.member).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      await t.http.get('/users/me').set(callers.member).expect(200);
    });

    it('an owner may replace its links; an admin may not', async () => {
      const links = { invitation: 'https://app.example.test/invite?c={code}' };
      await t.http.put(`/accounts/${A.accountId}/links`).set(callers.owner).send(links).expect(200);
      await t.http.put(`/accounts/${A.accountId}/links`).set(callers.admin).send(links).expect(403);
      await t.http.put(`/accounts/${B.accountId}/links`).set(callers.owner).send(links).expect(403);
    });

    it('owner and admin tokens have neither passwords:write nor admin (D3 and API keys stay closed)', async () => {
      for (const h of [callers.owner, callers.admin]) {
        expect((await t.http.delete(`/v1/password/${A.target}`).set(h)).status).toBe(403);
        expect((await t.http.get('/api-keys').set(h)).status).toBe(403);
      }
    });

    // CONTRACT.md "Third round": an account's owner or admin reads its account's audit events; a member gets 403.
    it("owner and admin tokens read their own account's audit events only; a member's token is refused", async () => {
      for (const h of [callers.owner, callers.admin]) {
        const own = await t.http.get('/audit-events').set(h).expect(200);
        expect(own.body.data.length).toBeGreaterThan(0);
        expect(own.body.data.every((e: { account_id: string | null }) => e.account_id === A.accountId)).toBe(true);
        await t.http.get('/audit-events').query({ account_id: A.accountId }).set(h).expect(200);
        expect((await t.http.get('/audit-events').query({ account_id: B.accountId }).set(h)).status).toBe(403);
      }
      expect((await t.http.get('/audit-events').set(callers.member)).status).toBe(403);
    });

    it('only a caller that may manage roles (accounts:write) invites an admin', async () => {
      const invite = (h: Headers) => t.http.post(`/accounts/${A.accountId}/users`).set(h).send({ email: uniqueEmail('new-admin'), role: 'admin' });
      expect((await invite(callers.owner)).body.data.role).toBe('admin');
      expect((await invite(callers.admin)).status).toBe(403);
      const usersOnly = { 'X-Api-Key': (await createApiKey(t, ['users:write'], A.accountId)).key };
      expect((await invite(usersOnly)).status).toBe(403);
      const plain = await t.http.post(`/accounts/${A.accountId}/users`).set(callers.admin).send({ email: uniqueEmail('plain') }).expect(201);
      expect(plain.body.data.role).toBe('member');
      await t.http.post(`/accounts/${A.accountId}/users`).set(admin).send({ email: uniqueEmail(), role: 'owner' }).expect(400);
    });

    it('G2 a null role, isAdmin or disabled is a 400 naming what the field takes, never a 500, and changes nothing', async () => {
      for (const [body, detail] of [
        [{ role: null }, 'role must be one of: owner, admin, member.'],
        [{ isAdmin: null }, 'isAdmin has the wrong type (expected boolean).'],
        [{ disabled: null }, 'disabled has the wrong type (expected boolean).'],
      ] as const) {
        for (const h of [admin, callers.owner]) {
          const res = await t.http.patch(`/users/${A.target}`).set(h).send(body).expect(400);
          expect(res.body).toMatchObject({ code: 'REQUEST_INVALID', details: [detail] });
        }
      }
      const invited = await t.http.post(`/accounts/${A.accountId}/users`).set(callers.owner).send({ email: uniqueEmail('null-role'), role: null }).expect(400);
      expect(invited.body.details).toEqual(['role must be one of: admin, member.']);
      const target = (await t.http.get(`/users/${A.target}`).set(admin).expect(200)).body.data;
      expect(target).toMatchObject({ is_admin: false });
    });

    it('isAdmin is set only by a global admin caller', async () => {
      for (const h of [callers.owner, callers.keyBoundToA, callers.globalKey]) {
        await t.http.patch(`/users/${A.target}`).set(h).send({ isAdmin: true }).expect(403);
      }
      expect((await t.http.patch(`/users/${A.target}`).set(callers.superAdmin).send({ isAdmin: true }).expect(200)).body.data.is_admin).toBe(true);
      expect((await t.http.patch(`/users/${A.target}`).set(admin).send({ isAdmin: false }).expect(200)).body.data.is_admin).toBe(false);
    });

    it('GET /accounts/{id} takes accounts:read; a key may hold just that', async () => {
      const reader = { 'X-Api-Key': (await createApiKey(t, ['accounts:read'], A.accountId)).key };
      await t.http.get(`/accounts/${A.accountId}`).set(reader).expect(200);
      await t.http.get(`/accounts/${B.accountId}`).set(reader).expect(403);
      await t.http.put(`/accounts/${A.accountId}/password-policy`).set(reader).send({}).expect(403);
    });
  });

  describe('tokens that no longer hold', () => {
    it("a deactivated user's token is refused (401)", async () => {
      const a = await ownedAccount();
      await t.http.get(`/accounts/${a.accountId}`).set(bearer(a.token)).expect(200);
      await sql(t, `UPDATE users SET is_active = ${kind === 'sqlite' ? 0 : 'false'} WHERE id = $1`, [a.ownerId]);
      expect((await t.http.get(`/accounts/${a.accountId}`).set(bearer(a.token)).expect(401)).body.code).toBe('INVALID_BEARER_TOKEN');
    });

    it("a token from before the user's password change is refused (401); a new login works", async () => {
      const a = await ownedAccount();
      t.clock.advance(1_000);
      await t.app.get(PasswordLifecycleService).setPassword({ userId: a.ownerId, password: 'Brand-New-Lantern-77', mode: 'replace', via: 'test' });
      await t.http.get(`/accounts/${a.accountId}`).set(bearer(a.token)).expect(401);
      const fresh = await loginAs(t, a.ownerEmail, 'Brand-New-Lantern-77');
      await t.http.get(`/accounts/${a.accountId}`).set(bearer(fresh.access_token)).expect(200);
    });

    it('an access token with a broken signature is 401', async () => {
      const a = await ownedAccount();
      const [h, p] = a.token.split('.');
      await t.http.get(`/accounts/${a.accountId}`).set(bearer(`${h}.${p}.AAAA`)).expect(401);
    });
  });

  describe('roles', () => {
    it('user responses (create, read, list, change) show the role; the account creator is the owner', async () => {
      const a = await createAccount(t);
      const res = await t.http.get(`/users/${a.ownerId}`).set(admin).expect(200);
      expect(res.body.data).toMatchObject({ role: 'owner', is_admin: false });
      const created = await t.http.post(`/accounts/${a.accountId}/users`).set(admin).send({ email: uniqueEmail('shown') }).expect(201);
      expect(created.body.data.role).toBe('member');
      const listed = await t.http.get(`/accounts/${a.accountId}/users`).set(admin).expect(200);
      expect(Object.fromEntries(listed.body.data.map((u: { user_id: string; role: string }) => [u.user_id, u.role]))).toEqual({ [a.ownerId]: 'owner', [created.body.data.user_id]: 'member' });
      const changed = await t.http.patch(`/users/${created.body.data.user_id}`).set(admin).send({ locale: 'de' }).expect(200);
      expect(changed.body.data.role).toBe('member');
    });

    it('setting owner transfers ownership: the previous owner becomes admin in the same change, audited', async () => {
      const a = await ownedAccount();
      const next = await member(a.accountId);
      const res = await t.http.patch(`/users/${next.userId}`).set(bearer(a.token)).send({ role: 'owner' }).expect(200);
      expect(res.body.data.role).toBe('owner');
      expect(await roleOf(a.ownerId)).toBe('admin');
      const owners = await sql<{ n: number | string }>(t, "SELECT COUNT(*) AS n FROM users WHERE account_id = $1 AND role = 'owner'", [a.accountId]);
      expect(Number(owners[0].n)).toBe(1);
      // The previous owner's token now carries admin's scopes: no policy changes, no role changes.
      await t.http.put(`/accounts/${a.accountId}/password-policy`).set(bearer(a.token)).send({}).expect(403);
      await t.http.patch(`/users/${a.ownerId}`).set(bearer(a.token)).send({ role: 'owner' }).expect(403);
      await t.http.put(`/accounts/${a.accountId}/password-policy`).set(bearer(next.token)).send({}).expect(200);
      const events = await sql<{ user_id: string; actor_kind: string; actor_id: string; details: string }>(
        t, "SELECT user_id, actor_kind, actor_id, details FROM audit_events WHERE type = 'user.role_changed' AND account_id = $1", [a.accountId],
      );
      expect(events.map((e) => [e.user_id, JSON.parse(e.details)]).sort()).toEqual(
        [[a.ownerId, { from: 'owner', to: 'admin' }], [next.userId, { from: 'member', to: 'owner' }]].sort(),
      );
      expect(events.every((e) => e.actor_kind === 'user' && e.actor_id === a.ownerId)).toBe(true);
    });

    it('the owner cannot be demoted except by making someone else owner (409)', async () => {
      const a = await ownedAccount();
      for (const role of ['admin', 'member']) {
        const res = await t.http.patch(`/users/${a.ownerId}`).set(admin).send({ role }).expect(409);
        expect(res.body.code).toBe('ROLE_CONFLICT');
        await t.http.patch(`/users/${a.ownerId}`).set(bearer(a.token)).send({ role }).expect(409);
      }
      expect(await roleOf(a.ownerId)).toBe('owner');
      await t.http.patch(`/users/${a.ownerId}`).set(admin).send({ role: 'owner' }).expect(200);
    });

    it('an owner promotes and demotes admins; a refused PATCH changes nothing', async () => {
      const a = await ownedAccount();
      const m = await member(a.accountId);
      await t.http.patch(`/users/${m.userId}`).set(bearer(a.token)).send({ role: 'admin' }).expect(200);
      await t.http.put(`/accounts/${a.accountId}/password-policy`).set(bearer(m.token)).send({}).expect(403);
      await t.http.get(`/accounts/${a.accountId}`).set(bearer(m.token)).expect(200);
      await t.http.patch(`/users/${m.userId}`).set(bearer(m.token)).send({ role: 'member', locale: 'de' }).expect(403);
      const unchanged = (await t.http.get(`/users/${m.userId}`).set(admin).expect(200)).body.data;
      expect(unchanged).toMatchObject({ role: 'admin', locale: null });
      await t.http.patch(`/users/${m.userId}`).set(bearer(a.token)).send({ role: 'member' }).expect(200);
      await t.http.get(`/accounts/${a.accountId}`).set(bearer(m.token)).expect(403);
    });

    it('users without an account have no role to change (409)', async () => {
      const email = uniqueEmail('signup');
      const signup = await t.http.post('/auth/signup').send({ email, firstName: 'Sam', lastName: 'Solo' }).expect(201);
      const userId = signup.body?.data?.user_id ?? (await sql<{ id: string }>(t, 'SELECT id FROM users WHERE email = $1', [email]))[0].id;
      expect(await roleOf(userId)).toBe('member');
      expect((await t.http.patch(`/users/${userId}`).set(admin).send({ role: 'admin' }).expect(409)).body.code).toBe('ROLE_CONFLICT');
    });

    it('refuses an unknown role (400)', async () => {
      const a = await createAccount(t);
      await t.http.patch(`/users/${a.ownerId}`).set(admin).send({ role: 'root' }).expect(400);
      await t.http.patch(`/users/${a.ownerId}`).set(admin).send({ isAdmin: 'yes' }).expect(400);
    });
  });

  it('a role change leaves the password and the sign-in alone', async () => {
    const a = await ownedAccount();
    const next = await member(a.accountId);
    await t.http.patch(`/users/${next.userId}`).set(admin).send({ role: 'owner' }).expect(200);
    await loginAs(t, a.ownerEmail, GOOD_PASSWORD);
  });
});

/** STYLE.md 11: the user-roles migration runs on both databases, assigns owners, and has a working down(). */
describeEachDatabase('user roles migration', (kind) => {
  const migrated = useMigratedDatabase(kind);


  const q = (text: string, params: unknown[] = []) => migrated.ds.query(kind === 'sqlite' ? text.replace(/\$\d+/g, '?') : text, params);

  it("up() makes each account's oldest user its owner, everyone else a member; down() drops the columns", async () => {
    const runner = migrated.ds.createQueryRunner();
    try {
      await new UserRoles1764350000000().down(runner);
      expect((await runner.getTable('users'))?.columns.map((c) => c.name)).not.toContain('role');
      for (const id of ['acc-1', 'acc-2']) await q("INSERT INTO accounts (id, name, password_policy, created_at, updated_at) VALUES ($1, 'x', '{}', 1, 1)", [id]);
      const users: Array<[string, string | null, number]> = [
        ['u-late', 'acc-1', 30], ['u-first', 'acc-1', 10], ['u-mid', 'acc-1', 20], ['u-only', 'acc-2', 5], ['u-solo', null, 1],
      ];
      for (const [id, accountId, at] of users) {
        await q('INSERT INTO users (id, account_id, email, email_normalized, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)', [id, accountId, `${id}@example.test`, `${id}@example.test`, at, at]);
      }
      await new UserRoles1764350000000().up(runner);
    } finally {
      await runner.release();
    }
    const rows: Array<{ id: string; role: string; is_admin: unknown }> = await q('SELECT id, role, is_admin FROM users ORDER BY id');
    expect(rows.map((r) => [r.id, r.role, Boolean(r.is_admin)])).toEqual([
      ['u-first', 'owner', false], ['u-late', 'member', false], ['u-mid', 'member', false], ['u-only', 'owner', false], ['u-solo', 'member', false],
    ]);
    // At most one owner per account, whatever writes it.
    await expect(q("UPDATE users SET role = 'owner' WHERE id = 'u-mid'")).rejects.toThrow();
  });
});
