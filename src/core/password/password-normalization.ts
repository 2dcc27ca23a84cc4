/**
 * The one normalization every password goes through, on every set path and every verify path
 * (SECURITY.md A7, tension 7): NFKC, no case change, no trimming (A9).
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length in Unicode code points, not UTF-16 units (A6). */
export function codePointLength(s: string): number {
  return [...s].length;
}
