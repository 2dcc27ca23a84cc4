import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataSourceOptions } from '../database/data-source-options';
import { loadAppConfig } from './app-config';
import { defaultWorkerPoolSize } from './hash-threads';
import { dataDirectory, readLegacyServiceSecret, resolveMasterKey } from './service-secret';

const silent = { warn: () => undefined, log: () => undefined } as never;
const mode = (path: string) => statSync(path).mode & 0o777;

describe('configuration', () => {
  it('names each bad variable and never prints any character of a secret (I1)', () => {
    const secret = 'Sh0rt-S3cr3t-Value';
    expect(() => loadAppConfig({ JWT_SECRET: secret })).toThrow(/JWT_SECRET: .*at least 32 characters/);
    let message = '';
    try {
      loadAppConfig({ JWT_SECRET: secret, BCRYPT_COST: '99' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/BCRYPT_COST/);
    expect(message).toContain('(got "99")');
    expect(message).toContain(`JWT_SECRET`);
    expect(message).toContain(`<${secret.length} characters, not shown>`);
    expect(message).not.toContain(secret.slice(0, 4));
    // no piece of it anywhere either (not its end, as masks that show the last characters do)
    for (let i = 0; i + 4 <= secret.length; i++) expect([secret.slice(i, i + 4), message.includes(secret.slice(i, i + 4))]).toEqual([secret.slice(i, i + 4), false]);
  });

  it('E8 refuses a JWT_SECRET that is short, a placeholder or of low variety, and accepts a random one', () => {
    for (const weak of ['changeme', 'x'.repeat(48), 'ab'.repeat(24), 'your-secret-'.padEnd(40, '1')]) {
      expect(() => loadAppConfig({ JWT_SECRET: weak })).toThrow(/JWT_SECRET/);
    }
    expect(loadAppConfig({ JWT_SECRET: 'q8Vt3LmZ0pR7wXc2Nf5Hs9Kd1Gj4By6E' }).jwtSecret).toBe('q8Vt3LmZ0pR7wXc2Nf5Hs9Kd1Gj4By6E');
  });

  it('PORT=0 (any free port) needs PUBLIC_URL: the default one would point every link at port 0', () => {
    expect(() => loadAppConfig({ PORT: '0' })).toThrow(/PUBLIC_URL: required with PORT=0/);
    expect(loadAppConfig({ PORT: '0', PUBLIC_URL: 'https://id.example.com/' }).publicUrl).toBe('https://id.example.com');
    expect(loadAppConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('keeps the production hashing cost by default: BCRYPT_COST 12', () => {
    expect(loadAppConfig({}).bcryptCost).toBe(12);
  });

  it('runs the hashing threads at nice 10 by default; HASH_THREAD_NICE takes 0-19 and refuses anything else', () => {
    expect(loadAppConfig({}).hashThreadNice).toBe(10);
    expect(loadAppConfig({ HASH_THREAD_NICE: '0' }).hashThreadNice).toBe(0);
    expect(loadAppConfig({ HASH_THREAD_NICE: '19' }).hashThreadNice).toBe(19);
    for (const bad of ['-1', '20', 'low', '1.5']) expect(() => loadAppConfig({ HASH_THREAD_NICE: bad })).toThrow(/HASH_THREAD_NICE/);
  });

  it('sizes the hashing threads one a core (2-4) by default; UV_THREADPOOL_SIZE takes 1-1024 and refuses anything else', () => {
    expect(loadAppConfig({}).hashThreads).toBe(defaultWorkerPoolSize());
    expect(loadAppConfig({ UV_THREADPOOL_SIZE: '' }).hashThreads).toBe(defaultWorkerPoolSize());
    expect(loadAppConfig({ UV_THREADPOOL_SIZE: '1' }).hashThreads).toBe(1);
    expect(loadAppConfig({ UV_THREADPOOL_SIZE: '16' }).hashThreads).toBe(16);
    expect(loadAppConfig({ UV_THREADPOOL_SIZE: '1024' }).hashThreads).toBe(1024);
    // libuv reads the variable with atoi(): anything but a plain decimal would mean another count to it (0x10: 1 thread).
    for (const bad of ['0', '1025', 'four', '2.5', '-2', '0x10', '1e1', '+3', '03', ' 3', '3 ', '  ']) {
      expect(() => loadAppConfig({ UV_THREADPOOL_SIZE: bad })).toThrow(`UV_THREADPOOL_SIZE: UV_THREADPOOL_SIZE must be a whole number of threads from 1 to 1024 (got "${bad}")`);
    }
  });

  it('PASSWORD_HASH: bcrypt by default, argon2id on request, anything else refused naming the variable', () => {
    expect(loadAppConfig({}).passwordHash).toBe('bcrypt');
    expect(loadAppConfig({ PASSWORD_HASH: 'bcrypt' }).passwordHash).toBe('bcrypt');
    expect(loadAppConfig({ PASSWORD_HASH: 'argon2id' }).passwordHash).toBe('argon2id');
    for (const bad of ['argon2', 'ARGON2ID', 'scrypt', 'md5', 'bcrypt-sha384']) {
      expect(() => loadAppConfig({ PASSWORD_HASH: bad })).toThrow(/PASSWORD_HASH: PASSWORD_HASH must be one of bcrypt, argon2id/);
    }
  });
});

describe('configuration of outages and shutdown', () => {
  it('bounds Redis commands at 250 ms and the shutdown drain at 10 s by default', () => {
    expect(loadAppConfig({})).toMatchObject({ redisCommandTimeoutMs: 250, shutdownTimeoutSeconds: 10 });
    expect(loadAppConfig({ REDIS_COMMAND_TIMEOUT_MS: '500', SHUTDOWN_TIMEOUT_SECONDS: '25' })).toMatchObject({ redisCommandTimeoutMs: 500, shutdownTimeoutSeconds: 25 });
  });

  it('client tokens live 300 s by default; CLIENT_TOKEN_TTL_SECONDS takes 60..3600 and names itself otherwise', () => {
    expect(loadAppConfig({}).clientTokenTtlSeconds).toBe(300);
    expect(loadAppConfig({ CLIENT_TOKEN_TTL_SECONDS: '600' }).clientTokenTtlSeconds).toBe(600);
    for (const bad of ['59', '3601', 'soon', '1.5']) expect(() => loadAppConfig({ CLIENT_TOKEN_TTL_SECONDS: bad })).toThrow(/CLIENT_TOKEN_TTL_SECONDS/);
  });

  it('METRICS_TOKEN: unset by default; under 16 characters refused, naming the variable, without showing the value', () => {
    expect(loadAppConfig({}).metricsToken).toBeNull();
    expect(loadAppConfig({ METRICS_TOKEN: 'a-long-enough-token-1' }).metricsToken).toBe('a-long-enough-token-1');
    expect(() => loadAppConfig({ METRICS_TOKEN: 'short-token' })).toThrow(/METRICS_TOKEN: .*at least 16 characters.*<11 characters, not shown>/);
  });

  it('refuses a Redis command timeout or a shutdown timeout out of range, naming the variable', () => {
    expect(() => loadAppConfig({ REDIS_COMMAND_TIMEOUT_MS: '0' })).toThrow(/REDIS_COMMAND_TIMEOUT_MS/);
    expect(() => loadAppConfig({ REDIS_COMMAND_TIMEOUT_MS: '60000' })).toThrow(/REDIS_COMMAND_TIMEOUT_MS/);
    expect(() => loadAppConfig({ SHUTDOWN_TIMEOUT_SECONDS: '0' })).toThrow(/SHUTDOWN_TIMEOUT_SECONDS/);
    expect(() => loadAppConfig({ SHUTDOWN_TIMEOUT_SECONDS: 'soon' })).toThrow(/SHUTDOWN_TIMEOUT_SECONDS/);
  });
});

describe('files the service keeps beside its SQLite database', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pls-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const configFor = (dataDir: string) => loadAppConfig({ DATABASE_URL: `sqlite:${join(dataDir, 'app.db')}` });

  it('creates the data directory 0700 and an empty database file 0600: the database holds password hashes', () => {
    const dataDir = join(dir, 'data');
    buildDataSourceOptions(configFor(dataDir).database);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'app.db'))).toBe(0o600);
  });

  it('generates the master key once, 0600, and reads the same one back', () => {
    const config = configFor(join(dir, 'data'));
    const first = resolveMasterKey(config, silent);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(mode(join(dir, 'data', 'master-key'))).toBe(0o600);
    expect(resolveMasterKey(config, silent)).toBe(first);
    expect(readFileSync(join(dir, 'data', 'master-key'), 'utf8').trim()).toBe(first);
  });

  it('refuses to start on a truncated or emptied master key file rather than use it', () => {
    const config = configFor(dir);
    for (const content of ['', '\n', 'abc123']) {
      writeFileSync(join(dir, 'master-key'), content, { mode: 0o600 });
      expect(() => resolveMasterKey(config, silent)).toThrow(/no usable secret/);
    }
  });

  it('uses MASTER_KEY when it is set and writes nothing', () => {
    const secret = 'x7Hq2vN9xKp4LmW8rT3yZ6bC1dF5gJ0sAq';
    const config = loadAppConfig({ DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, MASTER_KEY: secret });
    expect(resolveMasterKey(config, silent)).toBe(secret);
    expect(() => statSync(join(dir, 'master-key'))).toThrow();
  });

  it('refuses a short or placeholder MASTER_KEY, naming it', () => {
    expect(() => loadAppConfig({ MASTER_KEY: 'short' })).toThrow(/MASTER_KEY: MASTER_KEY must be at least 32 characters/);
    expect(() => loadAppConfig({ MASTER_KEY: 'x'.repeat(40) })).toThrow(/MASTER_KEY: looks like a placeholder/);
  });

  it('reads the legacy service secret (JWT_SECRET, else the jwt-secret file) without ever writing one', () => {
    const config = configFor(dir);
    expect(readLegacyServiceSecret(config, silent)).toBeNull();
    expect(() => statSync(join(dir, 'jwt-secret'))).toThrow();
    writeFileSync(join(dir, 'jwt-secret'), 'f'.repeat(10) + 'abcdefghijklmnopqrstuvwxyz0123');
    expect(readLegacyServiceSecret(config, silent)).toMatch(/^f{10}abc/);
  });

  it('keeps the files of each PostgreSQL database apart, and apart from SQLite\'s', () => {
    const pg = (url: string, schema?: string) => dataDirectory({ database: { kind: 'postgres', url, ...(schema ? { schema } : {}) } });
    const a = pg('postgres://u:p@db1:5432/app');
    expect(a).toMatch(/^data\/postgres-[0-9a-f]{12}$/);
    expect(pg('postgres://other:pw@db1/app')).toBe(a); // same database: user, password and the default port do not matter
    expect(new Set([a, pg('postgres://u@db2:5432/app'), pg('postgres://u@db1:5433/app'), pg('postgres://u@db1:5432/app2'), pg('postgres://u@db1:5432/app', 's1')]).size).toBe(5);
    expect(dataDirectory({ database: { kind: 'sqlite', path: 'data/app.db' } })).toBe('data');
    expect(a).not.toBe('data');
  });
});

describe('PUBLIC_URL', () => {
  it.each(['http://127.0.0.1:3199/id?x=1', 'https://id.example.org/#frag', 'https://u:p@id.example.org', 'https://id.example.org/"><script>', 'id.example.org'])(
    'refuses %s at start, naming the variable and showing the value (it is public)',
    (value) => {
      expect(() => loadAppConfig({ PUBLIC_URL: value })).toThrow(/PUBLIC_URL: PUBLIC_URL must be an http\(s\) URL without query, fragment or credentials/);
      expect(() => loadAppConfig({ PUBLIC_URL: value })).toThrow(value);
    },
  );

  it.each(['https://id.example.org', 'http://127.0.0.1:3102/id', 'https://id.example.org/auth/'])('accepts %s', (value) => {
    expect(loadAppConfig({ PUBLIC_URL: value }).publicUrl).toBe(value.replace(/\/+$/, ''));
  });
});

describe('configuration of the links in emails', () => {
  it('defaults to the service pages under PUBLIC_URL, the secret in the fragment', () => {
    expect(loadAppConfig({ PUBLIC_URL: 'https://id.example.org/' }).links).toEqual({
      invitation: 'https://id.example.org/set-password#token={code}',
      verification: 'https://id.example.org/verify-email#code={code}',
      reset: 'https://id.example.org/password-reset#code={code}',
      recovery: 'https://id.example.org/account/reset#validation_code={code}',
    });
  });

  it('takes INVITATION_LINK, VERIFICATION_LINK, RESET_LINK and RECOVERY_LINK', () => {
    const links = loadAppConfig({
      INVITATION_LINK: 'https://app.example.com/welcome?t={code}',
      VERIFICATION_LINK: 'https://app.example.com/verify#{code}',
      RESET_LINK: 'http://localhost:8080/reset/{code}',
      RECOVERY_LINK: 'https://app.example.com/recover#c={code}&x=1',
    }).links;
    expect(links).toEqual({
      invitation: 'https://app.example.com/welcome?t={code}',
      verification: 'https://app.example.com/verify#{code}',
      reset: 'http://localhost:8080/reset/{code}',
      recovery: 'https://app.example.com/recover#c={code}&x=1',
    });
  });

  it.each([
    ['INVITATION_LINK', 'https://app.example.com/welcome'],
    ['VERIFICATION_LINK', 'https://app.example.com/{code}/{code}'],
    ['RESET_LINK', '/password-reset#code={code}'],
    ['RECOVERY_LINK', 'javascript:alert({code})'],
    ['RESET_LINK', 'ftp://files.example.com/{code}'],
    ['INVITATION_LINK', 'https://{code}.example.com/'],
    ['VERIFICATION_LINK', 'https://app.example.com/a b#{code}'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadAppConfig({ [name]: value })).toThrow(new RegExp(`${name}: .*absolute http\\(s\\) URL containing \\{code\\} exactly once`));
  });
});

describe('SIGN_IN_URL: where the success pages send people to sign in', () => {
  it('unset: null (no link); set: taken as it is', () => {
    expect(loadAppConfig({}).signInUrl).toBeNull();
    expect(loadAppConfig({ SIGN_IN_URL: 'https://app.example.com/sign-in?from=password' }).signInUrl).toBe('https://app.example.com/sign-in?from=password');
  });

  it.each([
    ['a {code} placeholder', 'https://app.example.com/sign-in#{code}'],
    ['a relative path', '/sign-in'],
    ['another scheme', 'javascript:alert(1)'],
    ['credentials', 'https://user:pw@app.example.com/sign-in'],
  ])('refuses %s, naming the variable', (_why, value) => {
    expect(() => loadAppConfig({ SIGN_IN_URL: value })).toThrow(/SIGN_IN_URL: SIGN_IN_URL must be an absolute http\(s\) URL without \{code\}/);
  });
});

describe('PASSWORD_EXPIRY_WARNING_DAYS: when users are warned before their password expires', () => {
  it('14 and 3 days by default; a list is taken largest first without repeats; none: no warnings', () => {
    expect(loadAppConfig({}).passwordExpiryWarningDays).toEqual([14, 3]);
    expect(loadAppConfig({ PASSWORD_EXPIRY_WARNING_DAYS: ' 1, 30 ,7,7' }).passwordExpiryWarningDays).toEqual([30, 7, 1]);
    expect(loadAppConfig({ PASSWORD_EXPIRY_WARNING_DAYS: 'none' }).passwordExpiryWarningDays).toEqual([]);
  });

  it.each(['0', '-3', '14;3', '1000', 'soon', '14,'])('refuses %s, naming the variable', (value) => {
    expect(() => loadAppConfig({ PASSWORD_EXPIRY_WARNING_DAYS: value })).toThrow(/PASSWORD_EXPIRY_WARNING_DAYS: PASSWORD_EXPIRY_WARNING_DAYS must be a comma-separated list/);
  });
});
