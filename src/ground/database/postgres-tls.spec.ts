import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from '../config/app-config';
import { buildDataSourceOptions, postgresSsl } from './data-source-options';
import { checkSqliteFile, postgresAddress } from './preflight';

const PG = 'postgres://app:pw@db.example.test:5432/app';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const sslOf = (env: Record<string, string>) => (buildDataSourceOptions(loadAppConfig({ DATABASE_URL: PG, ...env }).database) as { ssl?: unknown }).ssl;

describe('PostgreSQL TLS (DATABASE_SSL, DATABASE_SSL_CA)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'pls-tls-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('off by default', () => {
    expect(sslOf({})).toBeUndefined();
    expect(sslOf({ DATABASE_SSL: 'disable' })).toBeUndefined();
  });

  it('require: encrypted without checking the certificate; verify-full: checked, against the CA file when given', () => {
    expect(sslOf({ DATABASE_SSL: 'require' })).toEqual({ rejectUnauthorized: false });
    expect(sslOf({ DATABASE_SSL: 'verify-full' })).toEqual({ rejectUnauthorized: true });
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, PEM);
    expect(sslOf({ DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: ca })).toEqual({ rejectUnauthorized: true, ca: PEM });
    // A CA alone means verify-full.
    expect(sslOf({ DATABASE_SSL_CA: ca })).toEqual({ rejectUnauthorized: true, ca: PEM });
    expect(postgresSsl({ mode: 'disable' })).toBe(false);
  });

  it('refuses an unknown mode, an unreadable or non-PEM CA file and a CA with TLS disabled, naming the variable', () => {
    expect(() => loadAppConfig({ DATABASE_URL: PG, DATABASE_SSL: 'prefer' })).toThrow(/DATABASE_SSL: DATABASE_SSL must be one of disable, require, verify-full/);
    expect(() => loadAppConfig({ DATABASE_URL: PG, DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: join(dir, 'missing.pem') })).toThrow(
      /DATABASE_SSL_CA: cannot read .*missing\.pem \(ENOENT\)/,
    );
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(() => loadAppConfig({ DATABASE_URL: PG, DATABASE_SSL_CA: notPem })).toThrow(/DATABASE_SSL_CA: .* holds no PEM certificate/);
    expect(() => loadAppConfig({ DATABASE_URL: PG, DATABASE_SSL: 'disable', DATABASE_SSL_CA: notPem })).toThrow(/DATABASE_SSL_CA: set, but DATABASE_SSL=disable/);
  });

  it('the address in start-up errors leaves the credentials out', () => {
    expect(postgresAddress(PG)).toBe('db.example.test:5432');
    expect(postgresAddress('postgres://u@h/db')).toBe('h:5432');
  });
});

describe('SQLite file check (DATABASE_URL)', () => {
  it('names DATABASE_URL and the reason, without hanging', () => {
    expect(() => checkSqliteFile('/dev/null/app.db')).toThrow(/^DATABASE_URL: cannot create the directory \/dev\/null .*ENOTDIR/);
    expect(() => checkSqliteFile('/proc/nope/app.db')).toThrow(/^DATABASE_URL: cannot create the directory \/proc\/nope .*ENOENT/);
    expect(() => checkSqliteFile(':memory:')).not.toThrow();
  });

  it('creates the directories and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pls-sqlite-'));
    try {
      expect(() => checkSqliteFile(join(dir, 'a', 'b', 'app.db'))).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
