import { randomBytes } from 'node:crypto';
import type { ReceivedMail, SmtpTestServer } from '../../support/smtp-test-server';
import { extractCode } from '../../support/smtp-test-server';
import { ADMIN_KEY, TestApp } from './test-app';
import { SessionsService } from '../../../src/core/sessions/sessions.service';
import { UnitOfWork } from '../../../src/ground/database/unit-of-work';
import { PasswordHasher } from '../../../src/core/password/password-hasher';
import { PasswordLifecycleService } from '../../../src/core/password/password-lifecycle.service';
import { User } from '../../../src/core/entities/user.entity';

/** A unique email per call, so tests never collide. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${randomBytes(4).toString('hex')}@example.com`;
}

export const admin = { 'X-Api-Key': ADMIN_KEY };

export interface CreatedAccount {
  accountId: string;
  ownerId: string;
  ownerEmail: string;
}

/** POST /accounts with the bootstrap admin key; asserts 201. `selfSignUp`: anyone may join it by POST /auth/signup (default closed). */
export async function createAccount(t: TestApp, o: { policy?: Record<string, unknown>; email?: string; name?: string; selfSignUp?: boolean } = {}): Promise<CreatedAccount> {
  const ownerEmail = o.email ?? uniqueEmail('owner');
  const res = await t.http
    .post('/accounts')
    .set(admin)
    .send({
      name: o.name ?? 'Acme', owner: { email: ownerEmail, firstName: 'Olive', lastName: 'Owner' },
      ...(o.policy ? { passwordPolicy: o.policy } : {}), ...(o.selfSignUp !== undefined ? { selfSignUp: o.selfSignUp } : {}),
    });
  if (res.status !== 201) throw new Error(`createAccount: ${res.status} ${JSON.stringify(res.body)}`);
  return { accountId: res.body.data.account_id, ownerId: res.body.data.user_id, ownerEmail };
}

/** POST /accounts/{id}/users; asserts 201 and returns the user id. */
export async function createUser(t: TestApp, accountId: string, email = uniqueEmail(), names: { firstName?: string; lastName?: string } = {}): Promise<{ userId: string; email: string }> {
  const res = await t.http.post(`/accounts/${accountId}/users`).set(admin).send({ email, ...names });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${JSON.stringify(res.body)}`);
  return { userId: res.body.data.user_id, email };
}

/** POST /api-keys; returns the raw key. */
export async function createApiKey(t: TestApp, scopes: string[], accountId?: string): Promise<{ id: string; key: string }> {
  const res = await t.http.post('/api-keys').set(admin).send({ name: `key ${scopes.join(',')}`, scopes, ...(accountId ? { account_id: accountId } : {}) });
  if (res.status !== 201) throw new Error(`createApiKey: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, key: res.body.key };
}

/** The newest message to `to` (and matching), waiting for one if none has arrived (see latestMail). */
export function receiveMail(t: TestApp, smtp: SmtpTestServer, to: string, match?: (m: ReceivedMail) => boolean): Promise<ReceivedMail> {
  return latestMail(t, smtp, to, match);
}

/** The secret on the `Code: <value>` line of the newest invitation to `to`. */
export function invitationToken(t: TestApp, smtp: SmtpTestServer, to: string): Promise<string> {
  return latestInvitationToken(t, smtp, to);
}

/** Every row of every table as JSON text, to search for a secret that must not be stored (SECURITY.md A12). */
export async function dumpAllTables(t: TestApp): Promise<string> {
  const tables: Array<{ name: string }> =
    t.database.kind === 'sqlite'
      ? await t.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      : await t.dataSource.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()');
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) dump[name] = await t.dataSource.query(`SELECT * FROM "${name}"`);
  return JSON.stringify(dump);
}

/** The rows that make up one user's password, history, sessions and secrets, to compare before and after (SECURITY.md A15). */
export async function userSecuritySnapshot(t: TestApp, userId: string): Promise<Record<string, unknown[]>> {
  const q = (sql: string) => t.dataSource.query(sql.replace('$1', t.database.kind === 'sqlite' ? '?' : '$1'), [userId]);
  return {
    users: await q('SELECT * FROM users WHERE id = $1'),
    credentials: await q('SELECT * FROM credentials WHERE user_id = $1'),
    password_history: await q('SELECT * FROM password_history WHERE user_id = $1 ORDER BY seq'),
    refresh_tokens: await q('SELECT * FROM refresh_tokens WHERE user_id = $1 ORDER BY id'),
    one_time_tokens: await q('SELECT * FROM one_time_tokens WHERE user_id = $1 ORDER BY id'),
    // Mail queued to the user (ids and kinds only: the outbox worker moves statuses on its own).
    mail_outbox: await q('SELECT id, kind FROM mail_outbox WHERE recipient = (SELECT email FROM users WHERE id = $1) ORDER BY id'),
  };
}

/** A password that passes the service default policy (8..99, all four classes, not common). */
export const GOOD_PASSWORD = 'Tr1cky-Lantern-42';

/**
 * The newest message to `to` (and matching) among those received from index `since` on, waiting for
 * one if none has arrived yet. Unlike receiveMail it also finds a message the outbox worker delivered
 * on its own (kick) before the call.
 */
export async function latestMail(t: TestApp, smtp: SmtpTestServer, to: string, match?: (m: ReceivedMail) => boolean, since = 0): Promise<ReceivedMail> {
  await t.flushMail();
  const predicate = (m: ReceivedMail) => smtp.messages.indexOf(m) >= since && m.to.toLowerCase().includes(to.toLowerCase()) && (!match || match(m));
  const found = smtp.messages.filter(predicate);
  return found.length > 0 ? found[found.length - 1] : smtp.waitFor(predicate);
}

/** The token of the newest invitation mailed to `email`. */
export async function latestInvitationToken(t: TestApp, smtp: SmtpTestServer, email: string, since = 0): Promise<string> {
  return extractCode(await latestMail(t, smtp, email, (m) => /invit/i.test(m.subject), since));
}

/** D1: takes the newest invitation mailed to `email` and sets `password` with it; asserts 200. */
export async function setPasswordWithInvitation(t: TestApp, smtp: SmtpTestServer, email: string, password = GOOD_PASSWORD): Promise<void> {
  const token = await latestInvitationToken(t, smtp, email);
  const res = await t.http.post('/accounts/set-password').send({ token, password });
  if (res.status !== 200) throw new Error(`setPasswordWithInvitation: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The code on the `Code:` line of the newest verification email to `to`. */
export async function verificationCode(t: TestApp, smtp: SmtpTestServer, to: string, since = 0): Promise<string> {
  return extractCode(await latestMail(t, smtp, to, (m) => /verify/i.test(m.subject), since));
}

/** POST /auth/signup then POST /auth/verify-email; returns the D2 verification JWT. */
export async function signUpAndVerify(
  t: TestApp, smtp: SmtpTestServer, o: { email?: string; firstName?: string; lastName?: string; account_id?: string } = {},
): Promise<{ email: string; verificationJwt: string }> {
  const email = o.email ?? uniqueEmail('signup');
  const since = smtp.messages.length;
  const signup = await t.http.post('/auth/signup').send({ email, firstName: o.firstName ?? 'Sam', lastName: o.lastName ?? 'Signup', ...(o.account_id ? { account_id: o.account_id } : {}) });
  if (signup.status !== 201) throw new Error(`signUpAndVerify: signup ${signup.status} ${JSON.stringify(signup.body)}`);
  const code = await verificationCode(t, smtp, email, since);
  const verify = await t.http.post('/auth/verify-email').send({ code });
  if (verify.status !== 200) throw new Error(`signUpAndVerify: verify ${verify.status} ${JSON.stringify(verify.body)}`);
  return { email, verificationJwt: verify.body.data.token };
}

/** POST /auth/login; asserts 200 and returns the `token` object (access_token, refresh_token, ...). */
export async function loginAs(t: TestApp, email: string, password = GOOD_PASSWORD): Promise<{ access_token: string; refresh_token: string; expires_in: number }> {
  const res = await t.http.post('/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`loginAs: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/**
 * Gives a user without a password their first one through the shared pipeline (what D1/D2/D3 do),
 * without going through an invitation. Queues a "password changed" notice like any set.
 */
export async function givePassword(t: TestApp, userId: string, password: string): Promise<void> {
  await t.app.get(PasswordLifecycleService).setPassword({ userId, password, mode: 'initial', via: 'test' });
}

/** A logged-in session for the user (what login does): returns the raw refresh and access tokens. */
export async function issueSession(t: TestApp, userId: string): Promise<{ refreshToken: string; accessToken: string }> {
  const session = await t.app.get(UnitOfWork).run(async (em) => t.app.get(SessionsService).issue(em, await em.findOneByOrFail(User, { id: userId })));
  return { refreshToken: session.refreshToken, accessToken: session.accessToken };
}

/** Runs SQL written with $1, $2 … placeholders on either database. */
export function sql<T = Record<string, unknown>>(t: TestApp, text: string, params: unknown[] = []): Promise<T[]> {
  return t.dataSource.query(t.database.kind === 'sqlite' ? text.replace(/\$\d+/g, '?') : text, params);
}

/** A random client address, to send as X-Forwarded-For to an app started with TRUST_PROXY=true. */
export function randomClientIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

/** Whether `password` is the user's current password (checked against the stored hash). */
export async function hasPassword(t: TestApp, userId: string, password: string): Promise<boolean> {
  const [row] = await sql<{ hash: string; algorithm: string }>(t, 'SELECT hash, algorithm FROM credentials WHERE user_id = $1', [userId]);
  return row ? t.app.get(PasswordHasher).verify(password, row) : false;
}

/**
 * DB fault hook (SECURITY.md H2): every INSERT into `table` fails until the returned function is
 * called. A trigger, so it works the same on SQLite and PostgreSQL.
 */
export async function failInsertsInto(t: TestApp, table: string): Promise<() => Promise<void>> {
  const name = `fail_${table}_${randomBytes(3).toString('hex')}`;
  if (t.database.kind === 'sqlite') {
    await t.dataSource.query(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
    return async () => void (await t.dataSource.query(`DROP TRIGGER ${name}`));
  }
  await t.dataSource.query(`CREATE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END; $$ LANGUAGE plpgsql`);
  await t.dataSource.query(`CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`);
  return async () => {
    await t.dataSource.query(`DROP TRIGGER ${name} ON ${table}`);
    await t.dataSource.query(`DROP FUNCTION ${name}()`);
  };
}
