import { PasswordHasher, StoredPasswordHash } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import { PolicyViolation } from './policy-violation';

/**
 * Whether `password` matches any of `recent` (the current hash and the last N-1 history hashes, A13).
 * All comparisons start at once: N bcrypt compares cost about one on a pool with N threads.
 */
export async function matchesAnyRecent(
  hasher: PasswordHasher,
  password: string,
  recent: StoredPasswordHash[],
): Promise<boolean> {
  const results = await Promise.all(recent.map((stored) => hasher.verify(password, stored)));
  return results.includes(true);
}

/**
 * The history rule of a policy: a `history` violation when the password is one of `recent`.
 * Pass at most `policy.historySize` hashes, the current one included; 0 turns the rule off.
 */
export async function checkPasswordHistory(
  hasher: PasswordHasher,
  password: string,
  policy: Pick<PasswordPolicy, 'historySize'>,
  recent: StoredPasswordHash[],
): Promise<PolicyViolation[]> {
  if (policy.historySize === 0) return [];
  return (await matchesAnyRecent(hasher, password, recent)) ? [{ rule: 'history', size: policy.historySize }] : [];
}
