/**
 * One way of storing a password, named by the `algorithm` column beside each stored hash. The
 * PasswordHasher picks the scheme by that name; a scheme never sees a hash of another.
 *
 * Every method is total: a malformed or out-of-bounds stored string makes `accepts` false (and the
 * hasher answers "no match" without calling `verify`), never an exception.
 */
export interface HashScheme {
  /** The name stored in `credentials.algorithm` / `password_history.algorithm`. */
  readonly algorithm: string;
  /**
   * Whether `hash` is a well-formed hash of this scheme whose parameters stay within the bounds one
   * login may cost (cost, iterations, memory): anything else is never verified.
   */
  accepts(hash: string): boolean;
  /** Whether `password` matches `hash` (already accepted). Async work only, off the event loop (J3). */
  verify(password: string, hash: string): Promise<boolean>;
}

/** A scheme the service writes new hashes with (PASSWORD_HASH): the others are verified only. */
export interface WritableHashScheme extends HashScheme {
  hash(password: string): Promise<string>;
  /** True when `hash` was made with this scheme's configured parameters (else a login rehashes it). */
  parametersMatch(hash: string): boolean;
}

/** Whether `s` is canonical padded base64 (what Buffer.toString('base64') gives back), `min`..`max` decoded bytes. */
export function isCanonicalBase64(s: string, min: number, max: number): boolean {
  if (typeof s !== 'string' || s.length === 0 || s.length > 4 * Math.ceil(max / 3) || !/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0) return false;
  const bytes = Buffer.from(s, 'base64');
  return bytes.length >= min && bytes.length <= max && bytes.toString('base64') === s;
}
