import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client address Express resolved (the socket peer, or X-Forwarded-For only when TRUST_PROXY is
 * set: configure-app.ts; SECURITY.md G8), in the one form the service writes everywhere (clientAddress).
 */
export const ClientIp = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => clientAddress(ctx.switchToHttp().getRequest<Request>().ip) ?? '');

/**
 * One address, one spelling, in audit events and logs alike: an IPv4 client of a dual-stack socket
 * (`::ffff:203.0.113.7`, what Node reports when the service listens on `::`) as plain IPv4
 * (`203.0.113.7`); IPv6 in lower case without a zone. Null for nothing.
 */
export function clientAddress(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  return isIPv6(ip.split('%')[0]) ? ip.split('%')[0].toLowerCase() : ip;
}

/**
 * The key a client is counted under: an IPv4 address (IPv4-mapped IPv6 unwrapped), or the /64 prefix
 * of an IPv6 address, since one subscriber usually holds a whole /64.
 */
export function clientKey(ip: string | undefined): string {
  const address = clientAddress(ip);
  if (!address) return 'unknown';
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
  return address.replace(/[^\w.:-]/g, '').slice(0, 64) || 'unknown';
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right].map((h) => (h.includes('.') ? h : h.toLowerCase().padStart(4, '0')));
}
