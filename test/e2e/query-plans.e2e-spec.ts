import { writeFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AuditRetentionService } from '../../src/features/audit/audit-retention.service';
import { KnownLoginNetworks } from '../../src/features/auth/known-login-networks.service';
import { AttemptLimiter } from '../../src/ground/common/attempt-limiter.service';
import { OneTimeToken } from '../../src/core/tokens/one-time-token.entity';
import { OneTimeTokensService } from '../../src/core/tokens/one-time-tokens.service';
import { HotQueryIndexes1764390000000 } from '../../src/ground/database/migrations/1764390000000-hot-query-indexes';
import { OutboxWorker } from '../../src/core/mail/outbox.worker';
import { RecoveryRequestService } from '../../src/core/recovery/recovery-request.service';
import { extractCode, SmtpTestServer } from '../support/smtp-test-server';
import { WebhookReceiver } from '../support/webhook-receiver';
import { WebhookDeliveryWorker } from '../../src/features/webhooks/webhook-delivery.worker';
import { DATABASE_KINDS, DatabaseKind, databaseSkip, useMigratedDatabase } from './support/databases';
import { describeUnless } from '../support/skips';
import { admin, createAccount, createApiKey, createUser, givePassword, GOOD_PASSWORD, randomClientIp, uniqueEmail } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Issue 12: a request's latency must not depend on the number of users. Every statement the hot
 * paths run is captured from the real app (TypeORM's query logger), then its plan is read:
 * - PostgreSQL: `EXPLAIN (FORMAT JSON)` under `SET enable_seqscan = off` on a seeded, ANALYZEd
 *   database, so a missing index shows as a Seq Scan even though the tables are small;
 * - SQLite: `EXPLAIN QUERY PLAN`, which names a full table scan `SCAN <table>`.
 * No statement may scan a table that grows with users or traffic, nor walk a whole index of one
 * (an index scan without an index condition). Statements are captured, not listed here, so a new
 * query on a hot path is checked the day it is written.
 */

/** Tables whose size grows with users, accounts, keys or traffic. */
const GROWING_TABLES = [
  'accounts', 'users', 'credentials', 'password_history', 'one_time_tokens', 'one_time_token_networks', 'refresh_tokens',
  'api_keys', 'mail_outbox', 'attempt_counters', 'attempt_reservations', 'recovery_requests', 'audit_events', 'login_known_networks', 'webhooks', 'webhook_deliveries',
];
/**
 * Tables left out on purpose, with the reason:
 * - key_ring: one active key per purpose plus the retired ones, a handful of rows whatever the number
 *   of users; read at start-up and on rotation, not per request.
 * - migrations: TypeORM's own bookkeeping, one row per migration.
 */
const BOUNDED_TABLES: Record<string, string> = {
  key_ring: 'a handful of keys (one active per purpose, plus retired ones), independent of users',
  migrations: "TypeORM's migration log, one row per migration",
};

/**
 * Plan findings accepted on purpose, each with the reason its cost does not grow with the number of
 * users. Matched against "<finding>: <statement>"; anything else fails the test.
 */
const ACCEPTED: Array<{ finding: RegExp; reason: string }> = [
  {
    finding: /^(SCAN RecoveryRequestRow|Index Scan on recovery_requests using \w+ without an index condition).*ORDER BY "RecoveryRequestRow"\."seq" ASC LIMIT \d+/,
    reason: 'the recovery request queue is read from its head (ORDER BY seq LIMIT batch): the primary key walk stops after one batch, and the table only holds requests not yet resolved',
  },
  {
    finding: /^Sort of rows read from password_history .*WHERE \(\("PasswordHistoryEntry"\."user_id" = \$1\)\) ORDER BY "PasswordHistoryEntry"\."seq" DESC/,
    reason: "one user's history, found by idx_password_history_user_seq: at most HISTORY_KEEP + 1 rows, whatever the number of users (the planner sorts them rather than walk the index backwards)",
  },
  {
    finding: /^(Sort of rows read from one_time_token_networks, one_time_tokens|USE TEMP B-TREE FOR ORDER BY).*FROM "(?:\w+"\.")?one_time_token_networks" "n" INNER JOIN/,
    reason: "the live tokens one client network vouched for, found by idx_one_time_token_networks_network_added under each lookup key (an IN list, so the index order cannot be used): bounded by the network's own request budget, not by the number of users",
  },
  {
    finding: /^Sort of rows read from attempt_counters .*WHERE "key" IN \(SELECT "key" FROM "(?:\w+"\.")?attempt_counters" WHERE "key" IN \([$\d, ]+\) ORDER BY "key" FOR UPDATE\)/,
    reason: 'the counters a refund or clear names (an IN list of at most five keys, found by the primary key), sorted so their row locks are taken in key order like every reservation takes them: bounded by the list, not by the number of users',
  },
];

/** The user-facing flows whose statements are checked (each drives the real HTTP API once). */
const FLOWS = [
  'login', 'token refresh', 'user-token caller resolution and logout', 'D1 set-password', 'sign-up and email verification', 'D2 set-password',
  'D3 create (API key caller)', 'D3 set (API key caller)', 'OAuth client token and client-token caller resolution',
  'D4 code request', 'D4 reset', 'D5 code request', 'D5 reset', 'recovery request resolution', 'outbox claim and delivery',
  'login past the target failure budget (known network check)', 'reset past the guessing budget (vouching network check, failed-attempt count)',
  'periodic sweeps (attempt counters, known networks, audit retention, finished webhook deliveries)', "admin listing of an account's users",
  'webhook claim, delivery and failure',
] as const;
type Flow = (typeof FLOWS)[number];

interface Statement {
  sql: string;
  params: unknown[];
}

/** Records every statement the app's DataSource runs while a flow is current (by SQL text, first parameters kept). */
class QueryRecorder {
  private current: Flow | null = null;
  readonly byFlow = new Map<Flow, Map<string, Statement>>();

  attach(ds: DataSource): void {
    const logger = ds.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query: string, parameters?: unknown[], queryRunner?: never) => {
      if (this.current && /^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\b/i.test(query)) {
        const statements = this.byFlow.get(this.current) ?? new Map<string, Statement>();
        if (!statements.has(query)) statements.set(query, { sql: query, params: [...(parameters ?? [])] });
        this.byFlow.set(this.current, statements);
      }
      return original(query, parameters, queryRunner);
    };
  }

  async during<T>(flow: Flow, run: () => Promise<T>): Promise<T> {
    this.current = flow;
    try {
      return await run();
    } finally {
      this.current = null;
    }
  }

  statements(flow: Flow): Statement[] {
    return [...(this.byFlow.get(flow)?.values() ?? [])];
  }
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** Drives every hot flow once over HTTP, recording each flow's statements. */
async function driveHotFlows(t: TestApp, smtp: SmtpTestServer, receiver: WebhookReceiver, rec: QueryRecorder): Promise<void> {
  const expectStatus = (flow: string, status: number, res: { status: number; body: unknown }) => {
    if (res.status !== status) throw new Error(`${flow}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  };
  const mail = async () => {
    await rec.during('recovery request resolution', () => t.app.get(RecoveryRequestService).resolvePending());
    await rec.during('outbox claim and delivery', () => t.app.get(OutboxWorker).drain());
  };
  const codeMailedTo = async (to: string, subject: RegExp, since: number) => {
    await mail();
    const found = smtp.messages.filter((m, i) => i >= since && m.to.toLowerCase().includes(to.toLowerCase()) && subject.test(m.subject));
    const message = found.length > 0 ? found[found.length - 1] : await smtp.waitFor((m) => smtp.messages.indexOf(m) >= since && m.to.includes(to) && subject.test(m.subject));
    return extractCode(message);
  };
  const ip = randomClientIp();
  const { accountId } = await createAccount(t);
  // Two webhooks of the account: every change below queues its events (the outbox subscriber's statements are part of each
  // flow), and the worker delivers one and fails the other (port 9 refuses the connection).
  for (const url of [receiver.url('/plans'), 'http://127.0.0.1:9/plans']) {
    expectStatus('register a webhook', 201, await t.http.post(`/accounts/${accountId}/webhooks`).set(admin).send({ url }));
  }

  // Login, refresh, user tokens.
  const member = await createUser(t, accountId, uniqueEmail('plans-login'));
  await givePassword(t, member.userId, GOOD_PASSWORD);
  const session = await rec.during('login', async () => {
    expectStatus('login (wrong password)', 401, await t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: member.email, password: 'Wrong-Password-1' }));
    expectStatus('login (unknown email)', 401, await t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: uniqueEmail('nobody'), password: GOOD_PASSWORD }));
    const res = await t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: member.email, password: GOOD_PASSWORD });
    expectStatus('login', 200, res);
    return res.body.token as { access_token: string; refresh_token: string };
  });
  const refreshed = await rec.during('token refresh', async () => {
    const res = await t.http.post('/auth/refresh').set('X-Forwarded-For', ip).send({ refresh_token: session.refresh_token });
    expectStatus('refresh', 200, res);
    return (res.body.token ?? res.body) as { access_token: string };
  });
  await rec.during('user-token caller resolution and logout', async () => {
    expectStatus('GET /users/me', 200, await t.http.get('/users/me').set('Authorization', `Bearer ${refreshed.access_token}`));
    expectStatus('logout', 204, await t.http.post('/auth/logout').set('Authorization', `Bearer ${refreshed.access_token}`));
  });

  // D1: the invitation mailed on creation.
  let since = smtp.messages.length;
  const invited = await createUser(t, accountId, uniqueEmail('plans-d1'));
  const invitation = await codeMailedTo(invited.email, /invit/i, since);
  await rec.during('D1 set-password', async () => {
    expectStatus('D1', 200, await t.http.post('/accounts/set-password').set('X-Forwarded-For', ip).send({ token: invitation, password: GOOD_PASSWORD }));
  });

  // D2: sign-up, verification code, verification JWT.
  const signupEmail = uniqueEmail('plans-d2');
  since = smtp.messages.length;
  await rec.during('sign-up and email verification', async () => {
    expectStatus('signup', 201, await t.http.post('/auth/signup').set('X-Forwarded-For', ip).send({ email: signupEmail, firstName: 'Sam', lastName: 'Signup' }));
  });
  const verification = await codeMailedTo(signupEmail, /verify/i, since);
  const verificationJwt = await rec.during('sign-up and email verification', async () => {
    const res = await t.http.post('/auth/verify-email').set('X-Forwarded-For', ip).send({ code: verification });
    expectStatus('verify-email', 200, res);
    return res.body.data.token as string;
  });
  await rec.during('D2 set-password', async () => {
    expectStatus('D2', 200, await t.http.post('/auth/setpassword').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${verificationJwt}`).send({ password: GOOD_PASSWORD }));
  });

  // D3 with an API key, then with a client token.
  const key = await createApiKey(t, ['passwords:write', 'users:write'], accountId);
  const d3User = await createUser(t, accountId, uniqueEmail('plans-d3'));
  await rec.during('D3 create (API key caller)', async () => {
    expectStatus('D3 create', 200, await t.http.post(`/v1/password/${d3User.userId}`).set('X-Api-Key', key.key).send({ password: { value: 'Correct-Horse-9!' } }));
  });
  await rec.during('D3 set (API key caller)', async () => {
    const res = await t.http.post(`/v1/password/${d3User.userId}`).set('X-Api-Key', key.key).send({ password: { value: 'Other-Lantern-8!' } });
    if (res.status >= 500) throw new Error(`D3 set: ${res.status} ${JSON.stringify(res.body)}`);
  });
  await rec.during('OAuth client token and client-token caller resolution', async () => {
    const token = await t.http.post('/oauth/token').set('X-Forwarded-For', ip).set('Authorization', basic(key.id, key.key)).type('form').send({ grant_type: 'client_credentials' });
    expectStatus('oauth token', 200, token);
    const res = await t.http.post(`/v1/password/${d3User.userId}`).set('Authorization', `Bearer ${token.body.access_token}`).send({ password: { value: 'Third-Harbor-7!' } });
    if (res.status >= 500 || res.status === 401 || res.status === 403) throw new Error(`D3 with a client token: ${res.status} ${JSON.stringify(res.body)}`);
  });

  // D4: validation code by email, then reset.
  const d4User = await createUser(t, accountId, uniqueEmail('plans-d4'));
  await givePassword(t, d4User.userId, GOOD_PASSWORD);
  since = smtp.messages.length;
  await rec.during('D4 code request', async () => {
    expectStatus('D4 recover', 200, await t.http.post('/api/v2/account/recover').set('X-Forwarded-For', ip).send({ email: d4User.email }));
  });
  const validationCode = await codeMailedTo(d4User.email, /recover/i, since);
  await rec.during('D4 reset', async () => {
    expectStatus('D4 wrong code', 400, await t.http.post('/api/v2/account/reset').set('X-Forwarded-For', ip).send({ validation_code: 'nope-nope', password: 'Fresh-Harbor-73' }));
    expectStatus('D4 reset', 200, await t.http.post('/api/v2/account/reset').set('X-Forwarded-For', ip).send({ validation_code: validationCode, password: 'Fresh-Harbor-73' }));
  });

  // D5: reset code by email, a wrong guess, then reset.
  const d5User = await createUser(t, accountId, uniqueEmail('plans-d5'));
  await givePassword(t, d5User.userId, GOOD_PASSWORD);
  since = smtp.messages.length;
  await rec.during('D5 code request', async () => {
    expectStatus('D5 request', 200, await t.http.post('/v1/auth/password-reset/request').set('X-Forwarded-For', ip).send({ email: d5User.email }));
  });
  const resetCode = await codeMailedTo(d5User.email, /reset code/i, since);
  await rec.during('D5 reset', async () => {
    expectStatus('D5 wrong code', 400, await t.http.post('/v1/auth/password-reset/reset').set('X-Forwarded-For', ip).send({ code: '000000x', new_password: 'Fresh-Harbor-73' }));
    expectStatus('D5 reset', 200, await t.http.post('/v1/auth/password-reset/reset').set('X-Forwarded-For', ip).send({ code: resetCode, new_password: 'Fresh-Harbor-73' }));
  });
  // The "password changed" notices queued by the flows above.
  await mail();

  // Paths taken only once a budget is spent, run directly (spending the budgets over HTTP takes hundreds of requests).
  await rec.during('login past the target failure budget (known network check)', () => t.app.get(KnownLoginNetworks).isKnown(['target-a', 'target-b'], ['network-a', 'network-b']));
  const [token] = await t.dataSource.getRepository(OneTimeToken).find({ where: { userId: d5User.userId }, take: 1 });
  await rec.during('reset past the guessing budget (vouching network check, failed-attempt count)', async () => {
    await t.app.get(OneTimeTokensService).isNewestVouchedBy(['network-a', 'network-b'], 'reset_code', token.id);
    await t.dataSource.transaction((em) => t.app.get(OneTimeTokensService).recordFailure(em, token.id, 5));
  });
  await rec.during('webhook claim, delivery and failure', async () => {
    // A new event for both webhooks, and the failed ones' retries due: the worker claims, delivers, records failures and defers.
    await createUser(t, accountId, uniqueEmail('plans-hook'));
    t.clock.advance(5_000);
    await t.app.get(WebhookDeliveryWorker).drain();
    await receiver.waitFor((r) => r.json.type === 'user.created' && receiver.received.indexOf(r) > 0);
  });
  await rec.during('periodic sweeps (attempt counters, known networks, audit retention, finished webhook deliveries)', async () => {
    await t.app.get(WebhookDeliveryWorker).removeFinished();
    await t.app.get(AttemptLimiter).removeExpired();
    await t.app.get(KnownLoginNetworks).removeExpired();
    await t.app.get(AuditRetentionService).sweep();
  });
  await rec.during("admin listing of an account's users", async () => {
    const first = await t.http.get(`/accounts/${accountId}/users`).query({ limit: 2 }).set(admin);
    expectStatus('list users', 200, first);
    if (typeof first.body.next_cursor !== 'string') throw new Error(`list users: no next_cursor in ${JSON.stringify(first.body)}`);
    expectStatus('list users, next page', 200, await t.http.get(`/accounts/${accountId}/users`).query({ limit: 2, cursor: first.body.next_cursor }).set(admin));
  });
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** The nodes of a PostgreSQL plan that read a whole growing table or a whole index of one. */
function postgresScans(node: PlanNode, found: string[] = []): string[] {
  const table = node['Relation Name'];
  if (node['Node Type'] === 'Sort') {
    const sorted = scannedTables(node).filter((t) => GROWING_TABLES.includes(t));
    if (sorted.length > 0) found.push(`Sort of rows read from ${sorted.join(', ')} (no index gives the order)`);
  }
  if (table && GROWING_TABLES.includes(table)) {
    if (node['Node Type'] === 'Seq Scan') found.push(`Seq Scan on ${table}`);
    if ((node['Node Type'] === 'Index Scan' || node['Node Type'] === 'Index Only Scan') && !node['Index Cond']) {
      found.push(`${node['Node Type']} on ${table} using ${node['Index Name']} without an index condition (the whole index)`);
    }
  }
  for (const child of node.Plans ?? []) postgresScans(child, found);
  return found;
}

function scannedTables(node: PlanNode): string[] {
  return [...(node['Relation Name'] ? [node['Relation Name']] : []), ...(node.Plans ?? []).flatMap(scannedTables)];
}

/** `SCAN <table or alias>` lines of an SQLite query plan on a growing table (aliases resolved from the SQL). */
function sqliteScans(sql: string, plan: Array<{ detail: string }>): string[] {
  const aliases = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?(?:\s+(?:AS\s+)?"?(\w+)"?)?/gi)) {
    aliases.set(m[1], m[1]);
    if (m[2] && !/^(WHERE|SET|ON|INNER|LEFT|JOIN|ORDER|GROUP|LIMIT|VALUES|SELECT)$/i.test(m[2])) aliases.set(m[2], m[1]);
  }
  const found: string[] = [];
  for (const { detail } of plan) {
    if (/^USE TEMP B-TREE FOR (?:RIGHT PART OF )?ORDER BY/.test(detail) && [...new Set(aliases.values())].some((t) => GROWING_TABLES.includes(t))) {
      found.push(`${detail} (no index gives the order)`);
      continue;
    }
    const m = /^SCAN (?:TABLE )?"?(\w+)"?/.exec(detail);
    if (!m) continue;
    const table = aliases.get(m[1]) ?? m[1];
    if (GROWING_TABLES.includes(table)) found.push(detail);
  }
  return found;
}

function describeStatement(s: Statement): string {
  return `${s.sql.replace(/\s+/g, ' ')}  -- params ${JSON.stringify(s.params, (_key, value: unknown) => (typeof value === "bigint" ? Number(value) : value)).slice(0, 200)}`;
}

const SEED_USERS = 5000;

/** Thousands of users with credentials, history, tokens, sessions, audit events, mail and webhook deliveries (PostgreSQL, set-based). */
async function seedPostgres(ds: DataSource, accountId: string): Promise<void> {
  const n = SEED_USERS;
  const now = Date.now();
  const statements = [
    `INSERT INTO accounts (id, name, password_policy, created_at, updated_at) SELECT 'seed-acct-' || g, 'Seed ' || g, (SELECT password_policy FROM accounts WHERE id = '${accountId}'), ${now}, ${now} FROM generate_series(1, 200) g`,
    `INSERT INTO users (id, account_id, email, email_normalized, created_at, updated_at) SELECT 'seed-user-' || g, CASE WHEN g % 2 = 0 THEN '${accountId}' ELSE 'seed-acct-' || (g % 200 + 1) END, 'seed' || g || '@example.com', 'seed' || g || '@example.com', ${now} - g, ${now} - g FROM generate_series(1, ${n}) g`,
    `INSERT INTO credentials (user_id, hash, algorithm, set_at, expires_at) SELECT 'seed-user-' || g, md5(g::text), 'bcrypt', ${now}, NULL FROM generate_series(1, ${n}) g`,
    `INSERT INTO password_history (id, user_id, seq, hash, algorithm, created_at) SELECT 'seed-ph-' || g || '-' || s, 'seed-user-' || g, s, md5(g || '-' || s), 'bcrypt', ${now} FROM generate_series(1, ${n}) g, generate_series(1, 5) s`,
    `INSERT INTO one_time_tokens (id, user_id, purpose, secret_hash, expires_at, used_at, attempts, created_at, issued_to_network) SELECT 'seed-ott-' || g || '-' || s, 'seed-user-' || g, (ARRAY['invitation','reset_code','recovery','email_verification'])[s], md5('ott-' || g || '-' || s), ${now} + 3600000, CASE WHEN s > 2 THEN ${now} END, 0, ${now}, CASE WHEN s = 4 THEN md5('net-' || g) END FROM generate_series(1, ${n}) g, generate_series(1, 4) s`,
    `INSERT INTO one_time_token_networks (token_id, network, added_at) SELECT 'seed-ott-' || g || '-2', md5('net-' || g), ${now} FROM generate_series(1, ${n}) g`,
    `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, rotated_at, revoked_at, created_at) SELECT 'seed-rt-' || g || '-' || s, 'seed-user-' || g, 'seed-fam-' || g, md5('rt-' || g || '-' || s), ${now} + 86400000, CASE WHEN s = 1 THEN ${now} END, NULL, ${now} FROM generate_series(1, ${n}) g, generate_series(1, 3) s`,
    `INSERT INTO api_keys (id, name, key_hash, scopes, account_id, created_at) SELECT 'seed-key-' || g, 'seed', md5('key-' || g), '["passwords:write"]', 'seed-acct-' || g, ${now} FROM generate_series(1, 200) g`,
    `INSERT INTO audit_events (id, type, at, user_id, account_id, actor_kind, actor_id, client_ip, outcome, details) SELECT 'seed-ev-' || g || '-' || s, 'password.changed', ${now} - g * 10 - s, 'seed-user-' || g, '${accountId}', 'user', 'seed-user-' || g, NULL, 'ok', '{}' FROM generate_series(1, ${n}) g, generate_series(1, 4) s`,
    `INSERT INTO mail_outbox (id, recipient, subject, kind, sealed_body, status, attempts, next_attempt_at, created_at, sent_at) SELECT 'seed-mail-' || g || '-' || s, 'seed' || g || '@example.com', 'Seed', 'password-changed', NULL, 'sent', 1, ${now} - 1000, ${now} - 1000, ${now} - 500 FROM generate_series(1, ${n}) g, generate_series(1, 2) s`,
    `INSERT INTO attempt_counters (key, count, window_started_at) SELECT 'seed:' || g, 1, ${now} - g FROM generate_series(1, ${n * 2}) g`,
    `INSERT INTO login_known_networks (target_ref, network_ref, last_success_at) SELECT md5('target-' || g), md5('net-' || g), ${now} - g FROM generate_series(1, ${n}) g`,
    `INSERT INTO recovery_requests (dialect, sealed_address, client, mail, created_at) SELECT 'd5', 'sealed', '10.0.0.1', false, ${now} FROM generate_series(1, 50) g`,
    `INSERT INTO webhooks (id, account_id, url, events, sealed_secret, enabled, created_at, updated_at) SELECT 'seed-hook-' || g, 'seed-acct-' || g, 'https://hooks.example.com/' || g, NULL, 'sealed', g % 10 <> 0, ${now}, ${now} FROM generate_series(1, 200) g`,
    `INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, payload, status, attempts, next_attempt_at, created_at, finished_at) SELECT 'seed-del-' || g || '-' || s, 'seed-hook-' || (g % 200 + 1), 'seed-evt-' || g || '-' || s, 'password.set', '{}', CASE WHEN s = 1 THEN 'delivered' ELSE 'failed' END, 1, ${now} - 1000, ${now} - 1000, ${now} - 500 FROM generate_series(1, ${n}) g, generate_series(1, 2) s`,
  ];
  for (const sql of statements) await ds.query(sql);
  await ds.query('ANALYZE');
}

async function explainPostgres(ds: DataSource, statements: Statement[]): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  const problems: string[] = [];
  try {
    await runner.query('SET enable_seqscan = off');
    for (const s of statements) {
      const [row] = await runner.query(`EXPLAIN (FORMAT JSON) ${s.sql}`, s.params);
      const plan = (typeof row['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row['QUERY PLAN'])[0].Plan as PlanNode;
      for (const scan of postgresScans(plan)) problems.push(`${scan}: ${describeStatement(s)}`);
    }
  } finally {
    await runner.query('RESET enable_seqscan').catch(() => undefined);
    await runner.release();
  }
  return problems;
}

async function explainSqlite(ds: DataSource, statements: Statement[]): Promise<string[]> {
  const problems: string[] = [];
  for (const s of statements) {
    const plan: Array<{ detail: string }> = await ds.query(`EXPLAIN QUERY PLAN ${s.sql}`, s.params);
    for (const scan of sqliteScans(s.sql, plan)) problems.push(`${scan}: ${describeStatement(s)}`);
  }
  return problems;
}

function describeHotQueryPlans(kind: DatabaseKind): void {
  describeUnless(databaseSkip(kind), `hot query plans [${kind}]`, () => {
    const rec = new QueryRecorder();
    let smtp: SmtpTestServer;
    let receiver: WebhookReceiver;
    let t: TestApp;

    beforeAll(async () => {
      smtp = await SmtpTestServer.start();
      receiver = await WebhookReceiver.start();
      t = await startTestApp({ kind, smtpUrl: smtp.url, env: { TRUST_PROXY: 'true', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
      rec.attach(t.dataSource);
      await driveHotFlows(t, smtp, receiver, rec);
      if (kind === 'postgres') {
        const [{ id }] = await t.dataSource.query('SELECT id FROM accounts ORDER BY created_at LIMIT 1');
        await seedPostgres(t.dataSource, id);
      }
    }, 180_000);
    afterAll(async () => {
      // QUERY_PLANS_DUMP=<file>: writes the captured statements, by flow, for a reader.
      if (process.env.QUERY_PLANS_DUMP) {
        const dump = Object.fromEntries(FLOWS.map((flow) => [flow, rec.statements(flow).map(describeStatement)]));
        writeFileSync(`${process.env.QUERY_PLANS_DUMP}.${kind}.json`, JSON.stringify(dump, null, 2));
      }
      await t?.close();
      await smtp?.stop();
      await receiver?.stop();
    });

    const explain = async (statements: Statement[]) => {
      const findings = kind === 'postgres' ? await explainPostgres(t.dataSource, statements) : await explainSqlite(t.dataSource, statements);
      return findings.filter((f) => !ACCEPTED.some((a) => a.finding.test(f)));
    };

    it('captures the statements of every hot flow', () => {
      const empty = FLOWS.filter((flow) => rec.statements(flow).length === 0);
      expect(empty).toEqual([]);
    });

    it.each(FLOWS)('no query %s runs reads a whole growing table or index, or sorts its rows without an index (beyond the ACCEPTED findings)', async (flow) => {
      expect(await explain(rec.statements(flow))).toEqual([]);
    });

    it('every table of the schema is checked as growing or listed as left out with its reason, never both', async () => {
      for (const table of Object.keys(BOUNDED_TABLES)) expect(GROWING_TABLES).not.toContain(table);
      const rows: Array<{ name: string }> = kind === 'sqlite'
        ? await t.dataSource.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        : await t.dataSource.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()');
      expect(rows.map((r) => r.name).sort()).toEqual([...GROWING_TABLES, ...Object.keys(BOUNDED_TABLES)].sort());
    });
  });
}

/** The index migration is reversible: down restores the indexes it replaced, up brings its own back. */
function describeIndexMigration(kind: DatabaseKind): void {
  describeUnless(databaseSkip(kind), `migration ${HotQueryIndexes1764390000000.name} [${kind}]`, () => {
    const m = useMigratedDatabase(kind);
    const indexes = async (table: string): Promise<string[]> => {
      const rows: Array<{ name: string }> = kind === 'sqlite'
        ? await m.ds.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_%'", [table])
        : await m.ds.query('SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1', [table]);
      return rows.map((r) => r.name);
    };

    it('adds the sweep and listing indexes, and its down restores the schema before it (then up again)', async () => {
      const added = { attempt_counters: 'idx_attempt_counters_window_started_at', users: 'idx_users_account_created' };
      expect(await indexes('attempt_counters')).toContain(added.attempt_counters);
      expect(await indexes('users')).toEqual(expect.arrayContaining([added.users, 'uq_users_email_normalized', 'uq_users_account_owner']));
      expect(await indexes('users')).not.toContain('idx_users_account');
      const runner = m.ds.createQueryRunner();
      try {
        await new HotQueryIndexes1764390000000().down(runner);
        expect(await indexes('attempt_counters')).not.toContain(added.attempt_counters);
        expect(await indexes('users')).toContain('idx_users_account');
        expect(await indexes('users')).not.toContain(added.users);
        await new HotQueryIndexes1764390000000().up(runner);
        expect(await indexes('attempt_counters')).toContain(added.attempt_counters);
        expect(await indexes('users')).toContain(added.users);
        expect(await indexes('users')).not.toContain('idx_users_account');
      } finally {
        await runner.release();
      }
    });
  });
}

// The PostgreSQL variants are registered everywhere, skipped with their reason without TEST_DATABASE_URL.
for (const kind of DATABASE_KINDS) {
  describeHotQueryPlans(kind);
  describeIndexMigration(kind);
}
