import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../database/columns';

/**
 * Fixed-window failure counters kept in the database, so they survive restarts and are shared by
 * every instance (SECURITY.md H5): e.g. failed reset-code guesses per client and globally.
 */
@Entity('attempt_counters')
export class AttemptCounter {
  @PrimaryColumn({ type: 'varchar', length: 200 }) key: string;
  @Column({ type: 'integer', default: 0 }) count: number;
  @TimeColumn('window_started_at') windowStartedAt: Date;
}
