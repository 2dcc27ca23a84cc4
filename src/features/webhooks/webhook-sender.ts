import { Injectable } from '@nestjs/common';
import type { LookupAddress as DnsLookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ResolvedTarget } from './webhook-target';

/** The user agent of every attempt, so receivers can tell this service's calls in their logs. */
export const WEBHOOK_USER_AGENT = 'password-lifecycle-service-webhooks/1';

/** How one attempt ended. `status`: the answer's HTTP status, when there was one. */
export type AttemptOutcome =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'http_error'; status: number }
  | { outcome: 'timeout' | 'network_error'; error: string }
  /** Stopped by `signal` (the service shuts down): not an attempt, the delivery is handed back. */
  | { outcome: 'aborted' };

/**
 * One POST of a webhook body to a checked target, connecting only to the address that was checked (a
 * lookup that answers it, whatever the name resolves to by now: no DNS rebinding between the check and
 * the connection). TLS still verifies the certificate against the URL's host name (SNI and Host from
 * the URL). Redirects are not followed (a 3xx is an answer like any non-2xx); the answer's body is not
 * read. `timeoutMs` bounds the whole attempt (connect, TLS, until the status line); `signal` aborts it
 * (shutdown). Never rejects.
 */
@Injectable()
export class WebhookSender {
  send(target: ResolvedTarget, headers: Record<string, string>, body: string, timeoutMs: number, signal?: AbortSignal): Promise<AttemptOutcome> {
    const { url, address, family } = target;
    const pinned = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      // Node 20 asks for every address (`all`) when it may try several families: the one checked is the only one.
      if (options?.all) callback(null, [{ address, family } satisfies DnsLookupAddress]);
      else callback(null, address, family);
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const req = request(url, {
        method: 'POST',
        agent: false,
        lookup: pinned as never,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': WEBHOOK_USER_AGENT,
          ...headers,
        },
      });
      const timer = setTimeout(() => {
        finish({ outcome: 'timeout', error: `no answer within ${Math.round(timeoutMs / 1000)} s` });
        req.destroy();
      }, timeoutMs);
      timer.unref();
      const onAbort = () => {
        finish({ outcome: 'aborted' });
        req.destroy();
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        finish(status >= 200 && status < 300 ? { outcome: 'delivered', status } : { outcome: 'http_error', status });
        // The body is not ours to read: the connection goes (agent: false, nothing to reuse).
        res.resume();
        req.destroy();
      });
      req.on('error', (error: NodeJS.ErrnoException) => finish({ outcome: 'network_error', error: describeNetworkError(error) }));
      req.end(body);
    });
  }
}

/** An error of the network or TLS layer, one line: its code and message, never a header or the body. */
export function describeNetworkError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown error';
  const e = error as { code?: unknown; message?: unknown };
  const parts = [typeof e.code === 'string' ? e.code : null, typeof e.message === 'string' ? e.message : null].filter(Boolean);
  // eslint-disable-next-line no-control-regex
  return (parts.join(' ') || 'unknown error').replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
}
