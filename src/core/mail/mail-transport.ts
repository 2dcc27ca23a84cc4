import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { connect as netConnect, type Socket } from 'node:net';
import { createTransport, Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { APP_CONFIG, AppConfig } from '../../ground/config/app-config';

export interface OutgoingMail {
  /** The outbox id; becomes the Message-ID, so a rare duplicate is recognisable as the same message. */
  messageId?: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Short timeouts: a dead SMTP server must fail a send quickly, the outbox retries it later. */
export const SMTP_TIMEOUTS_MS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 5_000, dnsTimeout: 5_000 } as const;

/** Pool defaults: SMTP connections kept open at once, and messages sent over one before it is replaced. */
export const SMTP_POOL_DEFAULTS = { maxConnections: 4, maxMessages: 100 } as const;

/**
 * The one place mail leaves the process: nodemailer over SMTP_URL with a pool of up to
 * `maxConnections` open connections, each reused for up to `maxMessages` messages (a new connection
 * per message costs ~150 ms of handshakes; a reused one ~1.5 ms). A pooled connection that dies (the
 * SMTP server restarted, went down, or closed it when idle) is dropped by the pool and a new one is
 * opened for the next message, so a restarted server is picked up at the next attempt; a server that
 * is down fails a send at once (ECONNECTION).
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  private readonly transporter: Transporter<SMTPPool.SentMessageInfo> | null;
  /** How many sends may usefully run at once: the pool's connections (OutboxWorker bounds its sends by it). */
  readonly maxConnections: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const options = config.smtpUrl ? smtpOptionsFromUrl(config.smtpUrl) : null;
    this.maxConnections = options?.maxConnections ?? SMTP_POOL_DEFAULTS.maxConnections;
    this.transporter = options ? createTransport({ ...options, getSocket: connectNoDelay }) : null;
  }

  get configured(): boolean {
    return this.transporter !== null;
  }

  /** Resolves with the SMTP message id; rejects with nodemailer's error (never containing the body). */
  async send(mail: OutgoingMail): Promise<string> {
    if (!this.transporter) throw new Error('SMTP_URL is not set');
    const info = await this.transporter.sendMail({
      ...(mail.messageId ? { messageId: `<${mail.messageId}@${domainOf(mail.from)}>` } : {}),
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      // exactly one envelope recipient: the stored address, nothing parsed out of headers (SECURITY.md C4, C6)
      envelope: { from: mail.from, to: [mail.to] },
      disableFileAccess: true,
      disableUrlAccess: true,
      // Our bodies are mostly Latin text: quoted-printable, chosen here instead of by nodemailer's scan of every body.
      textEncoding: 'quoted-printable',
    });
    return info.messageId;
  }

  /**
   * Closes the pool: idle connections now, busy ones once their message is sent. After the module
   * destroy hooks, so the OutboxWorker has finished its in-flight sends by then.
   */
  onApplicationShutdown(): void {
    this.transporter?.close();
  }
}

/**
 * Opens the TCP connection for nodemailer (its proxy hook, `getSocket`) with Nagle's algorithm off.
 * With it on, the small final "." of each message waits for the server's delayed ACK: ~40 ms per
 * message on a reused connection instead of ~1 ms. nodemailer does everything above TCP over this
 * socket (TLS for smtps://, STARTTLS, greeting and socket timeouts). The socket is handed over while
 * still connecting: nodemailer's own handlers then see a refused or failed connection (ESOCKET,
 * "connect ECONNREFUSED …") and drop the pooled connection, and its greeting timeout bounds a
 * connection that never completes (an error passed back from this hook instead would leave a dead
 * entry in nodemailer's pool).
 */
function connectNoDelay(options: SMTPPool.Options, callback: (error: Error | null, socketOptions: { connection: Socket }) => void): void {
  const socket = netConnect({
    host: options.host,
    port: options.port ?? (options.secure ? 465 : 587),
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    noDelay: true,
  });
  callback(null, { connection: socket });
}

/**
 * SMTP_URL → nodemailer options. nodemailer ignores other options when given `{url}`, so the URL is
 * parsed here: `smtp://` (STARTTLS when offered) or `smtps://` (implicit TLS), optional
 * `user:pass@`, and query parameters as nodemailer accepts them (`?tls.rejectUnauthorized=false`,
 * `?requireTLS=true`, `?connectionTimeout=10000`, ...; see URL_OPTIONS). Always pooled:
 * `?maxConnections=` (1..50, default 4) and `?maxMessages=` (per connection, 1..10000, default 100)
 * size the pool; `pool` itself cannot be turned off or on from the URL.
 */
function domainOf(address: string): string {
  const domain = address.slice(address.lastIndexOf('@') + 1).replace(/[^A-Za-z0-9.-]/g, '');
  return domain || 'localhost';
}

/** Query parameters SMTP_URL may carry (besides `tls.*`); anything else is a configuration error. */
const URL_OPTIONS = new Set([
  'name', 'localAddress', 'requireTLS', 'ignoreTLS', 'opportunisticTLS', 'authMethod',
  'connectionTimeout', 'greetingTimeout', 'socketTimeout', 'dnsTimeout',
  'maxConnections', 'maxMessages',
]);

/** The pool sizes SMTP_URL may set: whole numbers within these bounds. */
const POOL_LIMITS: Record<'maxConnections' | 'maxMessages', [min: number, max: number]> = { maxConnections: [1, 50], maxMessages: [1, 10_000] };

/** What smtpOptionsFromUrl returns: always a pool (nodemailer's SMTPPool). */
export type SmtpPoolOptions = SMTPPool.Options & { maxConnections: number; maxMessages: number; maxRequeues: number };

export function smtpOptionsFromUrl(smtpUrl: string): SmtpPoolOptions {
  const url = new URL(smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('SMTP_URL must be smtp:// or smtps://');
  const options: SmtpPoolOptions & Record<string, unknown> = {
    ...SMTP_TIMEOUTS_MS,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    pool: true,
    ...SMTP_POOL_DEFAULTS,
    // A connection that closes while sending (an idle one the server dropped just then) hands its
    // message to another connection, at most twice; beyond that the outbox retries it with backoff.
    maxRequeues: 2,
  };
  if (url.username) options.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  for (const [key, raw] of url.searchParams) {
    const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !isNaN(Number(raw)) ? Number(raw) : raw;
    if (key.startsWith('tls.')) options.tls = { ...(options.tls ?? {}), [key.slice(4)]: value };
    else if (key in POOL_LIMITS) {
      const [min, max] = POOL_LIMITS[key as keyof typeof POOL_LIMITS];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new Error(`SMTP_URL: ${key} must be a whole number from ${min} to ${max}`);
      options[key] = value;
    } else if (URL_OPTIONS.has(key)) options[key] = value;
    else throw new Error(`SMTP_URL: unsupported parameter "${key}"`);
  }
  return options;
}
