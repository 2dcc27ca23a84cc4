import { checkPasswordHistory, matchesAnyRecent } from './password-history.check';
import { PasswordHasher, StoredPasswordHash } from './password-hasher';

describe('password history', () => {
  const hasher = new PasswordHasher({ cost: 4 });
  let recent: StoredPasswordHash[]; // P6 (current) .. P2, newest first
  const passwords = ['P1-Secret!', 'P2-Secret!', 'P3-Secret!', 'P4-Secret!', 'P5-Secret!', 'P6-Secret!'];

  beforeAll(async () => {
    recent = await Promise.all(passwords.slice(1).reverse().map((p) => hasher.hash(p)));
  });

  describe('matchesAnyRecent', () => {
    it.each(passwords.slice(1))('A13 finds %s among the current and last four', async (pw) => {
      await expect(matchesAnyRecent(hasher, pw, recent)).resolves.toBe(true);
    });

    it('A13 lets the sixth password back through', async () => {
      await expect(matchesAnyRecent(hasher, 'P1-Secret!', recent)).resolves.toBe(false);
    });

    it('answers false for an empty history', async () => {
      await expect(matchesAnyRecent(hasher, 'P6-Secret!', [])).resolves.toBe(false);
    });

    it('A7 compares with the same normalization as verification', async () => {
      const stored = [await hasher.hash('caf\u00e9-Secret-1')];
      await expect(matchesAnyRecent(hasher, 'cafe\u0301-Secret-1', stored)).resolves.toBe(true);
    });

    it('skips stored values it cannot use instead of throwing', async () => {
      const mixed = [{ hash: 'garbage', algorithm: 'unknown' }, recent[0]];
      await expect(matchesAnyRecent(hasher, 'P6-Secret!', mixed)).resolves.toBe(true);
    });

    it('starts every comparison before any of them finishes', async () => {
      const pending: Array<(matched: boolean) => void> = [];
      const verify = jest
        .spyOn(hasher, 'verify')
        .mockImplementation(() => new Promise<boolean>((resolve) => pending.push(resolve)));
      try {
        const result = matchesAnyRecent(hasher, 'P6-Secret!', recent);
        await Promise.resolve();
        expect(verify).toHaveBeenCalledTimes(recent.length);
        pending.forEach((resolve, i) => resolve(i === recent.length - 1));
        await expect(result).resolves.toBe(true);
      } finally {
        verify.mockRestore();
      }
    });
  });

  describe('checkPasswordHistory', () => {
    it('A13 reports a reused password as a history violation with the policy size', async () => {
      await expect(checkPasswordHistory(hasher, 'P3-Secret!', { historySize: 5 }, recent)).resolves.toEqual([
        { rule: 'history', size: 5 },
      ]);
    });

    it('reports nothing for a new password', async () => {
      await expect(checkPasswordHistory(hasher, 'P7-Secret!', { historySize: 5 }, recent)).resolves.toEqual([]);
    });

    it('is off at history size 0, without comparing anything', async () => {
      const verify = jest.spyOn(hasher, 'verify');
      try {
        await expect(checkPasswordHistory(hasher, 'P6-Secret!', { historySize: 0 }, recent)).resolves.toEqual([]);
        expect(verify).not.toHaveBeenCalled();
      } finally {
        verify.mockRestore();
      }
    });
  });
});
