import fc from 'fast-check';
import { PasswordHasher } from '../password-hasher';
import { ImportedHash, IMPORT_FORMATS, isImportRefusal, parseImportedHash } from './imported-hash';

const FIREBASE = {
  salt: '42xEC+ixf3L2lw==',
  saltSeparator: 'Bw==',
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  rounds: 8,
  memCost: 14,
};
const FIREBASE_HASH = 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==';

describe('parseImportedHash', () => {
  const hasher = new PasswordHasher({ cost: 4 });

  it.each([
    ['bcrypt', '$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'bcrypt', 'U*U'],
    ['argon2', '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 'argon2i', 'password'],
    ['argon2', '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E', 'argon2id', 'password'],
    ['django-pbkdf2-sha256', 'pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=', 'django-pbkdf2-sha256', 'lètmein'],
  ] as const)('%s: %s is stored as %s and verifies', async (format, hash, algorithm, password) => {
    const stored = parseImportedHash({ format, hash });
    expect(stored).toEqual({ algorithm, hash });
    if (isImportRefusal(stored)) throw new Error('refused');
    await expect(hasher.verify(password, stored)).resolves.toBe(true);
    await expect(hasher.verify(password + 'x', stored)).resolves.toBe(false);
  });

  it('firebase-scrypt: the hash and the project parameters become one string naming them', async () => {
    const stored = parseImportedHash({ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: FIREBASE });
    expect(stored).toEqual({ algorithm: 'firebase-scrypt', hash: `$firebase-scrypt$r=8,m=14$${FIREBASE.salt}$Bw==$${FIREBASE.signerKey}$${FIREBASE_HASH}` });
    if (isImportRefusal(stored)) throw new Error('refused');
    expect(stored.hash.length).toBeLessThanOrEqual(512);
    await expect(hasher.verify('user1password', stored)).resolves.toBe(true);
  });

  it.each([
    [{ format: 'bcrypt', hash: '$2b$16$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' }, 'hash'],
    [{ format: 'bcrypt', hash: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG' }, 'hash'],
    [{ format: 'argon2', hash: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW' }, 'hash'],
    [{ format: 'django-pbkdf2-sha256', hash: 'pbkdf2_sha256$3000000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=' }, 'hash'],
    [{ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: { ...FIREBASE, memCost: 18 } }, 'mem_cost'],
    [{ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: { ...FIREBASE, rounds: 0 } }, 'rounds'],
    [{ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: { ...FIREBASE, salt: 'not base64!' } }, 'salt'],
    [{ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: { ...FIREBASE, saltSeparator: '' } }, 'salt_separator'],
    [{ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: { ...FIREBASE, signerKey: 'Bw==' } }, 'signer_key'],
    [{ format: 'firebase-scrypt', hash: 'Bw==', firebase: FIREBASE }, 'hash'],
    [{ format: 'md5', hash: '5f4dcc3b5aa765d61d8327deb882cf99' }, 'hash'],
  ] as Array<[ImportedHash, string]>)('refuses %j naming %s', (input, field) => {
    const r = parseImportedHash(input);
    expect(isImportRefusal(r) && r.field).toBe(field);
  });

  describe('property: malformed strings are refused, never thrown on, never verified', () => {
    /** Mutations of valid hashes: a character changed, removed or inserted, a cut, a number rewritten. */
    const VALID: Record<string, string> = {
      bcrypt: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      argon2: '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E',
      'django-pbkdf2-sha256': 'pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=',
      'firebase-scrypt': FIREBASE_HASH,
    };
    const mutated = fc.record({
      format: fc.constantFrom(...IMPORT_FORMATS),
      at: fc.nat(),
      op: fc.constantFrom('replace', 'delete', 'insert', 'cut', 'bignum'),
      ch: fc.oneof(fc.constantFrom('$', '=', ',', '0', '9', '/', '+', '.', 'a', '\u0000', 'é', ' ', '\n'), fc.string({ minLength: 1, maxLength: 1 })),
    }).map(({ format, at, op, ch }) => {
      const v = VALID[format];
      const i = at % v.length;
      const hash =
        op === 'replace' ? v.slice(0, i) + ch + v.slice(i + 1)
        : op === 'delete' ? v.slice(0, i) + v.slice(i + 1)
        : op === 'insert' ? v.slice(0, i) + ch + v.slice(i)
        : op === 'cut' ? v.slice(0, i)
        : v.replace(/\d+/, '99999999');
      return { format, hash };
    });

    it('a mutated hash is either refused, or still well formed and then never verifies another password', async () => {
      await fc.assert(
        fc.asyncProperty(mutated, async ({ format, hash }) => {
          const r = parseImportedHash({ format, hash, firebase: FIREBASE });
          if (isImportRefusal(r)) {
            expect(r.field).toBeTruthy();
            return;
          }
          // A mutation may leave a well-formed string (a changed salt character): it is then a hash of nothing known.
          expect(hasher.recognizes(r)).toBe(true);
          await expect(hasher.verify('not-the-password', r)).resolves.toBe(false);
        }),
        { numRuns: 150 },
      );
    });

    it('any string in any format: parse never throws; a refused one, stored anyway, never verifies', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...IMPORT_FORMATS), fc.string({ maxLength: 600 }), fc.string({ maxLength: 20 }), async (format, hash, password) => {
          const r = parseImportedHash({ format, hash, firebase: FIREBASE });
          expect(isImportRefusal(r)).toBe(true);
          for (const algorithm of ['bcrypt', 'argon2id', 'argon2i', 'django-pbkdf2-sha256', 'firebase-scrypt', 'bcrypt-sha384']) {
            await expect(hasher.verify(password, { algorithm, hash })).resolves.toBe(false);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('out-of-range numbers anywhere are refused (cost, iterations, m, t, p, rounds, mem_cost)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 16, max: 99 }), fc.integer({ min: 2_000_001, max: 9_999_999 }), fc.integer({ min: 262_145, max: 999_999_999 }), fc.integer({ min: 11, max: 999 }), (cost, iterations, m, t) => {
          expect(isImportRefusal(parseImportedHash({ format: 'bcrypt', hash: `$2b$${cost}$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW` }))).toBe(true);
          expect(isImportRefusal(parseImportedHash({ format: 'django-pbkdf2-sha256', hash: `pbkdf2_sha256$${iterations}$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=` }))).toBe(true);
          expect(isImportRefusal(parseImportedHash({ format: 'argon2', hash: `$argon2id$v=19$m=${m},t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E` }))).toBe(true);
          expect(isImportRefusal(parseImportedHash({ format: 'argon2', hash: `$argon2id$v=19$m=19456,t=${t},p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E` }))).toBe(true);
          expect(isImportRefusal(parseImportedHash({ format: 'argon2', hash: `$argon2id$v=19$m=19456,t=2,p=${t}$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E` }))).toBe(true);
          expect(isImportRefusal(parseImportedHash({ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: { ...FIREBASE, rounds: t + 6 } }))).toBe(true);
          expect(isImportRefusal(parseImportedHash({ format: 'firebase-scrypt', hash: FIREBASE_HASH, firebase: { ...FIREBASE, memCost: t + 7 } }))).toBe(true);
        }),
      );
    });
  });
});
