import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { MIGRATIONS } from '../../src/ground/database/data-source-options';
import { freePort } from '../support/private-postgres';
import { extractCode, ReceivedMail, SmtpTestServer } from '../support/smtp-test-server';
import { ensureBuilt, Instance, startInstance, stopInstance, waitReady } from './support/built-service';
import { describeUnless, postgresSkip, redisSkip } from '../support/skips';

/**
 * Issue 11 "A multi-instance test in CI": two instances of the built service (`node dist/start.js`,
 * rebuilt when older than src/) started together on the machine's PostgreSQL (a schema of their own)
 * and Redis (a key prefix of their own), with one MASTER_KEY, as docs/deployment.md describes.
 * Migrations run once, a secret used on one is dead on the other, a token of one is good on the other,
 * limits are shared, and each outbox message is sent exactly once.
 */
const ADMIN_KEY = 'multi-admin-key-0123456789abcdef0123456789';
const MASTER_KEY = 'multi-master-7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sA';
const MIGRATION_NAMES = MIGRATIONS.map((m) => m.name).sort();
const LIMIT = 6;
const PASSWORD = 'Tr1cky-Lantern-42';

const pgUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
/** Needs both shared servers: skipped (with the reason, counted on the closing line) without either. */
const skip = postgresSkip() ?? redisSkip();

interface Answer {
  status: number;
  body: any;
}

/** A client address of its own (TRUST_PROXY=true), so one step's per-address budget never limits another's. */
function randomIp(): string {
  return `198.18.${randomBytes(1)[0]}.${1 + (randomBytes(1)[0] % 254)}`;
}

async function call(instance: Instance, method: string, path: string, o: { body?: unknown; headers?: Record<string, string>; ip?: string } = {}): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${instance.port}${path}`, {
    method,
    headers: { 'X-Forwarded-For': o.ip ?? randomIp(), ...(o.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(o.headers ?? {}) },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

const admin = { 'X-Api-Key': ADMIN_KEY };
const email = (prefix: string) => `${prefix}.${randomBytes(4).toString('hex')}@example.com`;
const isTo = (to: string) => (m: ReceivedMail) => m.envelopeTo.map((a) => a.toLowerCase()).includes(to.toLowerCase());

describeUnless(skip, 'two instances on one PostgreSQL and one Redis (issue 11: several instances)', () => {
  const schema = `multi_${randomBytes(6).toString('hex')}`;
  const prefix = `multi-${randomBytes(6).toString('hex')}:`;
  let smtp: SmtpTestServer;
  let cwd: string;
  let a: Instance | undefined;
  let b: Instance | undefined;
  let ready: number[] = [];
  let gateArrivals = 0;

  const pg = async <T>(work: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ connectionString: pgUrl });
    await c.connect();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  };

  /** POST /accounts on `via`; the owner's invitation goes through the shared outbox. */
  const createAccount = async (via: Instance, ownerEmail: string): Promise<string> => {
    const res = await call(via, 'POST', '/accounts', { headers: admin, body: { name: 'Acme', owner: { email: ownerEmail, firstName: 'Olive', lastName: 'Owner' } } });
    if (res.status !== 201) throw new Error(`createAccount on ${via.name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.data.account_id;
  };
  const invitationToken = async (to: string): Promise<string> => extractCode(await smtp.waitFor((m) => isTo(to)(m) && /invit/i.test(m.subject), 15_000));

  beforeAll(async () => {
    ensureBuilt();
    smtp = await SmtpTestServer.start();
    await pg((c) => c.query(`CREATE SCHEMA "${schema}"`));
    const url = new URL(pgUrl!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    cwd = mkdtempSync(join(tmpdir(), 'pls-multi-'));
    const gateDir = mkdtempSync(join(cwd, 'gate-'));
    const env = {
      DATABASE_URL: url.toString(),
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: prefix,
      MASTER_KEY,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'no-reply@id.example.test',
      ADMIN_API_KEY: ADMIN_KEY,
      BCRYPT_COST: '4',
      TRUST_PROXY: 'true',
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      PUBLIC_URL: 'https://id.example.test',
      LOG_LEVEL: 'warn',
      // Both reach the database at the same moment (test/support/start-gate.js).
      START_GATE_DIR: gateDir,
      START_GATE_COUNT: '2',
    };
    const [portA, portB] = [await freePort(), await freePort()];
    a = startInstance('A', portA, env, cwd, true);
    b = startInstance('B', portB, env, cwd, true);
    ready = await Promise.all([waitReady(a), waitReady(b)]);
    gateArrivals = readdirSync(gateDir).length;
  }, 200_000);

  afterAll(async () => {
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await smtp?.stop();
    await pg((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    const redis = new Redis(redisUrl!, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  const explain = (error: unknown): never => {
    (error as Error).message += `\n\ninstance A:\n${a?.output.join('') ?? ''}\ninstance B:\n${b?.output.join('') ?? ''}`;
    throw error;
  };

  it('both become healthy, held together at the start gate, and each migration ran once (recorded once in the migrations table)', async () => {
    try {
      const recorded = await pg(async (c) => (await c.query(`SELECT name FROM "${schema}".migrations`)).rows.map((r: { name: string }) => r.name).sort());
      expect({ ready, gateArrivals, recorded }).toEqual({ ready: [200, 200], gateArrivals: 2, recorded: MIGRATION_NAMES });
    } catch (error) {
      explain(error);
    }
  });

  it('an invitation token used on A is dead on B (D1: 400)', async () => {
    const owner = email('invited');
    await createAccount(a!, owner);
    const token = await invitationToken(owner);
    const first = await call(a!, 'POST', '/accounts/set-password', { body: { token, password: PASSWORD } });
    expect(first.status).toBe(200);
    const again = await call(b!, 'POST', '/accounts/set-password', { body: { token, password: 'Other-Lantern-77' } });
    expect(again.status).toBe(400);
  });

  it('a D5 reset code requested on B works once on A, and reused on B is refused', async () => {
    const owner = email('reset');
    await createAccount(b!, owner);
    expect((await call(b!, 'POST', '/accounts/set-password', { body: { token: await invitationToken(owner), password: PASSWORD } })).status).toBe(200);
    expect((await call(b!, 'POST', '/v1/auth/password-reset/request', { body: { email: owner } })).status).toBe(200);
    const code = extractCode(await smtp.waitFor((m) => isTo(owner)(m) && m.subject === 'Your password reset code', 15_000));
    expect((await call(a!, 'POST', '/v1/auth/password-reset/reset', { body: { code, new_password: 'Fresh-Harbor-73' } })).status).toBe(200);
    const reused = await call(b!, 'POST', '/v1/auth/password-reset/reset', { body: { code, new_password: 'Second-Try-99!' } });
    expect(reused).toEqual({ status: 400, body: { error: 'invalid or expired password reset code' } });
  });

  it('an access token issued by A is accepted by B (GET /users/me)', async () => {
    const owner = email('login');
    await createAccount(a!, owner);
    expect((await call(b!, 'POST', '/accounts/set-password', { body: { token: await invitationToken(owner), password: PASSWORD } })).status).toBe(200);
    const login = await call(a!, 'POST', '/auth/login', { body: { email: owner, password: PASSWORD } });
    expect(login.status).toBe(200);
    const me = await call(b!, 'GET', '/users/me', { headers: { Authorization: `Bearer ${login.body.token.access_token}` } });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ email: owner, has_password: true });
  });

  it('the per-address limit is one budget across both: alternating A and B, request LIMIT+1 is the first 429', async () => {
    const ip = randomIp();
    const statuses: string[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const via = i % 2 === 0 ? a! : b!;
      statuses.push(`${via.name}:${(await call(via, 'GET', '/users/me', { ip })).status}`);
    }
    // LIMIT/2 answered by each, LIMIT in all, then both refuse: each alone would have allowed LIMIT.
    expect(statuses).toEqual([...Array.from({ length: LIMIT }, (_, i) => `${i % 2 === 0 ? 'A' : 'B'}:401`), 'A:429', 'B:429']);
  });

  it('each outbox message is sent exactly once: N accounts created half via A, half via B → N invitations, no duplicates', async () => {
    const N = 8;
    const owners = Array.from({ length: N }, (_, i) => email(`outbox${i}`));
    await Promise.all(owners.map((o, i) => createAccount(i % 2 === 0 ? a! : b!, o)));
    await Promise.all(owners.map((o) => smtp.waitFor((m) => isTo(o)(m) && /invit/i.test(m.subject), 20_000)));
    // A worker sends only rows it claimed while pending (locked_until set) and marks them sent and unlocked
    // after the send. Once every row is sent and unlocked no send can be in flight or start again, so a
    // duplicate would already be in the inbox: counted then, instead of after a fixed wait.
    const settled = async () =>
      Number(await pg(async (c) => (await c.query(`SELECT COUNT(*) AS n FROM "${schema}".mail_outbox WHERE recipient = ANY($1) AND status = 'sent' AND locked_until IS NULL`, [owners])).rows[0].n)) === N;
    for (const deadline = Date.now() + 20_000; !(await settled()); ) {
      if (Date.now() > deadline) throw new Error('the invitations were not all marked sent within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const mails = smtp.messages.filter((m) => owners.some((o) => isTo(o)(m)));
    expect(mails).toHaveLength(N);
    expect(new Set(mails.map((m) => m.envelopeTo.join(',').toLowerCase())).size).toBe(N);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(N);
    const unsent = await pg(async (c) => (await c.query(`SELECT COUNT(*) AS n FROM "${schema}".mail_outbox WHERE recipient = ANY($1) AND sent_at IS NULL`, [owners])).rows[0].n);
    expect(Number(unsent)).toBe(0);
  }, 60_000);

  it('both stop on SIGTERM with exit 0', async () => {
    const codes = await Promise.all([stopInstance(a), stopInstance(b)]);
    expect(codes).toEqual([0, 0]);
  }, 40_000);
});
