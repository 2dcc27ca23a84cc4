import { codePointLength, normalizePassword } from './password-normalization';
import { CHAR_CLASSES, CharClass, PasswordPolicy } from './password-policy';
import { PolicyViolation } from './policy-violation';
import { isCommonPassword } from './common-passwords';

export interface PasswordOwner {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
}

/** The password as the rules see it: normalized once, measured once. */
interface Candidate {
  text: string;
  length: number;
  classes: ReadonlySet<CharClass>;
  owner?: PasswordOwner;
}

type Rule = (c: Candidate, p: PasswordPolicy) => PolicyViolation[];

const MIN_USER_INFO_LENGTH = 3;

/** Other letters and numbers (CJK, titlecase, Roman numerals, ...) count toward no class. */
const CLASS_PATTERNS: Record<CharClass, RegExp> = {
  lower: /\p{Ll}/u,
  upper: /\p{Lu}/u,
  digit: /\p{Nd}/u,
  special: /[^\p{L}\p{N}]/u,
};

export function charClassesOf(text: string): Set<CharClass> {
  return new Set(CHAR_CLASSES.filter((cls) => CLASS_PATTERNS[cls].test(text)));
}

const minLength: Rule = (c, p) => (c.length < p.minLength ? [{ rule: 'minLength', min: p.minLength }] : []);

const maxLength: Rule = (c, p) => (c.length > p.maxLength ? [{ rule: 'maxLength', max: p.maxLength }] : []);

const requiredClasses: Rule = (c, p) =>
  CHAR_CLASSES.filter((cls) => p.requiredClasses.includes(cls) && !c.classes.has(cls)).map((cls) => ({
    rule: 'requiredClass',
    charClass: cls,
  }));

const minClasses: Rule = (c, p) =>
  c.classes.size < p.minClasses ? [{ rule: 'minClasses', min: p.minClasses, actual: c.classes.size }] : [];

const common: Rule = (c, p) => (p.rejectCommon && isCommonPassword(c.text) ? [{ rule: 'common' }] : []);

const userInfo: Rule = (c, p) =>
  p.rejectUserInfo && containsUserInfo(c.text, c.owner) ? [{ rule: 'userInfo' }] : [];

/** Every failed rule is reported, in this order. */
const RULES: readonly Rule[] = [minLength, maxLength, requiredClasses, minClasses, common, userInfo];

function containsUserInfo(text: string, owner: PasswordOwner | undefined): boolean {
  if (!owner) return false;
  const email = owner.email?.trim() ?? '';
  const at = email.lastIndexOf('@');
  const words = [email, at >= 0 ? email.slice(0, at) : '', owner.firstName?.trim() ?? '', owner.lastName?.trim() ?? '']
    .map((w) => normalizePassword(w).toLowerCase())
    .filter((w) => codePointLength(w) >= MIN_USER_INFO_LENGTH);
  const lower = text.toLowerCase();
  return words.some((w) => lower.includes(w));
}

/** Checks a password against a policy; pure and synchronous. History is checked elsewhere. */
export function evaluatePassword(password: string, policy: PasswordPolicy, user?: PasswordOwner): PolicyViolation[] {
  const text = normalizePassword(password);
  const candidate: Candidate = { text, length: codePointLength(text), classes: charClassesOf(text), owner: user };
  return RULES.flatMap((rule) => rule(candidate, policy));
}
