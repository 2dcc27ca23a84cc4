import type { SecretKeys } from '../secrets';

/**
 * The client's network as stored with a secret it requested: a keyed hash (HMAC-SHA-256) of its
 * client key (`clientKey()`: an IPv4 address, or the /64 of an IPv6 address), so no table holds the
 * address. Pass the client key, not the raw address.
 */
export function clientNetworkRef(secrets: SecretKeys, client: string): string {
  return secrets.lookupHash(`client-network:${client}`);
}

/** The client's network under every lookup key of the ring, to match what was stored under any of them. */
export function clientNetworkRefs(secrets: SecretKeys, client: string): string[] {
  return secrets.lookupHashes(`client-network:${client}`);
}
