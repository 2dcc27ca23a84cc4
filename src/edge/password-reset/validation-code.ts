/**
 * The D4 validation code: `<selector>.<verifier>`.
 *
 * - selector: the one-time token's id as 32 hex digits. It names the code, so a wrong verifier is
 *   charged to that code, which burns after D4_CODE_MAX_FAILURES (SECURITY.md B6, B7).
 * - verifier: the token's secret, 32 CSPRNG bytes in base64url (256 bits, B1), stored only as a keyed
 *   hash (OneTimeTokensService).
 *
 * 76 characters; it travels in the email link's fragment and on the `Code:` line, never in a URL query.
 */
const SELECTOR = /^[0-9a-f]{32}$/;
const VERIFIER = /^[A-Za-z0-9_-]{43}$/;

export interface ValidationCodeParts {
  tokenId: string;
  verifier: string;
}

export function composeValidationCode(tokenId: string, verifier: string): string {
  return `${tokenId.replace(/-/g, '')}.${verifier}`;
}

/** The parts of a well-formed code, or null. */
export function parseValidationCode(code: string): ValidationCodeParts | null {
  const dot = code.indexOf('.');
  if (dot !== 32) return null;
  const selector = code.slice(0, 32).toLowerCase();
  const verifier = code.slice(33);
  if (!SELECTOR.test(selector) || !VERIFIER.test(verifier)) return null;
  const tokenId = `${selector.slice(0, 8)}-${selector.slice(8, 12)}-${selector.slice(12, 16)}-${selector.slice(16, 20)}-${selector.slice(20)}`;
  return { tokenId, verifier };
}
