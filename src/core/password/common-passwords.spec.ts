import { commonPasswordList, isCommonPassword } from './common-passwords';

describe('common password list', () => {
  it('A4 holds at least 10,000 entries from the package dictionary', () => {
    expect(commonPasswordList().size).toBeGreaterThanOrEqual(10_000);
  });

  it('is built once', () => {
    expect(commonPasswordList()).toBe(commonPasswordList());
  });

  it.each(['password1234', '123456789012', 'qwertyuiopas'])('A4 rejects %s', (pw) => {
    expect(isCommonPassword(pw)).toBe(true);
  });

  it('compares case-insensitively', () => {
    expect(isCommonPassword('PassWord1234')).toBe(true);
    expect(isCommonPassword('QWERTYUIOPAS')).toBe(true);
  });

  it('catches keyboard runs forwards and backwards, across rows', () => {
    expect(isCommonPassword('poiuytrewq')).toBe(true);
    expect(isCommonPassword('sdfghjklzx')).toBe(true);
    expect(isCommonPassword('0987654321')).toBe(true);
  });

  it('compares the entire password: a listed word with something around it is not common', () => {
    expect(isCommonPassword('password1234!')).toBe(false);
    expect(isCommonPassword('my qwertyuiopas')).toBe(false);
  });

  it('lets an uncommon passphrase through', () => {
    expect(isCommonPassword('correct horse battery staple')).toBe(false);
    expect(isCommonPassword('Tr0ub4dor&3-velvet')).toBe(false);
  });
});
