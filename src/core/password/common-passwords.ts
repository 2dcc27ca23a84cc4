/**
 * Offline list of common passwords: the `passwords-common` dictionary of @zxcvbn-ts/language-common
 * (about 49,000 entries from breach corpora), loaded on first use.
 *
 * The list lacks some keyboard walks that cross rows (`qwertyuiopas`), so a password that is one
 * keyboard run (a stretch of the rows below, read forwards or backwards) also counts as common.
 * Nothing else is derived from the list: a listed word plus extra characters is not rejected (A4).
 */
type LanguageCommon = typeof import('@zxcvbn-ts/language-common');

const KEYBOARD_ROWS = ['1234567890', 'qwertyuiopasdfghjklzxcvbnm'];
const KEYBOARD_RUNS = [...KEYBOARD_ROWS, ...KEYBOARD_ROWS.map((row) => [...row].reverse().join(''))];
const MIN_KEYBOARD_RUN = 4;

let list: ReadonlySet<string> | undefined;

/** The listed passwords, lowercased. */
export function commonPasswordList(): ReadonlySet<string> {
  if (!list) {
    // Required here, not imported at the top, so the dictionary is only built when needed.
    const { dictionary } = require('@zxcvbn-ts/language-common') as LanguageCommon;
    list = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return list;
}

function isKeyboardRun(lower: string): boolean {
  return lower.length >= MIN_KEYBOARD_RUN && KEYBOARD_RUNS.some((run) => run.includes(lower));
}

/** Compares the entire password, lowercased; pass it already normalized. */
export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  return commonPasswordList().has(lower) || isKeyboardRun(lower);
}
