import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * Where a webhook may be sent (CONTRACT.md "Webhooks": SSRF safety). A target is an absolute `https://`
 * URL without credentials or fragment whose host resolves, at registration and again before every
 * attempt, to public unicast addresses only; the attempt then connects to the address that was checked
 * (no second resolution a DNS rebinding could change). `WEBHOOK_ALLOW_PRIVATE_TARGETS=true` (on-premises
 * receivers, tests) allows `http://` and every address.
 */

/** Why a target was refused; the caller sees only a generic sentence per group (no probing of internal names). */
export type TargetRefusal =
  /** Not an absolute URL, credentials in it, a fragment, or longer than MAX_TARGET_URL_LENGTH. */
  | 'malformed'
  /** Not https:// (or http:// with private targets allowed). */
  | 'scheme'
  /** The host does not resolve (or not in time). */
  | 'unresolvable'
  /** An address of the host is loopback, private, link-local, unique-local, shared, metadata, multicast or reserved. */
  | 'private_address';

export class TargetRefusedError extends Error {
  constructor(readonly reason: TargetRefusal) {
    super(`webhook target refused: ${reason}`);
  }
}

export const MAX_TARGET_URL_LENGTH = 2048;

/** One address of a host, as dns.lookup answers it. */
export interface LookupAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all of its addresses (dns.lookup with `all`: the system resolver, /etc/hosts included). */
export type HostLookup = (host: string) => Promise<LookupAddress[]>;

/** A checked target: the URL, and the address every connection of this attempt goes to. */
export interface ResolvedTarget {
  url: URL;
  /** The host without IPv6 brackets (TLS server name and Host header come from the URL). */
  host: string;
  address: string;
  family: 4 | 6;
}

/**
 * IPv4 ranges that are not public unicast (RFC 6890 and its updates): "this network" 0/8, RFC 1918
 * 10/8, 172.16/12 and 192.168/16, CGNAT shared space 100.64/10 (RFC 6598), loopback 127/8, link-local
 * 169.254/16 (cloud metadata 169.254.169.254 among them), IETF protocol assignments 192.0.0/24,
 * benchmarking 198.18/15, multicast 224/4, reserved 240/4 (broadcast included).
 */
const IPV4_BLOCKED: Array<[string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

/**
 * IPv6 ranges that are not public unicast: unspecified and loopback with the rest of ::/96 (IPv4-compatible,
 * deprecated), link-local fe80::/10, site-local fec0::/10 (deprecated), unique-local fc00::/7, multicast
 * ff00::/8, discard 100::/64. IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * addresses are judged by the IPv4 address they carry.
 */
const IPV6_BLOCKED: Array<[string, number]> = [
  ['::', 96], ['fe80::', 10], ['fec0::', 10], ['fc00::', 7], ['ff00::', 8], ['100::', 64],
];

const BLOCKED = new BlockList();
for (const [net, prefix] of IPV4_BLOCKED) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of IPV6_BLOCKED) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** The 16 bytes of an IPv6 address (also written with a trailing dotted quad), or null when it is not one. */
export function ipv6Bytes(address: string): number[] | null {
  if (isIP(address) !== 6 || address.includes('%')) return null;
  let text = address.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1].split('.').map(Number);
    text = `${text.slice(0, -quad[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === null ? [] : groups(tail);
  const zeros = tail === null ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const all = [...left, ...zeros, ...right];
  if (all.length !== 8) return null;
  return all.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16), or null. */
export function embeddedIPv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const quad = (at: number) => b.slice(at, at + 4).join('.');
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return quad(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return quad(12);
  if (b[0] === 0x20 && b[1] === 0x02) return quad(2);
  return null;
}

/**
 * Is `address` (IPv4 or IPv6 text) a public unicast address a webhook may be sent to? False for
 * anything that is not an IP address.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !BLOCKED.check(address, 'ipv4');
  // A zone id (fe80::1%eth0) names a link: scoped addresses are never public.
  if (address.includes('%')) return false;
  const v4 = embeddedIPv4(address);
  if (v4 !== null) return isPublicAddress(v4);
  return !BLOCKED.check(address, 'ipv6');
}

/**
 * The URL of a target, or why not: absolute, `https:` (or `http:` with `allowPrivate`), no user name or
 * password, no fragment, at most MAX_TARGET_URL_LENGTH characters. The WHATWG parser normalizes the
 * host (`https://2130706433/` and `https://0x7f.1/` are 127.0.0.1), so the checks see the real address.
 */
export function parseTargetUrl(raw: string, allowPrivate: boolean): URL {
  if (typeof raw !== 'string' || raw.length > MAX_TARGET_URL_LENGTH) throw new TargetRefusedError('malformed');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefusedError('malformed');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw new TargetRefusedError('scheme');
  if (url.username || url.password || url.hash || raw.includes('#') || !url.hostname) throw new TargetRefusedError('malformed');
  return url;
}

/** The URL's host as an address or name to resolve: IPv6 literals lose their brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the target's host and checks every address it has (one private address is enough to refuse:
 * a name that answers with several must not be a way around the check). Answers the address to connect
 * to: the first the resolver gave. An IP literal is its own answer. Throws TargetRefusedError.
 */
export async function resolveTarget(url: URL, lookup: HostLookup, allowPrivate: boolean): Promise<ResolvedTarget> {
  const host = hostOf(url);
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await lookup(host);
    } catch {
      throw new TargetRefusedError('unresolvable');
    }
  }
  if (addresses.length === 0) throw new TargetRefusedError('unresolvable');
  if (!allowPrivate && addresses.some((a) => !isPublicAddress(a.address))) throw new TargetRefusedError('private_address');
  const first = addresses[0];
  return { url, host, address: first.address, family: isIPv4(first.address) ? 4 : 6 };
}
