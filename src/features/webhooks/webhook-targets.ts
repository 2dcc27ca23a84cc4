import { Inject, Injectable } from '@nestjs/common';
import { lookup as dnsLookup } from 'node:dns/promises';
import { WebhookTargetRefusedError } from '../../ground/common/errors/domain-errors';
import { APP_CONFIG, type AppConfig } from '../../ground/config/app-config';
import { parseTargetUrl, resolveTarget, TargetRefusedError, type LookupAddress, type ResolvedTarget } from './webhook-target';

/** Longest wait for the system resolver (dns.lookup) before a host counts as unresolvable. */
export const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Resolves webhook hosts: dns.lookup with `all` (the system resolver, /etc/hosts included), bounded by
 * LOOKUP_TIMEOUT_MS. A provider of its own so tests can answer for names (a rebinding name, say).
 */
@Injectable()
export class HostResolver {
  lookup(host: string): Promise<LookupAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('lookup timed out'), { code: 'ETIMEOUT' })), LOOKUP_TIMEOUT_MS);
      timer.unref();
    });
    return Promise.race([dnsLookup(host, { all: true, verbatim: true }), timeout]).finally(() => clearTimeout(timer));
  }
}

/**
 * The target rules of src/features/webhooks/webhook-target.ts with this service's resolver and configuration
 * (WEBHOOK_ALLOW_PRIVATE_TARGETS): at registration (`check`, a domain error for the caller) and before
 * every attempt (`resolve`, the address to connect to).
 */
@Injectable()
export class WebhookTargets {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, private readonly resolver: HostResolver) {}

  /** The normalized URL of an acceptable target; WebhookTargetRefusedError (400) otherwise. */
  async check(raw: string): Promise<string> {
    try {
      return (await this.resolve(raw)).url.href;
    } catch (error) {
      if (!(error instanceof TargetRefusedError)) throw error;
      const reason = error.reason === 'scheme' ? 'scheme' : error.reason === 'malformed' ? 'shape' : 'address';
      throw new WebhookTargetRefusedError(reason);
    }
  }

  /** The checked address an attempt connects to; TargetRefusedError when the target is refused now. */
  resolve(raw: string): Promise<ResolvedTarget> {
    const allowPrivate = this.config.webhookAllowPrivateTargets;
    return resolveTarget(parseTargetUrl(raw, allowPrivate), (host) => this.resolver.lookup(host), allowPrivate);
  }
}
