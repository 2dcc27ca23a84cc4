import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client address Express resolved: the socket peer, or X-Forwarded-For only when TRUST_PROXY is
 * set (configure-app.ts; SECURITY.md G8).
 */
export const ClientIp = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => ctx.switchToHttp().getRequest<Request>().ip ?? '');

/**
 * The key a client is counted under: an IPv4 address (IPv4-mapped IPv6 unwrapped), or the /64 prefix
 * of an IPv6 address, since one subscriber usually holds a whole /64.
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (isIPv4(ip)) return ip;
  const bare = ip.split('%')[0];
  if (isIPv6(bare)) return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`;
  return ip.replace(/[^\w.:-]/g, '').slice(0, 64) || 'unknown';
}

function expandIPv6(ip: string): string[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(Math.max(missing, 0)).fill('0'), ...right].map((h) => (h.includes('.') ? h : h.toLowerCase().padStart(4, '0')));
}
