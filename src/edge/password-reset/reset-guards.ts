import { InvalidTokenError } from '../../ground/common/errors/domain-errors';
import type { User } from '../../core/entities/user.entity';

/** A disabled user cannot redeem a code (SECURITY.md B11); the answer is the invalid-code one. */
export function assertMayReset(user: User): void {
  if (!user.isActive) throw new InvalidTokenError();
}
