import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

export type OneTimeTokenPurpose =
  | 'invitation' // D1 set-password token
  | 'email_verification' // sign-up code, exchanged for the D2 verification JWT
  | 'verification_jwt' // jti of an issued D2 JWT, so each is usable once
  | 'recovery' // D4 validation code
  | 'reset_code' // D5 reset code
  | 'password_change'; // jti of an issued change token (login with a password due for change), usable once

/** A one-time secret. Only its keyed hash is stored; it is consumed by a conditional UPDATE. */
@Entity('one_time_tokens')
@Index('idx_one_time_tokens_user_purpose', ['userId', 'purpose'])
export class OneTimeToken {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  @Column({ type: 'varchar', length: 40 }) purpose: OneTimeTokenPurpose;
  @Index('uq_one_time_tokens_secret_hash', { unique: true })
  @Column({ name: 'secret_hash', type: 'varchar', length: 128 })
  secretHash: string;
  @TimeColumn('expires_at') expiresAt: Date;
  @TimeColumn('used_at', { nullable: true }) usedAt: Date | null;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @TimeColumn('created_at') createdAt: Date;
  /**
   * Keyed hash of the client network (IPv4 address or IPv6 /64) that requested the secret, or null. Lets
   * its owner redeem it from that network when a global guessing budget is spent (README "Abuse budgets").
   * Sign-up verification codes only; D5 reset codes keep their networks in one_time_token_networks.
   */
  @Index('idx_one_time_tokens_issued_to_network')
  @Column({ name: 'issued_to_network', type: 'varchar', length: 128, nullable: true })
  issuedToNetwork: string | null;
}
