import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { runCli } from '../../src/edge/cli/cli';
import { loadAppConfig } from '../../src/ground/config/app-config';
import { buildDataSourceOptions } from '../../src/ground/database/data-source-options';
import { ensureBuilt } from './support/built-service';
import { createTestDatabase, TestDatabase } from './support/databases';
import { TEST_JWT_SECRET, TEST_MASTER_KEY } from './support/test-app';

/**
 * Issue 11, the operator CLI (`npm run cli -- <command>`, src/edge/cli): each command in-process through
 * runCli (the same code the entry point runs), and the real entry point once as a child process.
 */
const ROOT = join(__dirname, '..', '..');
const ADMIN_KEY = 'cli-admin-key-0123456789abcdef0123456789ab';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('Operator CLI (SQLite)', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  const cli = async (...argv: string[]): Promise<Result> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, env, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
    return { code, stdout, stderr };
  };
  const withDb = async <T>(fn: (ds: DataSource) => Promise<T>): Promise<T> => {
    const ds = await new DataSource(buildDataSourceOptions({ kind: 'sqlite', path: db.url.slice('sqlite:'.length) })).initialize();
    try {
      return await fn(ds);
    } finally {
      await ds.destroy();
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    env = {
      DATABASE_URL: db.url,
      MASTER_KEY: TEST_MASTER_KEY,
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_API_KEY: ADMIN_KEY,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'silent',
      SMTP_URL: 'smtp://mailer:s3cret-pass@127.0.0.1:1',
      REDIS_URL: 'redis://:redis-pass@127.0.0.1:6399',
    };
    // No Redis needed: the CLI's commands do not use the rate limits; the URL is here for `config`.
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('migrations show / run / revert / run', async () => {
    const before = await cli('migrations', 'show', '--json');
    expect(before.code).toBe(0);
    const rows = JSON.parse(before.stdout) as { name: string; applied: boolean }[];
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((r) => !r.applied)).toBe(true);

    const run = await cli('migrations', 'run', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).ran).toEqual(rows.map((r) => r.name));
    expect(JSON.parse((await cli('migrations', 'show', '--json')).stdout).every((r: { applied: boolean }) => r.applied)).toBe(true);

    const revert = await cli('migrations', 'revert', '--json');
    expect(revert.code).toBe(0);
    expect(JSON.parse(revert.stdout)).toEqual({ reverted: rows[rows.length - 1].name });
    expect((await cli('migrations', 'show')).stdout).toContain(`[ ] ${rows[rows.length - 1].name}`);
    expect((await cli('migrations', 'run')).stdout.trim()).toBe(rows[rows.length - 1].name);
  });

  it('api-key create prints the key once; api-key list never shows a key or hash', async () => {
    const created = await cli('api-key', 'create', '--name', 'ops', '--scopes', 'accounts:read,users:write', '--json');
    expect(created.code).toBe(0);
    const { id, key, scopes } = JSON.parse(created.stdout);
    expect(key).toMatch(/^pls_/);
    expect(scopes).toEqual(['accounts:read', 'users:write']);

    const plain = await cli('api-key', 'create', '--name', 'second', '--scopes', 'admin');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^[0-9a-f-]{36}\tpls_\S+\n$/);

    const list = await cli('api-key', 'list', '--json');
    expect(list.code).toBe(0);
    const keys = JSON.parse(list.stdout) as { id: string; name: string }[];
    expect(keys.map((k) => k.name)).toEqual(expect.arrayContaining(['ops', 'second']));
    expect(list.stdout).not.toContain(key);
    // The stored hash is not printed either.
    const hash = await withDb(async (ds) => (await ds.query('SELECT key_hash AS h FROM api_keys WHERE id = ?', [id]))[0]?.h as string);
    expect(hash).toBeTruthy();
    expect(list.stdout).not.toContain(hash);
    const table = (await cli('api-key', 'list')).stdout;
    expect(table).toContain(`${id}\tops\taccounts:read,users:write`);
    for (const shown of [list.stdout, table]) expect([shown.includes(key), shown.includes(hash), shown.includes(plain.stdout.split('\t')[1].trim())]).toEqual([false, false, false]);

    expect((await cli('api-key', 'create', '--name', 'x', '--scopes', 'nope')).code).toBe(2);
    expect((await cli('api-key', 'create', '--name', 'x', '--scopes', 'admin', '--account', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
  });

  let ownerId = '';
  it('account create prints the ids; the invitation waits in the outbox; outbox show and retry', async () => {
    const created = await cli('account', 'create', '--name', 'Acme', '--owner-email', 'owner@acme.test', '--json');
    expect(created.code).toBe(0);
    const { account_id, owner_id } = JSON.parse(created.stdout);
    expect(account_id).toMatch(/^[0-9a-f-]{36}$/);
    ownerId = owner_id;
    expect((await cli('account', 'create', '--name', 'Bad', '--owner-email', 'not-an-email')).code).toBe(2);

    const shown = await cli('outbox', 'show', '--status', 'pending', '--limit', '5', '--json');
    expect(shown.code).toBe(0);
    const messages = JSON.parse(shown.stdout) as Record<string, unknown>[];
    const invitation = messages.find((m) => m.kind === 'invitation');
    expect(invitation).toMatchObject({ recipient_domain: 'acme.test', status: 'pending', attempts: expect.any(Number) });
    expect(shown.stdout).not.toContain('owner@');
    expect(Object.keys(invitation!)).not.toEqual(expect.arrayContaining(['body']));

    const id = invitation!.id as string;
    await withDb((ds) => ds.query("UPDATE mail_outbox SET status = 'dead', attempts = 8, last_error = 'boom' WHERE id = ?", [id]));
    const dead = JSON.parse((await cli('outbox', 'show', '--status', 'dead', '--json')).stdout);
    expect(dead).toEqual([expect.objectContaining({ id, status: 'dead', last_error: 'boom' })]);
    const retried = await cli('outbox', 'retry', id);
    expect(retried).toMatchObject({ code: 0, stdout: `${id}\n` });
    const row = await withDb(async (ds) => (await ds.query('SELECT status, attempts FROM mail_outbox WHERE id = ?', [id]))[0]);
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await cli('outbox', 'retry', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
    expect((await cli('outbox', 'show', '--status', 'lost')).code).toBe(2);
    expect((await cli('outbox', 'show', '--limit', '0')).code).toBe(2);
  });

  it('sessions end: audited with actor system; an unknown user is refused', async () => {
    const ended = await cli('sessions', 'end', ownerId);
    expect(ended).toMatchObject({ code: 0, stdout: `${ownerId}\n` });
    const events = await withDb((ds) => ds.query("SELECT actor_kind, actor_id FROM audit_events WHERE type = 'session.revoked' AND user_id = ?", [ownerId]));
    expect(events).toEqual([{ actor_kind: 'system', actor_id: null }]);
    const unknown = await cli('sessions', 'end', '00000000-0000-4000-8000-000000000000');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/error: user not found/); // never an empty "error: "
    expect(ended.stderr).toMatch(/^database: sqlite:/m); // which database the command worked on
  });

  it('users import-hash: stores the hash under its scheme, audited with actor system (format only); a malformed hash or option is a usage error', async () => {
    const hash = '$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    const imported = await cli('users', 'import-hash', ownerId, '--format', 'bcrypt', '--hash', hash);
    expect(imported).toMatchObject({ code: 0, stdout: `${ownerId}\tbcrypt\n` });
    expect(imported.stdout + imported.stderr).not.toContain(hash);
    const row = await withDb(async (ds) => (await ds.query('SELECT hash, algorithm FROM credentials WHERE user_id = ?', [ownerId]))[0]);
    expect(row).toEqual({ hash, algorithm: 'bcrypt' });
    const events = await withDb((ds) => ds.query("SELECT actor_kind, details FROM audit_events WHERE type = 'password.imported' AND user_id = ?", [ownerId]));
    expect(events).toHaveLength(1);
    expect(events[0].actor_kind).toBe('system');
    expect(JSON.parse(events[0].details)).toMatchObject({ format: 'bcrypt', algorithm: 'bcrypt', replaced: false });
    expect(events[0].details).not.toContain(hash.slice(7)); // the format, never the hash

    const firebase = await cli(
      'users', 'import-hash', ownerId, '--format', 'firebase-scrypt', '--json',
      '--hash', 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==', '--salt', '42xEC+ixf3L2lw==', '--salt-separator', 'Bw==',
      '--signer-key', 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==', '--rounds', '8', '--mem-cost', '14',
    );
    expect(firebase.code).toBe(0);
    expect(JSON.parse(firebase.stdout)).toEqual({ user_id: ownerId, format: 'firebase-scrypt', algorithm: 'firebase-scrypt', replaced: true });

    const bad = await cli('users', 'import-hash', ownerId, '--format', 'bcrypt', '--hash', '$2b$16$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid import: hash is not a valid bcrypt hash ($2a$, $2b$ or $2y$, cost 4-15).');
    // Worded as the service words the same input over HTTP: every reason named, none empty.
    const md5 = await cli('users', 'import-hash', ownerId, '--format', 'md5', '--hash', 'x');
    expect({ code: md5.code, stderr: md5.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('invalid import: format must be one of: bcrypt, argon2, django-pbkdf2-sha256, firebase-scrypt.') });
    const foreign = await cli('users', 'import-hash', ownerId, '--format', 'bcrypt', '--hash', hash, '--rounds', '8');
    expect({ code: foreign.code, stderr: foreign.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('invalid import: rounds is not a valid parameter of format firebase-scrypt only.') });
    expect((await cli('users', 'import-hash', ownerId, '--format', 'firebase-scrypt', '--hash', 'x', '--rounds', 'eight')).code).toBe(2);
    expect((await cli('users', 'import-hash', '00000000-0000-4000-8000-000000000000', '--format', 'bcrypt', '--hash', hash)).code).toBe(1);
  });

  it('keys list and rotate (delegating to the keys CLI)', async () => {
    const list = await cli('keys', 'list');
    expect(list.code).toBe(0);
    const signing = list.stdout.split('\n').find((l) => l.includes('\tsigning\t') && l.includes('\tactive'))!;
    expect(signing).toBeTruthy();
    const rotated = await cli('keys', 'rotate', 'signing');
    expect(rotated.code).toBe(0);
    const kid = rotated.stdout.trim();
    expect(kid).not.toBe(signing.split('\t')[0]);
    expect((await cli('keys', 'list')).stdout).toContain(`${kid}\tsigning`);
    expect((await cli('keys', 'rotate', 'nothing')).code).toBe(2);
    // Later migrations revert first (each down runs) until the hash schemes' refuses: the imported
    // Firebase hash (over 100 characters) would not fit the narrower column; once gone, it reverts.
    let long = await cli('migrations', 'revert');
    for (let later = 0; long.code === 0 && later < 10; later++) long = await cli('migrations', 'revert');
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(/refusing to revert PasswordHashSchemes1764370000000: credentials holds 1 hashes longer than 100 characters/);
    await withDb((ds) => ds.query('DELETE FROM credentials'));
    expect((await cli('migrations', 'revert')).stdout.trim()).toBe('PasswordHashSchemes1764370000000');
    // The ring now holds keys: reverting its migration would void everything that depends on them.
    const revert = await cli('migrations', 'revert');
    expect(revert.code).toBe(1);
    expect(revert.stderr).toMatch(/refusing to revert KeyRing1764360000000/);
    expect((await cli('keys', 'list')).stdout).toContain(`${kid}\tsigning`);
    expect((await cli('migrations', 'run')).code).toBe(0);
  });

  it('config: the effective configuration with every secret masked', async () => {
    const res = await cli('config');
    expect(res.code).toBe(0);
    const config = JSON.parse(res.stdout);
    expect(config).toMatchObject({ masterKey: '***', jwtSecret: '***', adminApiKey: '***', bcryptCost: 4 });
    expect(config.smtpUrl).toBe('smtp://mailer:***@127.0.0.1:1');
    expect(config.redisUrl).toBe('redis://:***@127.0.0.1:6399');
    for (const secret of [TEST_MASTER_KEY, TEST_JWT_SECRET, ADMIN_KEY, 's3cret-pass', 'redis-pass']) expect(res.stdout).not.toContain(secret);
    const pg = await runCli(['config'], { ...env, DATABASE_URL: 'postgres://app:pg-pass@db.example:5432/app' }, { stdout: (s) => expect(s).not.toContain('pg-pass'), stderr: () => undefined });
    expect(pg).toBe(0);
    expect((await runCli(['config'], { ...env, BCRYPT_COST: '99' }, { stdout: () => undefined, stderr: () => undefined }))).toBe(1);
  });

  it('config masks only the secrets: every other value is printed as loaded (scheme names, prefixes, links, URLs without a password)', async () => {
    const withPublicValues = { ...env, PASSWORD_HASH: 'argon2id', REDIS_KEY_PREFIX: 'acme:', METRICS_TOKEN: 'metrics-token-0123456789', SIGN_IN_URL: 'https://app.example.test/sign-in' };
    let stdout = '';
    expect(await runCli(['config'], withPublicValues, { stdout: (s) => void (stdout += s), stderr: () => undefined })).toBe(0);
    const printed = JSON.parse(stdout);
    const loaded = JSON.parse(JSON.stringify(loadAppConfig(withPublicValues)));
    const secrets = ['jwtSecret', 'masterKey', 'adminApiKey', 'metricsToken'];
    for (const name of secrets) expect(printed[name]).toBe('***');
    const urls = ['smtpUrl', 'redisUrl'];
    // Every field that is neither a secret nor a URL with a password, nested ones included, as loaded.
    const rest = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !secrets.includes(k) && !urls.includes(k)));
    expect(rest(printed)).toEqual(rest(loaded));
    expect(printed).toMatchObject({ passwordHash: 'argon2id', redisKeyPrefix: 'acme:', signInUrl: 'https://app.example.test/sign-in', publicUrl: 'http://localhost:3000' });
    expect(printed.links.invitation).toBe('http://localhost:3000/set-password#token={code}');
    expect(printed.smtpUrl).toBe('smtp://mailer:***@127.0.0.1:1');
    expect(stdout).not.toContain('metrics-token-0123456789');
  });

  it('lists print a header row naming their columns, then one row each', async () => {
    const header = async (...argv: string[]) => (await cli(...argv)).stdout.split('\n')[0];
    expect(await header('api-key', 'list')).toBe('id\tname\tscopes\taccount_id\tcreated_at\tlast_used_at');
    expect(await header('outbox', 'show')).toBe('id\tkind\trecipient_domain\tstatus\tattempts\tlast_error');
    expect(await header('keys', 'list')).toBe('kid\tpurpose\talgorithm\tstate\tcreated_at\tretired_at');
    expect(await header('migrations', 'show')).toBe('[X] applied, [ ] pending');
    // Each row has as many columns as the header.
    for (const argv of [['api-key', 'list'], ['outbox', 'show'], ['keys', 'list']]) {
      const [head, ...rows] = (await cli(...argv)).stdout.replace(/\n$/, '').split('\n');
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.split('\t')).toHaveLength(head.split('\t').length);
    }
    // --json stays a bare array, for machines.
    expect(Array.isArray(JSON.parse((await cli('api-key', 'list', '--json')).stdout))).toBe(true);
  });

  it('--help for every command (exit 0, on stdout); usage errors exit 2', async () => {
    const commands = [
      [], ['api-key'], ['api-key', 'create'], ['api-key', 'list'], ['account'], ['account', 'create'], ['migrations'], ['migrations', 'run'],
      ['migrations', 'revert'], ['migrations', 'show'], ['outbox'], ['outbox', 'show'], ['outbox', 'retry'], ['sessions'], ['sessions', 'end'],
      ['users'], ['users', 'import-hash'], ['keys'], ['keys', 'list'], ['keys', 'rotate'], ['config'],
    ];
    for (const c of commands) {
      const res = await cli(...c, '--help');
      expect({ c, code: res.code }).toEqual({ c, code: 0 });
      expect(res.stdout).toContain('Usage:');
    }
    for (const bad of [[], ['bogus'], ['api-key'], ['api-key', 'create', '--name', 'x'], ['outbox', 'retry'], ['config', '--nope']]) {
      const res = await cli(...bad);
      expect({ bad, code: res.code }).toEqual({ bad, code: 2 });
      expect(res.stdout).toBe('');
    }
  });

  it('an unknown sub-command is named on stderr, with the closest one when it is a typo, then the usage; exit 2', async () => {
    const typo = await cli('outbox', 'shw');
    expect(typo).toMatchObject({ code: 2, stdout: '' });
    expect(typo.stderr).toMatch(/^error: unknown command 'shw' \(did you mean 'show'\?\)\nUsage: npm run cli -- outbox /);
    const unrelated = await cli('api-key', 'frobnicate');
    expect(unrelated).toMatchObject({ code: 2, stdout: '' });
    expect(unrelated.stderr).toMatch(/^error: unknown command 'frobnicate'\nUsage: npm run cli -- api-key /);
    // no sub-command at all: the usage alone
    expect((await cli('sessions')).stderr).toMatch(/^Usage: npm run cli -- sessions /);
  });

  it('an argument a command does not take is a usage error naming it (exit 2), not silently ignored', async () => {
    for (const extra of [['outbox', 'show', 'everything'], ['config', 'extra'], ['outbox', 'retry', 'id-1', 'id-2'], ['keys', 'list', 'signing']]) {
      const res = await cli(...extra);
      expect({ extra, code: res.code, stdout: res.stdout }).toEqual({ extra, code: 2, stdout: '' });
      expect(res.stderr).toMatch(/^error: too many arguments/);
    }
  });

  it('a database it cannot reach: one line naming DATABASE_URL and the address, as the service\'s start says it, exit 1', async () => {
    for (const argv of [['outbox', 'show'], ['api-key', 'list'], ['migrations', 'show'], ['sessions', 'end', '00000000-0000-4000-8000-000000000000'], ['keys', 'list'], ['keys', 'rotate', 'signing']]) {
      const saved = env;
      env = { ...env, DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/x', DATABASE_CONNECT_TIMEOUT_MS: '200' };
      try {
        const res = await cli(...argv);
        expect({ argv, code: res.code, stdout: res.stdout }).toEqual({ argv, code: 1, stdout: '' });
        expect(res.stderr).toContain('error: DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:1 (ECONNREFUSED)\n');
        expect(res.stderr).not.toContain(':pw@');
      } finally {
        env = saved;
      }
    }
  });

  it('the real entry point: answer on stdout, logs on stderr, exit codes', () => {
    // What `npm run cli` runs: scripts/cli.js, which loads the build (the CLI's bundle, rebuilt here when older than src/).
    ensureBuilt();
    const run = (...argv: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'scripts', 'cli.js'), ...argv], {
        cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, encoding: 'utf8', timeout: 30_000,
      });
    const list = run('api-key', 'list', '--json');
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout).length).toBeGreaterThanOrEqual(2);
    expect(list.stderr).toMatch(/^database: sqlite:/m);
    expect(run('nope').status).toBe(2);
  }, 60_000);
});
