import { evaluatePassword } from './password-policy.evaluator';
import { normalizePassword } from './password-normalization';
import { completePolicy, PasswordPolicy } from './password-policy';

/** A policy with every rule off unless a test turns it on. */
const open = (over: Partial<PasswordPolicy> = {}): PasswordPolicy =>
  completePolicy({ minLength: 1, maxLength: 1024, requiredClasses: [], rejectCommon: false, ...over });
const rules = (pw: string, policy: PasswordPolicy, user?: Parameters<typeof evaluatePassword>[2]) =>
  evaluatePassword(pw, policy, user).map((v) => v.rule);

const EMOJI = '\u{1F600}'; // 😀, 4 UTF-8 bytes, 2 UTF-16 units

describe('normalizePassword', () => {
  it('A7 applies NFKC', () => {
    expect(normalizePassword('e\u0301')).toBe('\u00e9');
    expect(normalizePassword('\ufb01')).toBe('fi');
  });

  it('A9 neither trims nor changes case', () => {
    expect(normalizePassword(' Pass ')).toBe(' Pass ');
  });
});

describe('evaluatePassword', () => {
  describe('length', () => {
    const policy = open({ minLength: 8, maxLength: 12 });

    it('A1 rejects min-1 characters', () => {
      expect(evaluatePassword('a'.repeat(7), policy)).toEqual([{ rule: 'minLength', min: 8 }]);
    });

    it('A1 accepts exactly min characters', () => {
      expect(evaluatePassword('a'.repeat(8), policy)).toEqual([]);
    });

    it('accepts exactly max characters', () => {
      expect(evaluatePassword('a'.repeat(12), policy)).toEqual([]);
    });

    it('rejects max+1 characters', () => {
      expect(evaluatePassword('a'.repeat(13), policy)).toEqual([{ rule: 'maxLength', max: 12 }]);
    });

    it('rejects the empty password', () => {
      expect(rules('', policy)).toEqual(['minLength']);
    });

    it('A2 accepts a 64-character password under the default policy', () => {
      expect(evaluatePassword('Aa1!'.repeat(16), completePolicy(null))).toEqual([]);
    });

    it('A6 counts 8 emoji as 8 characters: passes at min 8, fails at min 9', () => {
      const pw = EMOJI.repeat(8);
      expect(pw.length).toBe(16);
      expect(evaluatePassword(pw, open({ minLength: 8 }))).toEqual([]);
      expect(evaluatePassword(pw, open({ minLength: 9 }))).toEqual([{ rule: 'minLength', min: 9 }]);
    });

    it('A6 counts emoji as one character each against the maximum', () => {
      expect(evaluatePassword(EMOJI.repeat(8), open({ maxLength: 8 }))).toEqual([]);
      expect(evaluatePassword(EMOJI.repeat(9), open({ maxLength: 8 }))).toEqual([{ rule: 'maxLength', max: 8 }]);
    });

    it('A7 counts after NFKC: decomposed é is one character, ﬁ is two', () => {
      expect(evaluatePassword('e\u0301'.repeat(8), open({ maxLength: 8 }))).toEqual([]);
      expect(evaluatePassword('\ufb01'.repeat(4), open({ minLength: 8 }))).toEqual([]);
      expect(evaluatePassword('\ufb01'.repeat(4), open({ maxLength: 7 }))).toEqual([{ rule: 'maxLength', max: 7 }]);
    });
  });

  describe('required classes', () => {
    const all = open({ requiredClasses: ['lower', 'upper', 'digit', 'special'] });

    it('accepts a password with all four classes', () => {
      expect(evaluatePassword('aA1!', all)).toEqual([]);
    });

    it.each([
      ['lower', 'AA1!'],
      ['upper', 'aa1!'],
      ['digit', 'aA!!'],
      ['special', 'aA11'],
    ] as const)('reports a missing %s', (charClass, pw) => {
      expect(evaluatePassword(pw, all)).toEqual([{ rule: 'requiredClass', charClass }]);
    });

    it('reports each missing class once, in the order lower, upper, digit, special', () => {
      const policy = open({ requiredClasses: ['special', 'digit', 'upper', 'lower'] });
      expect(evaluatePassword('        ', policy)).toEqual([
        { rule: 'requiredClass', charClass: 'lower' },
        { rule: 'requiredClass', charClass: 'upper' },
        { rule: 'requiredClass', charClass: 'digit' },
      ]);
    });

    it('checks only the classes the policy requires', () => {
      expect(evaluatePassword('abcdefgh', open({ requiredClasses: ['lower'] }))).toEqual([]);
      expect(rules('abcdefgh', open({ requiredClasses: ['digit'] }))).toEqual(['requiredClass']);
    });

    it('A3 requires no class when the list is empty', () => {
      expect(evaluatePassword('correct horse battery staple', completePolicy({ requiredClasses: [] }))).toEqual([]);
    });

    it('counts a space as special', () => {
      expect(evaluatePassword('aA1 ', all)).toEqual([]);
    });

    it('counts an emoji as special', () => {
      expect(evaluatePassword(`aA1${EMOJI}`, all)).toEqual([]);
    });

    it('A6 accepts mixed scripts: Cyrillic, Greek and Arabic-Indic digits fill the classes', () => {
      expect(evaluatePassword('пАРОЛЬ-\u0663', all)).toEqual([]); // ٣ ARABIC-INDIC DIGIT THREE is Nd
      expect(evaluatePassword('λΩ5#Straße', all)).toEqual([]);
    });

    it('counts letters without case (CJK) toward no class, not as special', () => {
      expect(rules('密码密码密码密码', open({ requiredClasses: ['special'] }))).toEqual(['requiredClass']);
      expect(evaluatePassword('密码密码密码密码', open({ minLength: 8 }))).toEqual([]);
    });

    it('A7 sees the classes of the normalized form: a fullwidth Ａ is upper, a superscript ² a digit', () => {
      expect(evaluatePassword('\uff21a!\u00b2', all)).toEqual([]);
    });
  });

  describe('minClasses (k of 4)', () => {
    const threeOfFour = open({ minClasses: 3 });

    it.each([
      ['aA1', 'lower, upper, digit'],
      ['aA!', 'lower, upper, special'],
      ['a1!', 'lower, digit, special'],
      ['A1!', 'upper, digit, special'],
      ['aA1!', 'all four'],
    ])('accepts %s (%s)', (pw) => {
      expect(evaluatePassword(pw, threeOfFour)).toEqual([]);
    });

    it('reports two classes out of a required three, with the numbers', () => {
      expect(evaluatePassword('abcD', threeOfFour)).toEqual([{ rule: 'minClasses', min: 3, actual: 2 }]);
    });

    it('is off at 0', () => {
      expect(evaluatePassword('aaaa', open({ minClasses: 0 }))).toEqual([]);
    });

    it('requires every class at 4', () => {
      expect(evaluatePassword('aA1 ', open({ minClasses: 4 }))).toEqual([]);
      expect(evaluatePassword('aA1b', open({ minClasses: 4 }))).toEqual([{ rule: 'minClasses', min: 4, actual: 3 }]);
    });

    it('applies on top of required classes', () => {
      expect(evaluatePassword('abcd', open({ minClasses: 2, requiredClasses: ['digit'] }))).toEqual([
        { rule: 'requiredClass', charClass: 'digit' },
        { rule: 'minClasses', min: 2, actual: 1 },
      ]);
    });
  });

  describe('common passwords', () => {
    it.each(['password1234', '123456789012', 'qwertyuiopas'])('A4 rejects %s', (pw) => {
      expect(evaluatePassword(pw, open({ rejectCommon: true }))).toEqual([{ rule: 'common' }]);
    });

    it('A4 rejects a listed password whatever its case', () => {
      expect(rules('PASSWORD1234', open({ rejectCommon: true }))).toEqual(['common']);
    });

    it('A7 rejects a listed password written in fullwidth characters', () => {
      expect(rules('ｐａｓｓｗｏｒｄ１２３４', open({ rejectCommon: true }))).toEqual(['common']);
    });

    it('accepts a listed password when the rule is off', () => {
      expect(evaluatePassword('password1234', open({ rejectCommon: false }))).toEqual([]);
    });

    it('is on in the default policy', () => {
      expect(rules('password1234', completePolicy(null))).toContain('common');
    });
  });

  describe('user info', () => {
    const user = { email: 'Mike.Rowe@example.org', firstName: 'Michael', lastName: 'Rowe' };
    const policy = open({ rejectUserInfo: true });

    it.each([
      ['the whole email', 'mike.rowe@example.org'],
      ['the email local part', 'xx-mike.rowe-99'],
      ['the first name', 'iamMICHAEL!'],
      ['the last name', 'rowe-rowe-your-boat'],
    ])('A5 rejects a password containing %s, case-insensitively', (_what, pw) => {
      expect(evaluatePassword(pw, policy, user)).toEqual([{ rule: 'userInfo' }]);
    });

    it('A5 compares after NFKC on both sides', () => {
      expect(rules('ＭＩＣＨＡＥＬ-2024', policy, user)).toEqual(['userInfo']);
      expect(rules('x-\ufb01nn-x', policy, { firstName: 'Finn' })).toEqual(['userInfo']);
    });

    it('ignores names and local parts shorter than 3 characters', () => {
      expect(evaluatePassword('jo-al-xy-secret', policy, { email: 'xy@ex.io', firstName: 'Jo', lastName: 'Al' })).toEqual(
        [],
      );
    });

    it('uses names of exactly 3 characters', () => {
      expect(rules('my-ann-secret', policy, { firstName: 'Ann' })).toEqual(['userInfo']);
    });

    it('tolerates a missing user, null fields and blank names', () => {
      expect(evaluatePassword('anything', policy)).toEqual([]);
      expect(evaluatePassword('anything', policy, { email: null, firstName: null, lastName: '   ' })).toEqual([]);
    });

    it('is off by default', () => {
      expect(rules('Michael-Rowe-1!', completePolicy(null), user)).not.toContain('userInfo');
    });
  });

  describe('reporting', () => {
    it('reports every failed rule, in the order minLength, requiredClass, minClasses, common, userInfo', () => {
      const policy = completePolicy({ minLength: 20, minClasses: 3, rejectUserInfo: true });
      expect(evaluatePassword('password1234', policy, { firstName: 'Sword' })).toEqual([
        { rule: 'minLength', min: 20 },
        { rule: 'requiredClass', charClass: 'upper' },
        { rule: 'requiredClass', charClass: 'special' },
        { rule: 'minClasses', min: 3, actual: 2 },
        { rule: 'common' },
        { rule: 'userInfo' },
      ]);
    });

    it('still reports the other rules when the password is too long', () => {
      expect(evaluatePassword('a'.repeat(100), completePolicy(null))).toEqual([
        { rule: 'maxLength', max: 99 },
        { rule: 'requiredClass', charClass: 'upper' },
        { rule: 'requiredClass', charClass: 'digit' },
        { rule: 'requiredClass', charClass: 'special' },
      ]);
    });

    it('J1 evaluates a 1,000,000-character password quickly', () => {
      const started = performance.now();
      expect(rules('aA1!'.repeat(250_000), completePolicy(null))).toEqual(['maxLength']);
      expect(performance.now() - started).toBeLessThan(500);
    });
  });
});
