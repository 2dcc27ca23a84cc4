/** The lookup form of an email: NFKC, trimmed, lower-cased. Mail still goes to the stored original (SECURITY.md C4). */
export function normalizeEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}
