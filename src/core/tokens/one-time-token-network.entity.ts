import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimeColumn } from '../../ground/database/columns';

/**
 * A client network that vouched for a one-time secret: it asked for a code for that user while the code
 * was live (D5: it requested the code, or asked again when the address's mail cap was spent and no new
 * code was mailed). Past the global guessing budget a D5 code is accepted from such a network when it
 * is the newest live code the network vouched for (docs/recovery.md, "Guessing budget").
 * `network` is clientNetworkRef (a keyed hash), never the address. Rows die with their token (CASCADE).
 */
@Entity('one_time_token_networks')
@Index('idx_one_time_token_networks_network_added', ['network', 'addedAt'])
export class OneTimeTokenNetwork {
  @PrimaryColumn({ name: 'token_id', type: 'varchar', length: 36 }) tokenId: string;
  @PrimaryColumn({ type: 'varchar', length: 128 }) network: string;
  @TimeColumn('added_at') addedAt: Date;
}
