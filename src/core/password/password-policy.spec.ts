import { CharClass, completePolicy, DEFAULT_PASSWORD_POLICY, PasswordPolicy, policyProblems } from './password-policy';

const policy = (over: Partial<PasswordPolicy> = {}): PasswordPolicy => ({ ...completePolicy(null), ...over });

describe('DEFAULT_PASSWORD_POLICY', () => {
  it('is the contract default', () => {
    expect(DEFAULT_PASSWORD_POLICY).toEqual({
      minLength: 8,
      maxLength: 99,
      requiredClasses: ['lower', 'upper', 'digit', 'special'],
      minClasses: 0,
      historySize: 0,
      maxAgeDays: 0,
      rejectCommon: true,
      rejectUserInfo: false,
      passwordLogin: true,
    });
  });

  it('A1 has a minimum length of at least 8', () => {
    expect(DEFAULT_PASSWORD_POLICY.minLength).toBeGreaterThanOrEqual(8);
  });

  it('passes its own consistency checks', () => {
    expect(policyProblems(DEFAULT_PASSWORD_POLICY)).toEqual([]);
  });
});

describe('completePolicy', () => {
  it('returns the default for null and undefined', () => {
    expect(completePolicy(null)).toEqual(DEFAULT_PASSWORD_POLICY);
    expect(completePolicy(undefined)).toEqual(DEFAULT_PASSWORD_POLICY);
  });

  it('keeps given fields and fills the missing ones from the default', () => {
    const sut = completePolicy({ maxLength: 30, historySize: 5 });
    expect(sut).toEqual({ ...DEFAULT_PASSWORD_POLICY, maxLength: 30, historySize: 5 });
  });

  it('keeps falsy values that were given (0, false, empty list)', () => {
    const sut = completePolicy({ minClasses: 0, rejectCommon: false, passwordLogin: false, requiredClasses: [] });
    expect(sut).toMatchObject({ minClasses: 0, rejectCommon: false, passwordLogin: false, requiredClasses: [] });
  });

  it('fills from the given base', () => {
    const base = policy({ minLength: 12, maxLength: 128 });
    expect(completePolicy({ minClasses: 3 }, base)).toEqual({ ...base, minClasses: 3 });
  });

  it('copies the class list so neither side can change the other', () => {
    const given: CharClass[] = ['digit'];
    const fromGiven = completePolicy({ requiredClasses: given });
    const fromDefault = completePolicy({});
    fromGiven.requiredClasses.push('lower');
    fromDefault.requiredClasses.push('lower');
    expect(given).toEqual(['digit']);
    expect(DEFAULT_PASSWORD_POLICY.requiredClasses).toEqual(['lower', 'upper', 'digit', 'special']);
    // and the other way: changing the given list afterwards leaves the completed policy as it was
    given.push('special');
    expect(fromGiven.requiredClasses).toEqual(['digit', 'lower']);
  });

  it('drops fields that are not part of a policy', () => {
    const sut = completePolicy({ minLength: 9, extra: 'x' } as Partial<PasswordPolicy>);
    expect(sut).not.toHaveProperty('extra');
  });

  it('expresses every seed policy', () => {
    expect(policyProblems(completePolicy({ maxLength: 30, historySize: 5 }))).toEqual([]);
    expect(policyProblems(completePolicy({ maxLength: 128, requiredClasses: [], minClasses: 3 }))).toEqual([]);
  });
});

describe('policyProblems', () => {
  it.each([
    ['minLength 0', { minLength: 0 }, 'minLength'],
    ['A1 minLength 7, below the floor of 8', { minLength: 7 }, 'minLength'],
    ['minLength not an integer', { minLength: 8.5 }, 'minLength'],
    ['maxLength below minLength', { minLength: 10, maxLength: 9 }, 'maxLength'],
    ['maxLength above 1024', { maxLength: 1025 }, 'maxLength'],
    ['minClasses -1', { minClasses: -1 }, 'minClasses'],
    ['minClasses 5', { minClasses: 5 }, 'minClasses'],
    ['historySize -1', { historySize: -1 }, 'historySize'],
    ['historySize 25', { historySize: 25 }, 'historySize'],
    ['maxAgeDays -1', { maxAgeDays: -1 }, 'maxAgeDays'],
    ['an unknown class', { requiredClasses: ['lower', 'emoji' as CharClass] }, 'requiredClasses'],
    ['a repeated class', { requiredClasses: ['lower', 'lower'] as CharClass[] }, 'requiredClasses'],
  ])('reports %s with a sentence naming the field', (_name, over, field) => {
    const problems = policyProblems(policy(over as Partial<PasswordPolicy>));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(field);
    expect(problems[0]).toMatch(/^[a-zA-Z].*\.$/);
  });

  it.each([
    ['minLength 8 = maxLength 8', { minLength: 8, maxLength: 8 }],
    ['maxLength 1024', { maxLength: 1024 }],
    ['minClasses 4', { minClasses: 4 }],
    ['historySize 24', { historySize: 24 }],
    ['maxAgeDays 365', { maxAgeDays: 365 }],
    ['no required classes', { requiredClasses: [] }],
  ])('accepts the boundary %s', (_name, over) => {
    expect(policyProblems(policy(over as Partial<PasswordPolicy>))).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(policyProblems(policy({ minLength: 0, minClasses: 9, historySize: 99 }))).toHaveLength(3);
  });
});
