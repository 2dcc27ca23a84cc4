import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, Repository } from 'typeorm';
import { SmtpTestServer, extractCode } from '../../../test/support/smtp-test-server';
import { Clock } from '../../ground/common/clock';
import { KeysModule } from '../keys/keys.module';
import { CoreModule } from '../core.module';
import { SecretKeys } from '../../ground/common/secrets';
import { AppConfig, DatabaseConfig, loadAppConfig } from '../../ground/config/app-config';
import { buildDataSourceOptions } from '../../ground/database/data-source-options';
import { UnitOfWork } from '../../ground/database/unit-of-work';
import { MailModule } from './mail.module';
import { MailService } from './mail.service';
import { MailTransport } from './mail-transport';
import { MailContent, passwordChangedMail, resetCodeMail } from './mail-templates';
import { OutboxMessage } from './outbox-message.entity';
import { OUTBOX_BATCH_SIZE, OUTBOX_LEASE_MS, OUTBOX_MAX_ATTEMPTS, OutboxWorker, describeError, outboxBackoffMs } from './outbox.worker';
import { describeUnless, postgresSkip } from '../../../test/support/skips';
import { createTestDatabase } from '../../../test/e2e/support/databases';

jest.setTimeout(30_000);

const PUBLIC_URL = 'https://id.example.test';
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

class MovableClock extends Clock {
  constructor(private ms = T0) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

type Kind = 'sqlite' | 'postgres';
/** SQLite (a real file built by the migrations) and PostgreSQL; without TEST_DATABASE_URL the PostgreSQL tests are registered skipped, the reason in the title. */
const KINDS: Kind[] = ['sqlite', 'postgres'];

/** A fresh database: a new SQLite file in a temp dir, or a new schema in the test PostgreSQL database. */
interface TestDb {
  kind: Kind;
  databaseUrl: string;
  database: DatabaseConfig;
  /** Reads rows over a separate connection, bypassing the app (what an attacker with the file sees). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

async function createDb(kind: Kind): Promise<TestDb> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mail-outbox-'));
    const path = join(dir, 'app.db');
    return {
      kind,
      databaseUrl: `sqlite:${path}`,
      database: { kind: 'sqlite', path },
      rows: async (sql) => {
        const raw = new Database(path, { readonly: true });
        try {
          return raw.prepare(sql).all() as Record<string, unknown>[];
        } finally {
          raw.close();
        }
      },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  // The e2e suites' PostgreSQL schema, with the migrations applied already (the app's migrationsRun then finds
  // nothing pending): 26 schemas a run.
  const db = await createTestDatabase('postgres', { migrated: true });
  const { url, schema } = db as { url: string; schema: string };
  return {
    kind,
    databaseUrl: url,
    database: { kind: 'postgres', url, schema },
    rows: async (sql) => {
      const c = new Client({ connectionString: url });
      await c.connect();
      try {
        return ((await c.query(`SET search_path TO "${schema}"; ${sql}`)) as unknown as Array<{ rows: Record<string, unknown>[] }>)[1].rows;
      } finally {
        await c.end();
      }
    },
    drop: () => db.drop(),
  };
}

interface Harness {
  moduleRef: TestingModule;
  config: AppConfig;
  mail: MailService;
  worker: OutboxWorker;
  uow: UnitOfWork;
  dataSource: DataSource;
  outbox: Repository<OutboxMessage>;
  close(): Promise<void>;
}

/** A minimal app: the database built by the migrations, CoreModule, KeysModule, MailModule. */
async function boot(db: TestDb, opts: { smtpUrl?: string; clock?: Clock } = {}): Promise<Harness> {
  const loaded = loadAppConfig({
    DATABASE_URL: db.databaseUrl,
    SMTP_URL: opts.smtpUrl,
    BCRYPT_COST: '4',
    JWT_SECRET: 'mail-spec-secret-0123456789abcdefghijklmnop',
    MASTER_KEY: 'mail-spec-master-Rk3vQ8mZ2xW7pL5nT9yB4cH6jD1f',
    PUBLIC_URL,
    MAIL_FROM: 'no-reply@id.example.test',
  });
  const config: AppConfig = { ...loaded, database: db.database };
  let builder = Test.createTestingModule({
    imports: [TypeOrmModule.forRoot({ ...buildDataSourceOptions(config.database), migrationsRun: true }), CoreModule.forRoot(config), KeysModule.forRoot(config), MailModule],
  });
  if (opts.clock) builder = builder.overrideProvider(Clock).useValue(opts.clock);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  let closed = false;
  return {
    moduleRef,
    config,
    mail: moduleRef.get(MailService),
    worker: moduleRef.get(OutboxWorker),
    uow: moduleRef.get(UnitOfWork),
    dataSource: moduleRef.get(DataSource),
    outbox: moduleRef.get(getRepositoryToken(OutboxMessage)),
    close: async () => {
      if (closed) return;
      closed = true;
      await moduleRef.close();
    },
  };
}

/** What a request handler does: enqueue inside its transaction; kick after the commit. */
async function enqueue(h: Harness, to: string, content: MailContent): Promise<void> {
  await h.uow.run((em) => h.mail.enqueue(em, to, content));
}

/** Enqueues `n` "password changed" notices in one transaction: what a burst of password resets leaves behind. */
async function enqueueNotices(h: Harness, n: number, prefix = 'notice'): Promise<void> {
  await h.uow.run(async (em) => {
    for (let i = 0; i < n; i++) await h.mail.enqueue(em, `${prefix}${i}@example.org`, passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt: new Date(T0) }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function resetMail(code: string): MailContent {
  return resetCodeMail({ code, link: `${PUBLIC_URL}/password-reset#code=${code}`, ttlMinutes: 15 });
}

/** Every received message whose text carries this code. */
function received(smtp: SmtpTestServer, code: string) {
  return smtp.messages.filter((m) => m.text.includes(`Code: ${code}`));
}

/** All captured log output (any level) as one string per call. */
let logs: string[] = [];
const LEVELS = ['log', 'warn', 'error', 'debug', 'verbose', 'fatal'] as const;

for (const kind of KINDS) describeUnless(kind === 'postgres' ? postgresSkip() : null, `OutboxWorker [${kind} database, real SMTP server]`, () => {
  let smtp: SmtpTestServer;
  let db: TestDb;
  const open: Harness[] = [];

  /**
   * Boots an app. With SMTP_URL set, waits for the pass the worker starts on its own at start-up
   * (unless `settle: false`), so that pass cannot claim a message the test is still setting up.
   */
  async function app(opts: { smtpUrl?: string | null; clock?: Clock; settle?: boolean } = {}): Promise<Harness> {
    const h = await boot(db, { smtpUrl: opts.smtpUrl === null ? undefined : (opts.smtpUrl ?? smtp.url), clock: opts.clock });
    open.push(h);
    if (h.config.smtpUrl && opts.settle !== false) await h.worker.drain();
    return h;
  }

  beforeAll(async () => {
    smtp = await SmtpTestServer.start();
    for (const level of LEVELS) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logs.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(' '));
      });
    }
  });

  afterAll(async () => {
    await smtp.stop();
    jest.restoreAllMocks();
  });

  beforeEach(async () => {
    db = await createDb(kind);
    logs = [];
    await smtp.up();
    smtp.clear();
  });

  afterEach(async () => {
    while (open.length) await open.pop()!.close();
    await db.drop();
  });

  it('delivers a pending message with a text part and an HTML part, from MAIL_FROM to exactly the stored address (SECURITY.md C4, C6)', async () => {
    const h = await app({ clock: new MovableClock() });
    await enqueue(h, 'mike@example.org', resetMail('482913'));
    await h.worker.drain();

    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0];
    expect(mail.to).toBe('mike@example.org');
    expect(mail.envelopeTo).toEqual(['mike@example.org']);
    expect(mail.from).toBe('no-reply@id.example.test');
    expect(mail.subject).toBe('Your password reset code');
    expect(extractCode(mail)).toBe('482913');
    expect(mail.text).toContain(`${PUBLIC_URL}/password-reset#code=482913`);
    expect(mail.html).toContain('482913');
    expect(mail.html).toContain(`href="${PUBLIC_URL}/password-reset#code=482913"`);

    const row = await h.outbox.findOneByOrFail({ recipient: 'mike@example.org' });
    expect(row.status).toBe('sent');
    expect(row.attempts).toBe(1);
    expect(row.sentAt?.getTime()).toBe(T0);
    expect(row.lockedUntil).toBeNull();
    expect(mail.messageId).toBe(`<${row.id}@id.example.test>`);
  });

  it('stores the body sealed and erases it once sent: no column holds the code, before or after sending (SECURITY.md B3, C8)', async () => {
    const h = await app({ clock: new MovableClock() });
    const code = '917364';
    await enqueue(h, 'dana@example.org', resetMail(code));

    const pending = await h.dataSource.query('SELECT * FROM mail_outbox');
    expect(pending).toHaveLength(1);
    expect(pending[0].sealed_body).toMatch(/^v2\.seal-/);
    expect(JSON.stringify(pending)).not.toContain(code);

    await h.worker.drain();
    expect(received(smtp, code)).toHaveLength(1);

    const sent = await h.dataSource.query('SELECT * FROM mail_outbox');
    expect(sent[0].status).toBe('sent');
    expect(sent[0].sealed_body).toBeNull();
    expect(JSON.stringify(sent)).not.toContain(code);
    // and over a separate connection once the app is gone
    await h.close();
    expect(JSON.stringify(await db.rows('SELECT * FROM mail_outbox'))).not.toContain(code);
  });

  it('a message enqueued in a transaction that rolls back is never sent (the mail commits with the code it carries)', async () => {
    const h = await app({ clock: new MovableClock() });
    await expect(
      h.uow.run(async (em) => {
        await h.mail.enqueue(em, 'rollback@example.org', resetMail('555111'));
        throw new Error('the request failed after enqueue');
      }),
    ).rejects.toThrow('the request failed');
    await h.worker.drain();
    expect(await h.outbox.count()).toBe(0);
    expect(smtp.messages).toHaveLength(0);
  });

  it('SMTP down: enqueue still succeeds, attempts back off 1 s, 2 s, 4 s, and after up() the message arrives exactly once (SECURITY.md C10)', async () => {
    const clock = new MovableClock();
    const h = await app({ clock });
    await smtp.down();

    await expect(enqueue(h, 'eve@example.org', resetMail('246810'))).resolves.toBeUndefined();
    h.mail.kick(); // what a request does after its commit; must not throw or need awaiting

    const row = () => h.outbox.findOneByOrFail({ recipient: 'eve@example.org' });
    await h.worker.drain();
    expect(await row()).toMatchObject({ status: 'pending', attempts: 1, lockedUntil: null, nextAttemptAt: new Date(T0 + 1_000) });
    expect((await row()).lastError).toMatch(/ECONNECTION|ECONNREFUSED/);

    // not due yet: nothing is attempted
    await h.worker.drain();
    expect((await row()).attempts).toBe(1);

    clock.advance(1_000);
    await h.worker.drain();
    expect(await row()).toMatchObject({ attempts: 2, nextAttemptAt: new Date(T0 + 1_000 + 2_000) });

    clock.advance(2_000);
    await h.worker.drain();
    expect(await row()).toMatchObject({ attempts: 3, nextAttemptAt: new Date(T0 + 3_000 + 4_000) });

    await smtp.up();
    clock.advance(3_999);
    await h.worker.drain();
    expect(received(smtp, '246810')).toHaveLength(0);

    clock.advance(1);
    await h.worker.drain();
    expect(received(smtp, '246810')).toHaveLength(1);
    expect(await row()).toMatchObject({ status: 'sent', attempts: 4, sealedBody: null, lastError: null });

    // later passes (and the poll loop) never send it again
    clock.advance(60 * 60_000);
    await h.worker.drain();
    // a pass the poll loop starts on its own: awaited until it has run, not slept for
    const polled = jest.spyOn(h.worker as unknown as { pass(): Promise<boolean> }, 'pass');
    try {
      while (polled.mock.results.length === 0) await sleep(50);
      await polled.mock.results[0].value;
    } finally {
      polled.mockRestore();
    }
    expect(received(smtp, '246810')).toHaveLength(1);
  });

  it(`backs off exponentially up to 5 minutes and gives up ('dead', body erased) only after ${OUTBOX_MAX_ATTEMPTS} attempts`, async () => {
    const clock = new MovableClock();
    const h = await app({ clock });
    await smtp.down();
    await enqueue(h, 'gone@example.org', resetMail('135790'));

    const delays: number[] = [];
    for (let attempt = 1; attempt <= OUTBOX_MAX_ATTEMPTS; attempt++) {
      await h.worker.drain();
      const row = await h.outbox.findOneByOrFail({ recipient: 'gone@example.org' });
      expect(row.attempts).toBe(attempt);
      if (attempt < OUTBOX_MAX_ATTEMPTS) {
        expect(row.status).toBe('pending');
        expect(row.sealedBody).not.toBeNull();
        delays.push(row.nextAttemptAt.getTime() - clock.nowMs());
        clock.set(row.nextAttemptAt.getTime());
      } else {
        expect(row.status).toBe('dead');
        expect(row.sealedBody).toBeNull();
        expect(row.lastError).toBeTruthy();
      }
    }
    expect(delays.slice(0, 10)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map((s) => s * 1_000));
    expect(delays.slice(9).every((d) => d === 300_000)).toBe(true);
    // giving up takes well over an hour of outage
    expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThan(60 * 60_000);

    await smtp.up();
    clock.advance(24 * 60 * 60_000);
    await h.worker.drain();
    expect(smtp.messages).toHaveLength(0);
    expect(logs.some((l) => /given up after 25 attempt/.test(l))).toBe(true);
  });

  it('a restart loses nothing: a new app instance on the same database file delivers what the old one could not', async () => {
    await smtp.down();
    const first = await app();
    await enqueue(first, 'restart@example.org', resetMail('864202'));
    first.mail.kick();
    await first.worker.drain();
    await first.close();
    expect(smtp.messages).toHaveLength(0);

    await smtp.up();
    const second = await app({ settle: false }); // real clock, no drain(): the worker picks pending rows up by itself at start
    const mail = await smtp.waitFor((m) => m.text.includes('Code: 864202'));
    expect(mail.to).toBe('restart@example.org');
    await second.worker.drain();
    expect(received(smtp, '864202')).toHaveLength(1);
    expect(await second.outbox.findOneByOrFail({ recipient: 'restart@example.org' })).toMatchObject({ status: 'sent', sealedBody: null });
  });

  it('a message enqueued with SMTP_URL unset is delivered by the next start with SMTP_URL set', async () => {
    const dev = await app({ smtpUrl: null });
    await enqueue(dev, 'later@example.org', resetMail('777000'));
    await dev.close();

    const prod = await app();
    await prod.worker.drain();
    expect(received(smtp, '777000')).toHaveLength(1);
  });

  it('two workers draining at the same time send each message once (conditional claim on locked_until)', async () => {
    const clock = new MovableClock();
    const h = await app({ clock });
    // A second worker on the same database. On PostgreSQL: a second app instance with its own
    // connection pool. On SQLite: a second worker in the same process (better-sqlite3 blocks the
    // event loop while waiting for another connection's write lock, so two SQLite apps in one
    // process would stall each other); both still select the same candidates before either claims.
    const other =
      kind === 'postgres'
        ? (await app({ clock })).worker
        : new OutboxWorker(h.config, h.uow, clock, h.moduleRef.get(SecretKeys), h.moduleRef.get(MailTransport));
    const codes = ['100001', '100002', '100003', '100004', '100005', '100006'];
    for (const code of codes) await enqueue(h, `u${code}@example.org`, resetMail(code));

    await Promise.all([h.worker.drain(), other.drain(), h.worker.drain(), other.drain()]);

    expect(smtp.messages).toHaveLength(codes.length);
    for (const code of codes) expect(received(smtp, code)).toHaveLength(1);
    const rows = await h.outbox.find();
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('leaves a message claimed by another instance alone until its lease expires, then sends it', async () => {
    const clock = new MovableClock();
    const h = await app({ clock });
    // another instance claimed it and died before sending: queued and leased in one transaction, so the
    // pass its commit wakes never sees it unleased
    await h.uow.run(async (em) => {
      await h.mail.enqueue(em, 'leased@example.org', resetMail('321321'));
      await em.update(OutboxMessage, { recipient: 'leased@example.org' }, { lockedUntil: new Date(T0 + OUTBOX_LEASE_MS) });
    });

    await h.worker.drain();
    clock.advance(OUTBOX_LEASE_MS - 1);
    await h.worker.drain();
    expect(smtp.messages).toHaveLength(0);

    clock.advance(1);
    await h.worker.drain();
    expect(received(smtp, '321321')).toHaveLength(1);
  });

  it('kick() delivers without drain() and never throws, even when the pass itself fails', async () => {
    const h = await app();
    await enqueue(h, 'kick@example.org', resetMail('909090'));
    h.mail.kick();
    await smtp.waitFor((m) => m.text.includes('Code: 909090'), 5_000);

    // The pass the kick starts fails: it rejects, or throws at once. kick() starts it synchronously when no
    // pass is in flight (right after a drain, before any timer can start one), so the spy sees that very call.
    const worker = h.worker as unknown as { pass(): Promise<boolean> };
    await h.worker.drain();
    const failing = jest.spyOn(worker, 'pass').mockImplementation(() => Promise.reject(new Error('boom')));
    try {
      expect(() => h.mail.kick()).not.toThrow();
      expect(failing).toHaveBeenCalledTimes(1);
    } finally {
      failing.mockRestore();
    }
    await new Promise((r) => setImmediate(r)); // the rejected pass settles (and is swallowed)
    await h.worker.drain();
    const throwing = jest.spyOn(worker, 'pass').mockImplementation(() => {
      throw new Error('sync boom');
    });
    try {
      expect(() => h.mail.kick()).not.toThrow();
      expect(throwing).toHaveBeenCalledTimes(1);
    } finally {
      throwing.mockRestore();
    }
  });

  it('polls on its own: a message enqueued without kick() or drain() arrives within a few seconds', async () => {
    const h = await app();
    await enqueue(h, 'poll@example.org', resetMail('565656'));
    await smtp.waitFor((m) => m.text.includes('Code: 565656'), 5_000);
    await h.worker.drain(); // waits for the pass that sent it to record it
    expect(await h.outbox.findOneByOrFail({ recipient: 'poll@example.org' })).toMatchObject({ status: 'sent' });
  });

  it('shutdown waits for an in-flight pass, so a sent message is marked sent rather than left claimed', async () => {
    const h = await app({ clock: new MovableClock() });
    await enqueue(h, 'slow@example.org', resetMail('424242'));
    const transport = h.moduleRef.get(MailTransport);
    const realSend = transport.send.bind(transport);
    let sending!: () => void;
    const inFlight = new Promise<void>((r) => (sending = r));
    jest.spyOn(transport, 'send').mockImplementation(async (m) => {
      sending();
      await new Promise((r) => setTimeout(r, 300));
      return realSend(m);
    });
    const pass = h.worker.drain();
    await inFlight; // the pass is inside send: shut down now
    await h.close();
    await pass;

    expect(received(smtp, '424242')).toHaveLength(1);
    expect(await db.rows('SELECT status, locked_until FROM mail_outbox')).toEqual([{ status: 'sent', locked_until: null }]);
  });

  it('shutdown during a batch finishes the message being sent and releases the rest: another instance sends them at once, not after the lease', async () => {
    const clock = new MovableClock();
    const h = await app({ clock });
    const codes = ['700001', '700002', '700003'];
    const transport = h.moduleRef.get(MailTransport);
    const realSend = transport.send.bind(transport);
    let stopping: Promise<void> | undefined;
    // Spied before anything is queued: the commit below wakes the worker, whose pass may start before drain() does.
    const spy = jest.spyOn(transport, 'send').mockImplementation(async (m) => {
      stopping ??= h.worker.onModuleDestroy(); // the app shuts down while the first message is being sent
      return realSend(m);
    });
    // One transaction, so that one claim takes the whole batch of three.
    await h.uow.run(async (em) => {
      for (const code of codes) await h.mail.enqueue(em, `batch${code}@example.org`, resetMail(code));
    });
    await h.worker.drain();
    await stopping;

    expect(smtp.messages).toHaveLength(1);
    const rows = await db.rows('SELECT status, attempts, locked_until FROM mail_outbox ORDER BY status');
    expect(rows.filter((r) => r.status === 'pending')).toEqual([
      { status: 'pending', attempts: 0, locked_until: null },
      { status: 'pending', attempts: 0, locked_until: null },
    ]);
    spy.mockRestore();

    // another instance, at the same moment (the clock has not moved): sends the two released messages
    const other = new OutboxWorker(h.config, h.uow, clock, h.moduleRef.get(SecretKeys), transport);
    await other.drain();
    for (const code of codes) expect(received(smtp, code)).toHaveLength(1);
  });

  it('logs message id, kind and recipient domain only: never the code nor the local part, on success or SMTP failure (SECURITY.md I1)', async () => {
    const clock = new MovableClock();
    const h = await app({ clock });
    const code = 'Zq7Lm3xP';
    await smtp.down();
    await enqueue(h, 'alice.private@example.org', resetMail(code));
    await h.worker.drain();
    await smtp.up();
    clock.advance(1_000);
    await h.worker.drain();
    await enqueue(h, 'bob.private@example.net', passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt: clock.now() }));
    await h.worker.drain();
    expect(received(smtp, code)).toHaveLength(1);

    const [row] = await h.outbox.findBy({ recipient: 'alice.private@example.org' });
    const all = logs.join('\n');
    expect(all).not.toContain(code);
    expect(all).not.toContain('alice.private');
    expect(all).not.toContain('bob.private');
    expect(logs.some((l) => l.includes(row.id) && l.includes('reset-code') && l.includes('@example.org') && /not sent/.test(l))).toBe(true);
    expect(logs.some((l) => l.includes(row.id) && /sent \(attempt 2\)/.test(l))).toBe(true);
  });

  it('SMTP_URL unset (dev mode): warns once at start, logs one line with the text body, keeps the message and sends nothing', async () => {
    const h = await app({ smtpUrl: null });
    const warnings = logs.filter((l) => l.includes('SMTP_URL is not set'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/log/);

    await enqueue(h, 'dev@example.org', resetMail('202020'));
    const lines = logs.filter((l) => l.includes('Code: 202020'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toContain(`${PUBLIC_URL}/password-reset#code=202020`);

    h.mail.kick();
    await h.worker.drain();
    const row = await h.outbox.findOneByOrFail({ recipient: 'dev@example.org' });
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    expect(row.sealedBody).not.toBeNull();
    expect(smtp.messages).toHaveLength(0);
  });

  it('does not log the body when SMTP_URL is set (SECURITY.md I1)', async () => {
    const h = await app({ clock: new MovableClock() });
    await enqueue(h, 'quiet@example.org', resetMail('313131'));
    expect(logs.join('\n')).not.toContain('313131');
    await h.worker.drain();
    expect(logs.join('\n')).not.toContain('313131');
  });

  it('enqueue refuses anything but one bare address as the recipient (SECURITY.md C6)', async () => {
    const h = await app({ clock: new MovableClock() });
    for (const bad of ['victim@x.org,evil@y.org', 'victim@x.org; evil@y.org', 'Evil <evil@y.org>', 'a@b.org\r\nBcc: evil@y.org', 'no-at-sign', '']) {
      await expect(enqueue(h, bad, resetMail('111111'))).rejects.toThrow(/recipient/);
    }
    expect(await h.outbox.count()).toBe(0);
  });
  describe('pooled SMTP, several sends at once, codes first', () => {
    it('a code queued behind 400 "password changed" notices is among the first messages sent (priority from the kind, decided at enqueue)', async () => {
      const h = await app({ clock: new MovableClock() });
      // One transaction, the code last: the worker's 1 s poll cannot claim notices between them (on a loaded
      // machine it did, and the code came after that earlier batch).
      await h.uow.run(async (em) => {
        for (let i = 0; i < 400; i++) await h.mail.enqueue(em, `notice${i}@example.org`, passwordChangedMail({ publicUrl: PUBLIC_URL, changedAt: new Date(T0) }));
        await h.mail.enqueue(em, 'waiting@example.org', resetMail('818181'));
      });
      const priorities = await db.rows('SELECT DISTINCT kind, priority FROM mail_outbox ORDER BY priority');
      expect(priorities.map((r) => [r.kind, Number(r.priority)])).toEqual([['reset-code', 0], ['password-changed', 1]]);

      await h.worker.drain();
      expect(smtp.messages).toHaveLength(401);
      // the first claim takes it first; the sends in flight alongside it may land before it
      const position = smtp.messages.findIndex((m) => m.text.includes('Code: 818181'));
      expect(position).toBeGreaterThanOrEqual(0);
      expect(position).toBeLessThan(h.moduleRef.get(MailTransport).maxConnections);
    });

    it('a code enqueued during a long pass goes out with the next claim, not after the backlog', async () => {
      const h = await app({ clock: new MovableClock() });
      await enqueueNotices(h, 400);
      const pass = h.worker.drain();
      await smtp.waitFor(() => smtp.messages.length >= 30);
      let before = -1;
      await h.uow.run(async (em) => {
        await h.mail.enqueue(em, 'urgent@example.org', resetMail('929292'));
        before = smtp.messages.length;
      });
      h.mail.kick();
      await pass;
      await h.worker.drain();

      expect(smtp.messages).toHaveLength(401);
      expect(before).toBeLessThan(300); // the backlog was far from done when the code came in
      const position = smtp.messages.findIndex((m) => m.text.includes('Code: 929292'));
      // at worst the round in progress had just claimed a full batch; the code leads the next one
      expect(position - before).toBeLessThanOrEqual(OUTBOX_BATCH_SIZE + h.moduleRef.get(MailTransport).maxConnections);
    });

    it('sends many messages over a few reused connections, several at once, with two statements per batch (the claim, the "sent" update), each atomic alone, instead of work per message', async () => {
      const h = await app({ clock: new MovableClock() });
      await enqueueNotices(h, 250);
      smtp.clear();
      const statements = jest.spyOn(h.uow, 'runAutocommit');
      const transactions = jest.spyOn(h.uow, 'run');
      await h.worker.drain();
      const runs = statements.mock.calls.length;
      // none in a transaction of its own on PostgreSQL (no BEGIN/COMMIT round trips); SQLite queues each like one
      const opened = transactions.mock.calls.length;
      statements.mockRestore();
      transactions.mockRestore();

      expect(smtp.messages).toHaveLength(250);
      expect(new Set(smtp.messages.map((m) => m.to)).size).toBe(250);
      // 4 connections of up to 100 messages each (a new one replaces a connection that reached 100)
      expect(smtp.connections).toBeLessThanOrEqual(8);
      expect(smtp.peakOpenConnections).toBeGreaterThan(1);
      // per batch of 20 (never more): one claim and one "sent" update; the last batch, short of full, ends the
      // pass without another claim (perhaps plus the first claim of a pass the poll started meanwhile)
      expect(runs).toBeGreaterThanOrEqual(Math.ceil(250 / OUTBOX_BATCH_SIZE) * 2);
      expect(runs).toBeLessThanOrEqual(Math.ceil(250 / OUTBOX_BATCH_SIZE) * 2 + 2);
      expect(opened).toBe(kind === 'sqlite' ? runs : 0);
      const rows = await h.outbox.find();
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.sealedBody === null && r.lockedUntil === null)).toBe(true);
    });

    it('a batch short of full ends the pass: a message costs one claim and one "sent" update, no claim that finds nothing', async () => {
      const h = await app({ clock: new MovableClock() });
      smtp.clear();
      const statements = jest.spyOn(h.uow, 'runAutocommit');
      for (let i = 0; i < 5; i++) {
        await enqueueNotices(h, 1, `short${i}-`);
        await h.worker.drain();
      }
      const runs = statements.mock.calls.length;
      statements.mockRestore();

      expect(smtp.messages).toHaveLength(5);
      // 2 a pass (a third, empty claim each would make 15); a pass the poll (every 1 s) started meanwhile finds nothing
      expect(runs).toBeGreaterThanOrEqual(10);
      expect(runs).toBeLessThanOrEqual(12);
      expect((await h.outbox.find()).every((r) => r.status === 'sent')).toBe(true);
    });

    it('honours maxConnections from SMTP_URL', async () => {
      const h = await app({ clock: new MovableClock(), smtpUrl: `${smtp.url}?maxConnections=2&maxMessages=10` });
      await enqueueNotices(h, 50);
      smtp.clear();
      await h.worker.drain();
      expect(smtp.messages).toHaveLength(50);
      expect(smtp.peakOpenConnections).toBeLessThanOrEqual(2);
      // 10 messages per connection: at least 5 connections, and not one per message
      expect(smtp.connections).toBeGreaterThanOrEqual(5);
      expect(smtp.connections).toBeLessThanOrEqual(10);
    });

    it('a restarted SMTP server is picked up: the pooled connections it closed are replaced, and while it is down a send fails fast', async () => {
      const clock = new MovableClock();
      const h = await app({ clock });
      await enqueueNotices(h, 10, 'before');
      await h.worker.drain();
      expect(smtp.messages).toHaveLength(10);
      const opened = smtp.connections;

      // restart: the old server closes the pooled connections; the next message goes over a new one
      await smtp.down();
      await smtp.up();
      await enqueue(h, 'after@example.org', resetMail('343434'));
      await h.worker.drain();
      expect(received(smtp, '343434')).toHaveLength(1);
      expect(smtp.connections).toBeGreaterThan(opened);
      expect(await h.outbox.findOneByOrFail({ recipient: 'after@example.org' })).toMatchObject({ status: 'sent', attempts: 1 });

      // down while the pool is idle: the attempt fails at once, the rest of the batch is released
      await smtp.down();
      await enqueue(h, 'during@example.org', resetMail('565600'));
      await enqueueNotices(h, 30, 'during');
      const started = Date.now();
      await h.worker.drain();
      expect(Date.now() - started).toBeLessThan(5_000);
      const rows = await h.outbox.findBy({ status: 'pending' });
      expect(rows).toHaveLength(31);
      expect(rows.every((r) => r.lockedUntil === null)).toBe(true);
      expect(await h.outbox.findOneByOrFail({ recipient: 'during@example.org' })).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/ECONNECTION|ECONNREFUSED/) });

      await smtp.up();
      clock.advance(1_000);
      await h.worker.drain();
      expect(received(smtp, '565600')).toHaveLength(1);
      expect(await h.outbox.countBy({ status: 'sent' })).toBe(10 + 1 + 31);
    });

    it('two workers with pooling and concurrent sends send each of 150 messages once', async () => {
      const clock = new MovableClock();
      const h = await app({ clock });
      // As in the test above: a second app instance on PostgreSQL, a second worker in the same process on SQLite.
      const other =
        kind === 'postgres'
          ? (await app({ clock })).worker
          : new OutboxWorker(h.config, h.uow, clock, h.moduleRef.get(SecretKeys), h.moduleRef.get(MailTransport));
      await enqueueNotices(h, 100, 'twice');
      const codes = Array.from({ length: 50 }, (_, i) => String(300000 + i));
      await h.uow.run(async (em) => {
        for (const code of codes) await h.mail.enqueue(em, `c${code}@example.org`, resetMail(code));
      });

      await Promise.all([h.worker.drain(), other.drain(), h.worker.drain(), other.drain()]);

      expect(smtp.messages).toHaveLength(150);
      expect(new Set(smtp.messages.map((m) => m.to)).size).toBe(150);
      for (const code of codes) expect(received(smtp, code)).toHaveLength(1);
      const rows = await h.outbox.find();
      expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    });

    it('a batch the server accepted but that could not be marked sent keeps its claims and is sent again once the lease expires (at-least-once)', async () => {
      const clock = new MovableClock();
      const h = await app({ clock });
      const codes = ['610001', '610002', '610003'];
      await h.uow.run(async (em) => {
        for (const code of codes) await h.mail.enqueue(em, `m${code}@example.org`, resetMail(code));
      });
      const real = h.uow.runAutocommit.bind(h.uow);
      let failed = 0;
      // The batch's "sent" update is the first statement once the server has accepted all three (the
      // claim comes before any send, whether drain() or the enqueue's kick started the pass).
      const spy = jest.spyOn(h.uow, 'runAutocommit').mockImplementation(((work: never) =>
        smtp.messages.length === 3 && failed++ === 0 ? Promise.reject(new Error('database gone')) : real(work)) as never);
      await h.worker.drain();
      spy.mockRestore();

      expect(failed).toBeGreaterThan(0);
      expect(smtp.messages).toHaveLength(3);
      expect(logs.filter((l) => l.includes('was sent but could not be marked sent'))).toHaveLength(3);
      const rows = await h.outbox.find();
      expect(rows.every((r) => r.status === 'pending' && r.lockedUntil?.getTime() === T0 + OUTBOX_LEASE_MS)).toBe(true);

      await h.worker.drain();
      expect(smtp.messages).toHaveLength(3);
      clock.advance(OUTBOX_LEASE_MS);
      await h.worker.drain();
      for (const code of codes) expect(received(smtp, code)).toHaveLength(2);
      expect((await h.outbox.find()).every((r) => r.status === 'sent')).toBe(true);
    });

    it('shutdown during a long pass: the sends in flight finish and are marked sent, every other claim is released, and the next instance sends the rest once', async () => {
      const clock = new MovableClock();
      const h = await app({ clock });
      await enqueueNotices(h, 60, 'shut');
      const transport = h.moduleRef.get(MailTransport);
      const realSend = transport.send.bind(transport);
      jest.spyOn(transport, 'send').mockImplementation(async (m) => {
        await sleep(20);
        return realSend(m);
      });
      const pass = h.worker.drain();
      await smtp.waitFor(() => smtp.messages.length >= 5);
      await h.close();
      await pass;

      const sent = smtp.messages.length;
      expect(sent).toBeLessThan(60);
      const rows = await db.rows('SELECT status, attempts, locked_until FROM mail_outbox');
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(sent);
      const pending = rows.filter((r) => r.status !== 'sent');
      expect(pending).toHaveLength(60 - sent);
      for (const r of pending) expect({ ...r, attempts: Number(r.attempts) }).toEqual({ status: 'pending', attempts: 0, locked_until: null });

      // the next instance, at the same moment (no lease to wait for), sends the rest
      await app({ clock });
      expect(smtp.messages).toHaveLength(60);
      expect(new Set(smtp.messages.map((m) => m.to)).size).toBe(60);
    });
  });
});

describe('outbox helpers', () => {
  it('outboxBackoffMs: 1 s, 2 s, 4 s … capped at 5 minutes', () => {
    expect([1, 2, 3, 4, 9, 10, 25, 1000].map(outboxBackoffMs)).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000, 300_000]);
  });

  it('describeError keeps code and status, one line, with addresses reduced to their domain', () => {
    const error = Object.assign(new Error('Recipient command failed: 550 <mike.smith@example.org>\r\nmailbox unavailable'), { code: 'EENVELOPE', responseCode: 550 });
    const line = describeError(error);
    expect(line).toBe('EENVELOPE 550 Recipient command failed: 550 <…@example.org> mailbox unavailable');
  });
});
