import {
  CURRENT_ALGORITHM,
  LEGACY_BCRYPT_ALGORITHM,
  parseBcryptCost,
  PasswordHasher,
  StoredPasswordHash,
} from './password-hasher';

// The module object itself: the hasher reads through to it, so spies on it see the hasher's calls.
const bcrypt: typeof import('bcrypt') = jest.requireActual('bcrypt');
const argon2: typeof import('@node-rs/argon2') = jest.requireActual('@node-rs/argon2');

const BCRYPT_FORMAT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

describe('PasswordHasher', () => {
  const sut = new PasswordHasher({ cost: 4 });

  describe('hash and verify', () => {
    it('round-trips a password', async () => {
      const stored = await sut.hash('Correct-Horse-1');
      await expect(sut.verify('Correct-Horse-1', stored)).resolves.toBe(true);
      await expect(sut.verify('Correct-Horse-2', stored)).resolves.toBe(false);
    });

    it('A11 stores a bare bcrypt string at the configured cost under the current scheme', async () => {
      const stored = await sut.hash('Correct-Horse-1');
      expect(stored.algorithm).toBe(CURRENT_ALGORITHM);
      expect(stored.algorithm).toBe('bcrypt-sha384');
      expect(stored.hash).toMatch(BCRYPT_FORMAT);
      expect(stored.hash.startsWith('$2b$04$')).toBe(true);
    });

    it('A11 salts each hash: the same password twice gives two different hashes, both valid', async () => {
      const [a, b] = await Promise.all([sut.hash('same-Password-1'), sut.hash('same-Password-1')]);
      expect(a.hash).not.toBe(b.hash);
      await expect(sut.verify('same-Password-1', a)).resolves.toBe(true);
      await expect(sut.verify('same-Password-1', b)).resolves.toBe(true);
    });

    it('A8 checks the whole password: two 80-character passwords differing after byte 72 do not match', async () => {
      const p = 'a'.repeat(72) + 'ORIGINAL';
      const q = p.slice(0, 72) + 'DIFFERENT';
      expect(p).toHaveLength(80);
      const stored = await sut.hash(p);
      await expect(sut.verify(p, stored)).resolves.toBe(true);
      await expect(sut.verify(q, stored)).resolves.toBe(false);
      await expect(sut.verify(p.slice(0, 72), stored)).resolves.toBe(false);
    });

    it('A8 checks the whole password for long multibyte passwords too', async () => {
      const p = '\u{1F600}'.repeat(30); // 120 UTF-8 bytes
      const stored = await sut.hash(p);
      await expect(sut.verify(p, stored)).resolves.toBe(true);
      await expect(sut.verify('\u{1F600}'.repeat(29) + '\u{1F601}', stored)).resolves.toBe(false);
    });

    it('A10 an embedded NUL does not shorten the secret', async () => {
      const stored = await sut.hash('abc\u0000defghijklmno');
      await expect(sut.verify('abc\u0000defghijklmno', stored)).resolves.toBe(true);
      await expect(sut.verify('abc\u0000zzzzzzzzzzz', stored)).resolves.toBe(false);
      await expect(sut.verify('abc', stored)).resolves.toBe(false);
    });

    it('A9 is case-sensitive and does not trim', async () => {
      const stored = await sut.hash('Secret-Phrase-xyz');
      await expect(sut.verify('secret-phrase-xyz', stored)).resolves.toBe(false);
      await expect(sut.verify(' Secret-Phrase-xyz ', stored)).resolves.toBe(false);
    });

    it('A7 verifies decomposed é against a password set with precomposed é, and the reverse', async () => {
      const precomposed = await sut.hash('caf\u00e9-Secret-1');
      const decomposed = await sut.hash('cafe\u0301-Secret-1');
      await expect(sut.verify('cafe\u0301-Secret-1', precomposed)).resolves.toBe(true);
      await expect(sut.verify('caf\u00e9-Secret-1', decomposed)).resolves.toBe(true);
    });

    it('A7 verifies fi against a password set with the ligature ﬁ', async () => {
      const stored = await sut.hash('\ufb01sh-Secret-1');
      await expect(sut.verify('fish-Secret-1', stored)).resolves.toBe(true);
    });

    it('never passes the raw password to bcrypt', async () => {
      const spy = jest.spyOn(bcrypt, 'hash');
      try {
        await sut.hash('Visible-Secret-1');
        expect(spy).toHaveBeenCalledTimes(1);
        const input = spy.mock.calls[0][0] as string;
        expect(input).not.toContain('Visible-Secret-1');
        expect(input).toMatch(/^[A-Za-z0-9+/]{64}$/); // base64 of 48 bytes: fits bcrypt's 72
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('legacy plain bcrypt', () => {
    const legacy = async (password: string): Promise<StoredPasswordHash> => ({
      hash: await bcrypt.hash(password, 4),
      algorithm: LEGACY_BCRYPT_ALGORITHM,
    });

    it('verifies an imported plain bcrypt hash', async () => {
      const stored = await legacy('Imported-Secret-1');
      await expect(sut.verify('Imported-Secret-1', stored)).resolves.toBe(true);
      await expect(sut.verify('Imported-Secret-2', stored)).resolves.toBe(false);
    });

    it('A7 verifies the imported hash with the password in NFKC', async () => {
      const stored = await legacy('caf\u00e9-Secret-1');
      await expect(sut.verify('cafe\u0301-Secret-1', stored)).resolves.toBe(true);
    });

    it('accepts exactly 72 UTF-8 bytes', async () => {
      const p = 'x'.repeat(72);
      await expect(sut.verify(p, await legacy(p))).resolves.toBe(true);
    });

    it('A8 refuses a password over 72 UTF-8 bytes rather than check only its start', async () => {
      const p = 'x'.repeat(72);
      const stored = await legacy(p);
      await expect(sut.verify(p + 'y', stored)).resolves.toBe(false);
      const multibyte = '\u00e9'.repeat(37); // 37 characters, 74 bytes
      await expect(sut.verify(multibyte, await legacy(multibyte))).resolves.toBe(false);
    });

    it('needs a rehash', async () => {
      expect(sut.needsRehash(await legacy('Imported-Secret-1'))).toBe(true);
    });
  });

  describe('stored values it cannot use', () => {
    it.each([
      ['an unknown algorithm', { hash: '$2b$04$' + 'a'.repeat(53), algorithm: 'argon2id' }],
      ['an empty hash', { hash: '', algorithm: CURRENT_ALGORITHM }],
      ['a malformed hash', { hash: 'not-a-bcrypt-hash', algorithm: CURRENT_ALGORITHM }],
      ['a truncated hash', { hash: '$2b$04$abc', algorithm: LEGACY_BCRYPT_ALGORITHM }],
      ['a null hash', { hash: null as unknown as string, algorithm: CURRENT_ALGORITHM }],
    ])('verify answers false for %s and does not throw', async (_name, stored) => {
      await expect(sut.verify('whatever', stored)).resolves.toBe(false);
    });

    it('verify answers false for a real hash stored under an unknown algorithm', async () => {
      const { hash } = await sut.hash('Correct-Horse-1');
      await expect(sut.verify('Correct-Horse-1', { hash, algorithm: 'md5' })).resolves.toBe(false);
    });
  });

  describe('needsRehash', () => {
    it('is false for a current hash at the configured cost', async () => {
      expect(sut.needsRehash(await sut.hash('Correct-Horse-1'))).toBe(false);
    });

    it('is true when the configured cost differs', async () => {
      const stored = await sut.hash('Correct-Horse-1');
      expect(new PasswordHasher({ cost: 5 }).needsRehash(stored)).toBe(true);
    });

    it('is true for a malformed hash', () => {
      expect(sut.needsRehash({ hash: 'garbage', algorithm: CURRENT_ALGORITHM })).toBe(true);
    });
  });

  describe('verifyAgainstDummy', () => {
    it('always answers false, after one bcrypt compare at the configured cost', async () => {
      const compare = jest.spyOn(bcrypt, 'compare');
      try {
        await expect(sut.verifyAgainstDummy('anything')).resolves.toBe(false);
        await expect(sut.verifyAgainstDummy('')).resolves.toBe(false);
        expect(compare).toHaveBeenCalledTimes(2);
        const dummy = compare.mock.calls[0][1] as string;
        expect(parseBcryptCost(dummy)).toBe(4);
        expect(compare.mock.calls[1][1]).toBe(dummy);
      } finally {
        compare.mockRestore();
      }
    });

    it('computes the dummy hash once, lazily', async () => {
      const hash = jest.spyOn(bcrypt, 'hash');
      try {
        const fresh = new PasswordHasher({ cost: 4 });
        expect(hash).not.toHaveBeenCalled();
        await Promise.all([fresh.verifyAgainstDummy('a'), fresh.verifyAgainstDummy('b')]);
        await fresh.verifyAgainstDummy('c');
        expect(hash).toHaveBeenCalledTimes(1);
      } finally {
        hash.mockRestore();
      }
    });
  });

  describe('configuration', () => {
    it.each([3, 32, 10.5, NaN])('refuses cost %p', (cost) => {
      expect(() => new PasswordHasher({ cost })).toThrow(RangeError);
    });

    it('refuses an unknown scheme', () => {
      expect(() => new PasswordHasher({ cost: 4, scheme: 'md5' as never })).toThrow(RangeError);
    });
  });
});

describe('PasswordHasher with PASSWORD_HASH=argon2id', () => {
  // Cheap parameters for speed; the defaults (OWASP m=19456, t=2, p=1) are asserted once below.
  const params = { memoryKiB: 64, timeCost: 1, parallelism: 1 };
  const sut = new PasswordHasher({ cost: 4, scheme: 'argon2id', argon2: params });
  const bcryptHasher = new PasswordHasher({ cost: 4 });

  it('writes argon2id PHC strings under algorithm argon2id, at OWASP parameters by default', async () => {
    const stored = await new PasswordHasher({ cost: 4, scheme: 'argon2id' }).hash('Correct-Horse-1');
    expect(stored.algorithm).toBe('argon2id');
    expect(stored.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(new PasswordHasher({ cost: 4, scheme: 'argon2id' }).algorithm).toBe('argon2id');
    expect(bcryptHasher.algorithm).toBe('bcrypt-sha384');
  });

  it('A8 A10 A7 verifies the whole NFKC password', async () => {
    const long = await sut.hash('a'.repeat(72) + 'ORIGINAL');
    await expect(sut.verify('a'.repeat(72) + 'ORIGINAL', long)).resolves.toBe(true);
    await expect(sut.verify('a'.repeat(72) + 'DIFFERENT', long)).resolves.toBe(false);
    await expect(sut.verify('abc', await sut.hash('abc\u0000def'))).resolves.toBe(false);
    await expect(sut.verify('cafe\u0301-Secret-1', await sut.hash('caf\u00e9-Secret-1'))).resolves.toBe(true);
  });

  it('needsRehash: a bcrypt hash needs one under argon2id, and an argon2id hash needs one under bcrypt', async () => {
    const argon = await sut.hash('Correct-Horse-1');
    const bcrypt = await bcryptHasher.hash('Correct-Horse-1');
    expect(sut.needsRehash(argon)).toBe(false);
    expect(sut.needsRehash(bcrypt)).toBe(true);
    expect(bcryptHasher.needsRehash(argon)).toBe(true);
    expect(bcryptHasher.needsRehash(bcrypt)).toBe(false);
    // Both hashers still verify both: switching schemes never locks anyone out.
    await expect(sut.verify('Correct-Horse-1', bcrypt)).resolves.toBe(true);
    await expect(bcryptHasher.verify('Correct-Horse-1', argon)).resolves.toBe(true);
  });

  it('needsRehash: an argon2id hash at other parameters needs one; argon2i always does', async () => {
    const other = await new PasswordHasher({ cost: 4, scheme: 'argon2id', argon2: { ...params, timeCost: 2 } }).hash('pw');
    expect(sut.needsRehash(other)).toBe(true);
    expect(sut.needsRehash({ algorithm: 'argon2i', hash: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG' })).toBe(true);
  });

  it('C2 verifyAgainstDummy runs one argon2id verify with the configured parameters (the metrics label says argon2id)', async () => {
    const seen: string[] = [];
    const fresh = new PasswordHasher({ cost: 4, scheme: 'argon2id', argon2: params });
    fresh.observe((algorithm, operation) => seen.push(`${algorithm} ${operation}`));
    const spy = jest.spyOn(argon2, 'verify');
    try {
      await expect(fresh.verifyAgainstDummy('anything')).resolves.toBe(false);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0][0]).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual(['argon2id verify']);
    expect(fresh.queueDepth).toBe(0);
  });
});

describe('parseBcryptCost', () => {
  it.each([
    ['$2b$12$' + 'a'.repeat(53), 12],
    ['$2a$10$' + './'.repeat(26) + 'Z', 10],
    ['$2y$04$' + 'A'.repeat(53), 4],
  ])('reads the cost of %s', (hash, cost) => {
    expect(parseBcryptCost(hash)).toBe(cost);
  });

  it.each([
    ['another prefix', '$2x$12$' + 'a'.repeat(53)],
    ['a short body', '$2b$12$' + 'a'.repeat(52)],
    ['a one-digit cost', '$2b$4$' + 'a'.repeat(53)],
    ['a character outside the bcrypt alphabet', '$2b$12$' + 'a'.repeat(52) + '+'],
    ['an empty string', ''],
  ])('answers null for %s', (_name, hash) => {
    expect(parseBcryptCost(hash)).toBeNull();
  });
});
