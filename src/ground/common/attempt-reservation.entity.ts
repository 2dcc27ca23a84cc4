import { Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../database/columns';

/**
 * One attempt in flight on one budget (AttemptLimiter.tryReserve): it holds a place under the budget's
 * limit while its code or password is checked, so a burst of concurrent attempts cannot overshoot the
 * budget, and it counts as a failure only when its request settles it as one. A request that never
 * settles it (its process killed) leaves a row that stops counting at `expiresAt`, the end of its
 * lease, and is deleted by the periodic sweep. One row per budget key of a reservation.
 */
@Entity('attempt_reservations')
export class AttemptReservation {
  /** The budget's key (as in attempt_counters); first, so a key's live holds are found by the primary key. */
  @PrimaryColumn({ type: 'varchar', length: 200 }) key: string;
  /** The reservation (a random UUID), shared by the rows of its keys. */
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  /** End of the lease (epoch ms); indexed for the sweep of lapsed holds. */
  @Index('idx_attempt_reservations_expires_at')
  @TimeColumn('expires_at')
  expiresAt: Date;
}
