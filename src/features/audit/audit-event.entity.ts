import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/**
 * One stored audit event (CONTRACT.md "Audit events", docs/audit.md). Append-only: rows are never
 * updated, and deleted only by retention (AUDIT_RETENTION_DAYS). No foreign keys: events outlive the
 * users, accounts and keys they name. Never a secret, hash, password, code or email address.
 */
@Entity('audit_events')
@Index('idx_audit_events_at', ['at', 'id'])
@Index('idx_audit_events_account_at', ['accountId', 'at', 'id'])
@Index('idx_audit_events_user_at', ['userId', 'at', 'id'])
@Index('idx_audit_events_type_at', ['type', 'at', 'id'])
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ type: 'varchar', length: 40 }) type: string;
  /** When it happened (epoch ms); with `id`, the newest-first keyset of `GET /audit-events`. */
  @TimeColumn('at') at: Date;
  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true }) userId: string | null;
  @Column({ name: 'account_id', type: 'varchar', length: 36, nullable: true }) accountId: string | null;
  @Column({ name: 'actor_kind', type: 'varchar', length: 16 }) actorKind: string;
  @Column({ name: 'actor_id', type: 'varchar', length: 36, nullable: true }) actorId: string | null;
  @Column({ name: 'client_ip', type: 'varchar', length: 64, nullable: true }) clientIp: string | null;
  @Column({ type: 'varchar', length: 40 }) outcome: string;
  /** JSON object of ids, flow names, counts and outcomes. */
  @Column({ type: 'simple-json' }) details: Record<string, string | number | boolean | null>;
}
