import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { APP_CONFIG, AppConfig } from '../config/app-config';

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

/**
 * The one place mail leaves the process: nodemailer over SMTP_URL, one connection per message
 * (no pool, so a restarted SMTP server is picked up at the next attempt).
 */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo> | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.transporter = config.smtpUrl ? createTransport(smtpOptionsFromUrl(config.smtpUrl)) : null;
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
    });
    return info.messageId;
  }

  onModuleDestroy(): void {
    this.transporter?.close();
  }
}

/**
 * SMTP_URL → nodemailer options. nodemailer ignores other options when given `{url}`, so the URL is
 * parsed here: `smtp://` (STARTTLS when offered) or `smtps://` (implicit TLS), optional
 * `user:pass@`, and query parameters as nodemailer accepts them (`?tls.rejectUnauthorized=false`,
 * `?requireTLS=true`, `?connectionTimeout=10000`, ...; see URL_OPTIONS). Pooling is always off.
 */
function domainOf(address: string): string {
  const domain = address.slice(address.lastIndexOf('@') + 1).replace(/[^A-Za-z0-9.-]/g, '');
  return domain || 'localhost';
}

/** Query parameters SMTP_URL may carry (besides `tls.*`); anything else is a configuration error. */
const URL_OPTIONS = new Set([
  'name', 'localAddress', 'requireTLS', 'ignoreTLS', 'opportunisticTLS', 'authMethod',
  'connectionTimeout', 'greetingTimeout', 'socketTimeout', 'dnsTimeout',
]);

export function smtpOptionsFromUrl(smtpUrl: string): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('SMTP_URL must be smtp:// or smtps://');
  const options: SMTPTransport.Options & Record<string, unknown> = {
    ...SMTP_TIMEOUTS_MS,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
  };
  if (url.username) options.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  for (const [key, raw] of url.searchParams) {
    const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !isNaN(Number(raw)) ? Number(raw) : raw;
    if (key.startsWith('tls.')) options.tls = { ...(options.tls ?? {}), [key.slice(4)]: value };
    else if (URL_OPTIONS.has(key)) options[key] = value;
    else throw new Error(`SMTP_URL: unsupported parameter "${key}"`);
  }
  return options;
}
