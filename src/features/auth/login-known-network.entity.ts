import { Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/**
 * A network a login target has logged in from (README "Abuse budgets"): while the target's failure
 * budget is spent, logins from here still get a small allowance of their own. Both columns are keyed
 * hashes: `target_ref` of the normalized email as the login counters key it (no user lookup, unknown
 * emails alike), `network_ref` the clientNetworkRef of the client. Never an email or an address.
 */
@Entity('login_known_networks')
@Index('idx_login_known_networks_last_success_at', ['lastSuccessAt'])
export class LoginKnownNetwork {
  @PrimaryColumn({ name: 'target_ref', type: 'varchar', length: 128 }) targetRef: string;
  @PrimaryColumn({ name: 'network_ref', type: 'varchar', length: 128 }) networkRef: string;
  @TimeColumn('last_success_at') lastSuccessAt: Date;
}
