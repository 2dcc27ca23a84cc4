import type { CharClass } from './password-policy';

/**
 * What a password got wrong, as data. Each API words these in its own envelope;
 * the core never chooses sentences.
 */
export type PolicyViolation =
  | { rule: 'minLength'; min: number }
  | { rule: 'maxLength'; max: number }
  /** One per missing required class, in CHAR_CLASSES order. */
  | { rule: 'requiredClass'; charClass: CharClass }
  | { rule: 'minClasses'; min: number; actual: number }
  | { rule: 'common' }
  | { rule: 'userInfo' }
  /** From the history check, not from evaluatePassword. */
  | { rule: 'history'; size: number };

export type PolicyRule = PolicyViolation['rule'];
