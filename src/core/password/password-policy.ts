export type CharClass = 'lower' | 'upper' | 'digit' | 'special';

export const CHAR_CLASSES: readonly CharClass[] = ['lower', 'upper', 'digit', 'special'];

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  requiredClasses: CharClass[];
  /** k of the 4 classes, on top of requiredClasses; 0 = off. */
  minClasses: number;
  /** Reject the current password and the ones before it, this many in all; 0 = off. */
  historySize: number;
  /** 0 = the password never expires. */
  maxAgeDays: number;
  rejectCommon: boolean;
  rejectUserInfo: boolean;
  /** false = the account does not sign in with passwords. */
  passwordLogin: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = Object.freeze({
  minLength: 8,
  maxLength: 99,
  requiredClasses: Object.freeze(['lower', 'upper', 'digit', 'special']) as CharClass[],
  minClasses: 0,
  historySize: 0,
  maxAgeDays: 0,
  rejectCommon: true,
  rejectUserInfo: false,
  passwordLogin: true,
});

export const MAX_POLICY_LENGTH = 1024;
/** No policy may allow passwords shorter than 8 (SECURITY.md A1, NIST SP 800-63B §3.1.1.2). */
export const MIN_POLICY_LENGTH = 8;
export const MAX_HISTORY_SIZE = 24;

/** A full policy from a partial one: missing (or null) fields come from `base`; arrays are copied. */
export function completePolicy(
  partial: Partial<PasswordPolicy> | null | undefined,
  base: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): PasswordPolicy {
  const p = partial ?? {};
  return {
    minLength: p.minLength ?? base.minLength,
    maxLength: p.maxLength ?? base.maxLength,
    requiredClasses: [...(p.requiredClasses ?? base.requiredClasses)],
    minClasses: p.minClasses ?? base.minClasses,
    historySize: p.historySize ?? base.historySize,
    maxAgeDays: p.maxAgeDays ?? base.maxAgeDays,
    rejectCommon: p.rejectCommon ?? base.rejectCommon,
    rejectUserInfo: p.rejectUserInfo ?? base.rejectUserInfo,
    passwordLogin: p.passwordLogin ?? base.passwordLogin,
  };
}

const isIntIn = (n: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  Number.isInteger(n) && (n as number) >= min && (n as number) <= max;

/** Consistency problems of an admin-supplied policy, one sentence each; empty = fine. */
export function policyProblems(p: PasswordPolicy): string[] {
  const problems: string[] = [];
  if (!isIntIn(p.minLength, MIN_POLICY_LENGTH)) problems.push(`minLength must be an integer of at least ${MIN_POLICY_LENGTH}.`);
  if (!isIntIn(p.maxLength, MIN_POLICY_LENGTH, MAX_POLICY_LENGTH)) {
    problems.push(`maxLength must be an integer from ${MIN_POLICY_LENGTH} to ${MAX_POLICY_LENGTH}.`);
  } else if (isIntIn(p.minLength, MIN_POLICY_LENGTH) && p.maxLength < p.minLength) {
    problems.push('maxLength must not be less than minLength.');
  }
  if (!isIntIn(p.minClasses, 0, CHAR_CLASSES.length)) {
    problems.push(`minClasses must be an integer from 0 to ${CHAR_CLASSES.length}.`);
  }
  if (!isIntIn(p.historySize, 0, MAX_HISTORY_SIZE)) {
    problems.push(`historySize must be an integer from 0 to ${MAX_HISTORY_SIZE}.`);
  }
  if (!isIntIn(p.maxAgeDays, 0)) problems.push('maxAgeDays must be an integer of at least 0.');
  if (!Array.isArray(p.requiredClasses)) {
    problems.push('requiredClasses must be a list.');
  } else {
    const unknown = p.requiredClasses.filter((c) => !CHAR_CLASSES.includes(c));
    if (unknown.length > 0) {
      problems.push(`requiredClasses may only contain ${CHAR_CLASSES.join(', ')}.`);
    }
    if (new Set(p.requiredClasses).size !== p.requiredClasses.length) {
      problems.push('requiredClasses must not repeat a class.');
    }
  }
  return problems;
}
