import fs = require('node:fs');
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from './app-config';
import { ensurePrivateDirectory, resolveMasterKey, writePrivateFile } from './service-secret';

/**
 * Issue 18 §5, the start-up race (the CI failure of migration-race.e2e-spec.ts): instances started together
 * all create the generated master key. One read `master-key` while another was still writing it ("holds no
 * usable secret"), or found the directory made by the other between its check and its mkdir (EEXIST, then
 * ENOENT reading a file not written yet). Each test forces one interleaving: the second instance runs, start
 * to end, at the moment the first is inside a file-system step.
 */
const silent = { warn: () => undefined, log: () => undefined } as never;
const mode = (path: string) => fs.statSync(path).mode & 0o777;

describe('the generated master key when instances start together (issue 18 §5)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'pls-race-files-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const configFor = (dataDir: string) => loadAppConfig({ DATABASE_URL: `sqlite:${join(dataDir, 'app.db')}` });

  /**
   * The first write of a file (fs.writeFileSync) is cut in two: the file is created empty (what open(2) does),
   * then `between` runs, then the content is written. The second instance's own writes are not cut.
   */
  function cutFirstWrite(between: () => void): void {
    const write = fs.writeFileSync;
    jest.spyOn(fs, 'writeFileSync').mockImplementationOnce((path, data, options) => {
      const flag = typeof options === 'object' && options?.flag ? String(options.flag) : 'w';
      fs.closeSync(fs.openSync(path as fs.PathLike, flag, 0o600));
      between();
      write(path, data, { ...(typeof options === 'object' ? options : {}), flag: 'w' });
    });
  }

  it('a second instance starting while the first writes master-key uses the same key, never a half-written file', () => {
    const config = configFor(join(dir, 'data'));
    let second: string | Error | undefined;
    cutFirstWrite(() => {
      try {
        second = resolveMasterKey(config, silent);
      } catch (error) {
        second = error as Error;
      }
    });
    const first = resolveMasterKey(config, silent);
    expect(second).toBe(first);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(fs.readFileSync(join(dir, 'data', 'master-key'), 'utf8').trim()).toBe(first);
    expect(mode(join(dir, 'data', 'master-key'))).toBe(0o600);
    expect(fs.readdirSync(join(dir, 'data'))).toEqual(['master-key']); // no temporary file left behind
  });

  it('the data directory made by another instance between this one\'s check and its mkdir is used, not an error', () => {
    const config = configFor(join(dir, 'data'));
    const mkdir = fs.mkdirSync;
    let second: string | undefined;
    // The other instance runs entirely between this one's "does not exist" and its mkdir.
    jest.spyOn(fs, 'mkdirSync').mockImplementationOnce((path, options) => {
      second = resolveMasterKey(config, silent);
      return mkdir(path, options);
    });
    const first = resolveMasterKey(config, silent);
    expect(first).toBe(second);
    expect(mode(join(dir, 'data'))).toBe(0o700);
  });

  it('the directory made by another instance after its mkdir but before its file: this one writes the file', () => {
    const config = configFor(join(dir, 'data'));
    const mkdir = fs.mkdirSync;
    // The other instance got as far as mkdir, then (for now) nothing: no file yet.
    jest.spyOn(fs, 'mkdirSync').mockImplementationOnce((path, options) => {
      mkdir(path, options);
      return mkdir(path, options); // this one's own mkdir now meets EEXIST
    });
    const key = resolveMasterKey(config, silent);
    expect(fs.readFileSync(join(dir, 'data', 'master-key'), 'utf8').trim()).toBe(key);
  });

  it('ensurePrivateDirectory tolerates a directory another process made meanwhile, but not a file in its place', () => {
    const target = join(dir, 'a', 'b');
    const mkdir = fs.mkdirSync;
    jest.spyOn(fs, 'mkdirSync').mockImplementationOnce((path, options) => {
      mkdir(path, options);
      return mkdir(path, options);
    });
    expect(() => ensurePrivateDirectory(target)).not.toThrow();
    expect(fs.statSync(target).isDirectory()).toBe(true);
    jest.restoreAllMocks();

    const blocked = join(dir, 'c', 'd');
    const mkdirAgain = fs.mkdirSync;
    jest.spyOn(fs, 'mkdirSync').mockImplementationOnce((path, options) => {
      fs.writeFileSync(path as fs.PathLike, 'not a directory');
      return mkdirAgain(path, options);
    });
    expect(() => ensurePrivateDirectory(blocked)).toThrow(/EEXIST/);
  });

  it('writePrivateFile replaces a file whole: a reader during the write sees the old content or the new, never an empty file', () => {
    const file = join(dir, 'admin-api-key');
    writePrivateFile(file, 'old-content-0123456789abcdef0123456789');
    let seen: string | undefined;
    cutFirstWrite(() => {
      seen = fs.readFileSync(file, 'utf8');
    });
    writePrivateFile(file, 'new-content-0123456789abcdef0123456789');
    expect(seen).toBe('old-content-0123456789abcdef0123456789\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('new-content-0123456789abcdef0123456789\n');
    expect(mode(file)).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['admin-api-key']);
  });
});
