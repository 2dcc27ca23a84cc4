import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Argon2Scheme, OWASP_ARGON2ID, parseArgon2 } from './argon2.scheme';
import { BcryptSha384Scheme, PlainBcryptScheme } from './bcrypt.scheme';
import { DjangoPbkdf2Scheme, parseDjangoPbkdf2 } from './django-pbkdf2.scheme';
import { FirebaseScryptScheme, formatFirebaseScrypt, parseFirebaseScrypt } from './firebase-scrypt.scheme';
import { isCanonicalBase64 } from './hash-scheme';

const argon2: typeof import('@node-rs/argon2') = jest.requireActual('@node-rs/argon2');
const bcrypt: typeof import('bcrypt') = jest.requireActual('bcrypt');

/** Firebase's published sample (firebase/scrypt README): project parameters, one user's salt and hash. */
const FIREBASE_SAMPLE = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
  salt: '42xEC+ixf3L2lw==',
  hash: 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==',
  password: 'user1password',
};

/** A low-cost argon2 hash for tests (the scheme verifies any parameters within its bounds). */
const cheapArgon2 = (password: string, algorithm: 0 | 1 | 2 = 2) => argon2.hash(password, { memoryCost: 64, timeCost: 1, parallelism: 1, algorithm: algorithm as never });

describe('bcrypt-sha384 (the bcrypt scheme written at BCRYPT_COST)', () => {
  const sut = new BcryptSha384Scheme(4);

  it('A11 writes $2b$ at the configured cost and knows its own parameters', async () => {
    const hash = await sut.hash('Correct-Horse-1');
    expect(hash).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);
    expect(sut.parametersMatch(hash)).toBe(true);
    expect(new BcryptSha384Scheme(5).parametersMatch(hash)).toBe(false);
    await expect(sut.verify('Correct-Horse-1', hash)).resolves.toBe(true);
  });

  it.each([3, 32, 4.5])('refuses cost %p', (cost) => {
    expect(() => new BcryptSha384Scheme(cost)).toThrow(RangeError);
  });
});

describe('bcrypt (plain, imported)', () => {
  const sut = new PlainBcryptScheme();
  // The crypt_blowfish (Openwall) test vector, identical under $2a$, $2b$ and $2y$.
  const VECTOR = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';

  it.each(['$2a$', '$2b$', '$2y$'])('verifies the published vector "U*U" under %s', async (prefix) => {
    const hash = prefix + VECTOR.slice(4);
    expect(sut.accepts(hash)).toBe(true);
    await expect(sut.verify('U*U', hash)).resolves.toBe(true);
    await expect(sut.verify('U*V', hash)).resolves.toBe(false);
  });

  it('J2 accepts costs 4-15 only: a stored hash cannot make one login cost minutes', async () => {
    const body = VECTOR.slice(7);
    expect(sut.accepts(`$2b$04$${body}`)).toBe(true);
    expect(sut.accepts(`$2b$15$${body}`)).toBe(true);
    expect(sut.accepts(`$2b$16$${body}`)).toBe(false);
    expect(sut.accepts(`$2b$31$${body}`)).toBe(false);
    expect(sut.accepts(`$2b$03$${body}`)).toBe(false);
  });

  it('A8 refuses a password over 72 UTF-8 bytes rather than check its first 72 only', async () => {
    const p = 'x'.repeat(72);
    const hash = await bcrypt.hash(p, 4);
    await expect(sut.verify(p, hash)).resolves.toBe(true);
    await expect(sut.verify(p + 'y', hash)).resolves.toBe(false);
  });
});

describe('argon2 (argon2id written with PASSWORD_HASH=argon2id; argon2i and argon2d imported)', () => {
  const sut = new Argon2Scheme('argon2id');

  it('writes argon2id at OWASP parameters m=19456 KiB, t=2, p=1, salted, over the whole password', async () => {
    const hash = await sut.hash('Correct-Horse-1');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(parseArgon2(hash)).toEqual({ variant: 'argon2id', version: 19, ...OWASP_ARGON2ID });
    expect(sut.parametersMatch(hash)).toBe(true);
    expect(await sut.hash('Correct-Horse-1')).not.toBe(hash);
    await expect(sut.verify('Correct-Horse-1', hash)).resolves.toBe(true);
    await expect(sut.verify('Correct-Horse-2', hash)).resolves.toBe(false);
  });

  it('A8 A10 no truncation and no NUL shortening: the password is hashed whole', async () => {
    const cheap = new Argon2Scheme('argon2id', { memoryKiB: 64, timeCost: 1, parallelism: 1 });
    const long = 'a'.repeat(72) + 'ORIGINAL';
    const hash = await cheap.hash(long);
    await expect(cheap.verify(long, hash)).resolves.toBe(true);
    await expect(cheap.verify(long.slice(0, 72), hash)).resolves.toBe(false);
    const nul = await cheap.hash('abc\u0000defghijk');
    await expect(cheap.verify('abc\u0000defghijk', nul)).resolves.toBe(true);
    await expect(cheap.verify('abc', nul)).resolves.toBe(false);
  });

  it('A7 verifies NFKC-equivalent passwords', async () => {
    const cheap = new Argon2Scheme('argon2id', { memoryKiB: 64, timeCost: 1, parallelism: 1 });
    await expect(cheap.verify('cafe\u0301-Secret-1', await cheap.hash('caf\u00e9-Secret-1'))).resolves.toBe(true);
  });

  it('parametersMatch is false for other m, t, p, version or variant', async () => {
    const hash = await cheapArgon2('pw');
    expect(sut.parametersMatch(hash)).toBe(false);
    expect(new Argon2Scheme('argon2id', { memoryKiB: 64, timeCost: 1, parallelism: 1 }).parametersMatch(hash)).toBe(true);
    expect(new Argon2Scheme('argon2i', { memoryKiB: 64, timeCost: 1, parallelism: 1 }).parametersMatch(hash)).toBe(false);
    // one difference at a time, against the scheme the hash matches
    const cheap = new Argon2Scheme('argon2id', { memoryKiB: 64, timeCost: 1, parallelism: 1 });
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    for (const other of [hash.replace('m=64,', 'm=128,'), hash.replace(',t=1,', ',t=2,'), hash.replace(',p=1$', ',p=2$'), hash.replace('$v=19$', '$v=16$'), hash.replace('$argon2id$', '$argon2i$')]) {
      expect(other).not.toBe(hash);
      expect([other, cheap.parametersMatch(other)]).toEqual([other, false]);
    }
  });

  it('verifies the argon2 reference implementation\'s published argon2i example ("password", somesalt, m=65536, t=2, p=4)', async () => {
    const argon2i = new Argon2Scheme('argon2i');
    const published = '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG';
    expect(argon2i.accepts(published)).toBe(true);
    expect(sut.accepts(published)).toBe(false); // a scheme never verifies another variant's hash
    await expect(argon2i.verify('password', published)).resolves.toBe(true);
    await expect(argon2i.verify('passworD', published)).resolves.toBe(false);
  });

  it('verifies a fixed argon2id vector ("password", salt "somesalt", OWASP parameters)', async () => {
    const fixed = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E';
    await expect(sut.verify('password', fixed)).resolves.toBe(true);
    await expect(sut.verify('Password', fixed)).resolves.toBe(false);
  });

  it('verifies argon2d and argon2 v=16 hashes', async () => {
    await expect(new Argon2Scheme('argon2d').verify('pw', await cheapArgon2('pw', 0))).resolves.toBe(true);
    const v16 = await argon2.hash('pw', { memoryCost: 64, timeCost: 1, parallelism: 1, algorithm: 1 as never, version: 0 as never });
    expect(v16).toMatch(/^\$argon2i\$v=16\$/);
    await expect(new Argon2Scheme('argon2i').verify('pw', v16)).resolves.toBe(true);
  });

  it.each([
    ['m over 64 MiB', '$argon2id$v=19$m=65537,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
    ['t over 4', '$argon2id$v=19$m=19456,t=5,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
    ['p over 8', '$argon2id$v=19$m=19456,t=2,p=9$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
    ['m under 8·p', '$argon2id$v=19$m=15,t=2,p=2$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
    ['an unknown version', '$argon2id$v=20$m=19456,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
    ['a short salt', '$argon2id$v=19$m=19456,t=2,p=1$c29tZQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
    ['a keyed hash (k=)', '$argon2id$v=19$m=19456,t=2,p=1,k=abc$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
    ['padding', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ=$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E'],
  ])('J2 refuses %s', (_name, hash) => {
    expect(parseArgon2(hash)).toBeNull();
    expect(sut.accepts(hash)).toBe(false);
  });
});

describe('django-pbkdf2-sha256 (imported)', () => {
  const sut = new DjangoPbkdf2Scheme();

  it('verifies the fixed vector from Django\'s own tests (lètmein, seasalt, 10000 iterations)', async () => {
    const vector = 'pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=';
    expect(sut.accepts(vector)).toBe(true);
    await expect(sut.verify('lètmein', vector)).resolves.toBe(true);
    await expect(sut.verify('letmein', vector)).resolves.toBe(false);
  });

  it('verifies a hash computed independently with node\'s pbkdf2 (Django\'s layout)', async () => {
    const salt = randomBytes(9).toString('hex');
    const key = pbkdf2Sync('Correct-Horse-1', salt, 1200, 32, 'sha256').toString('base64');
    const hash = `pbkdf2_sha256$1200$${salt}$${key}`;
    await expect(sut.verify('Correct-Horse-1', hash)).resolves.toBe(true);
    await expect(sut.verify('Correct-Horse-2', hash)).resolves.toBe(false);
  });

  it.each([
    ['iterations over 1,200,000', 'pbkdf2_sha256$1200001$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY='],
    ['iterations under 1,000', 'pbkdf2_sha256$999$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY='],
    ['a leading zero', 'pbkdf2_sha256$010000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY='],
    ['another digest', 'pbkdf2_sha1$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY='],
    ['a short key', 'pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArt='],
    ['an empty salt', 'pbkdf2_sha256$10000$$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY='],
    ['a $ in the salt', 'pbkdf2_sha256$10000$sea$salt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY='],
  ])('J2 refuses %s', (_name, hash) => {
    expect(parseDjangoPbkdf2(hash)).toBeNull();
  });
});

describe('firebase-scrypt (imported)', () => {
  const sut = new FirebaseScryptScheme();
  const stored = formatFirebaseScrypt(FIREBASE_SAMPLE);

  it('verifies Firebase\'s published sample (user1password, rounds 8, mem_cost 14)', async () => {
    expect(stored).toBe(`$firebase-scrypt$r=8,m=14$${FIREBASE_SAMPLE.salt}$Bw==$${FIREBASE_SAMPLE.signerKey}$${FIREBASE_SAMPLE.hash}`);
    expect(sut.accepts(stored)).toBe(true);
    await expect(sut.verify('user1password', stored)).resolves.toBe(true);
    await expect(sut.verify('user1passworD', stored)).resolves.toBe(false);
    await expect(sut.verify('', stored)).resolves.toBe(false);
  });

  it('the stored string names its parameters and reads back the same', () => {
    const { password: _password, ...parameters } = FIREBASE_SAMPLE;
    expect(parseFirebaseScrypt(stored)).toEqual(parameters);
  });

  it('a wrong signer key or separator does not verify', async () => {
    const otherKey = randomBytes(64).toString('base64');
    await expect(sut.verify('user1password', formatFirebaseScrypt({ ...FIREBASE_SAMPLE, signerKey: otherKey }))).resolves.toBe(false);
    await expect(sut.verify('user1password', formatFirebaseScrypt({ ...FIREBASE_SAMPLE, saltSeparator: 'CA==' }))).resolves.toBe(false);
  });

  it.each([
    ['mem_cost 18 (N over 2^17)', { memCost: 18 }],
    ['scrypt memory over 128 MiB (r=16, N=2^17)', { rounds: 16, memCost: 17 }],
    ['rounds 0', { rounds: 0 }],
    ['rounds 17', { rounds: 17 }],
    ['a hash of another length than the signer key', { hash: createHash('sha256').update('x').digest('base64') }],
    ['a salt that is not base64', { salt: '42xEC+ixf3L2lw=' }],
    ['a non-canonical base64 salt', { salt: '42xEC+ixf3L2lx==' }],
    ['an empty separator', { saltSeparator: '' }],
    ['a short signer key', { signerKey: 'AAAA' }],
  ])('J2 refuses %s', (_name, change) => {
    expect(parseFirebaseScrypt(formatFirebaseScrypt({ ...FIREBASE_SAMPLE, ...change }))).toBeNull();
  });
});

describe('isCanonicalBase64', () => {
  it.each([
    ['Bw==', true], ['Bw', false], ['Bw=', false], ['Bx==', false], ['', false], ['QUJD', true], ['QU JD', false], ['QUJD====', false],
  ])('%p → %p', (s, ok) => {
    expect(isCanonicalBase64(s, 1, 64)).toBe(ok);
  });
});
