import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../database/columns';

/**
 * Fixed-window failure counters kept in the database, so they survive restarts and are shared by
 * every instance (SECURITY.md H5): e.g. failed reset-code guesses per client and globally.
 */
@Entity('attempt_counters')
export class AttemptCounter {
  @PrimaryColumn({ type: 'varchar', length: 200 }) key: string;
  @Column({ type: 'integer', default: 0 }) count: number;
  /** Indexed for the sweep of ended windows (AttemptLimiter.removeExpired), which must not read every counter. */
  @Index('idx_attempt_counters_window_started_at')
  @TimeColumn('window_started_at')
  windowStartedAt: Date;
}
