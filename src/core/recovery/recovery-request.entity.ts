import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';
import type { ResetDialect } from './recovery-limits';

/**
 * A recovery request accepted but not yet acted on. The request endpoints only write this row, the
 * same for every address, so neither their answer nor their timing depends on whether the address
 * belongs to an account (SECURITY.md C1, C2); RecoveryRequestService then resolves it after the
 * response. `seq` keeps requests in arrival order (a newer code must void an older one, B8).
 */
@Entity('recovery_requests')
export class RecoveryRequestRow {
  @PrimaryGeneratedColumn({ type: 'integer' }) seq: number;
  @Column({ type: 'varchar', length: 2 }) dialect: ResetDialect;
  /** The normalized address, sealed (AES-256-GCM): the table holds no readable address. */
  @Column({ name: 'sealed_address', type: 'text' }) sealedAddress: string;
  /** The client key (address or /64) the request came from, for the security log. */
  @Column({ type: 'varchar', length: 64 }) client: string;
  /** False when the address's mail cap was spent: resolved like the others, but nothing is mailed. */
  @Column({ type: 'boolean', default: true }) mail: boolean;
  @TimeColumn('created_at') createdAt: Date;
}
