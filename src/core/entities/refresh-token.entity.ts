import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/** A refresh token (stored hashed). Rotation keeps the family; reuse of a rotated one revokes it. */
@Entity('refresh_tokens')
@Index('idx_refresh_tokens_user', ['userId'])
@Index('idx_refresh_tokens_family', ['familyId'])
export class RefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  @Column({ name: 'family_id', type: 'varchar', length: 36 }) familyId: string;
  @Index('uq_refresh_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 128 })
  tokenHash: string;
  @TimeColumn('expires_at') expiresAt: Date;
  @TimeColumn('rotated_at', { nullable: true }) rotatedAt: Date | null;
  @TimeColumn('revoked_at', { nullable: true }) revokedAt: Date | null;
  @TimeColumn('created_at') createdAt: Date;
}
