/**
 * The bench's SMTP sink (npm smtp-server + mailparser): accepts every message on 127.0.0.1, notes when
 * it arrived, and keeps the `Code: <value>` of the messages that carry one, by recipient and kind, so
 * the bench can wait for "the reset code mailed to x" (as test/support/smtp-test-server.ts does).
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * smtp-server greets a new connection only after 100 ms (to catch clients that talk too soon). The
 * service's outbox opens one connection per message, so that pause alone would cap its mail at under
 * 10 messages a second and the bench would measure the sink: greet at once, as a local MTA does.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SMTPConnection } = require('smtp-server/lib/smtp-connection');
if (typeof SMTPConnection?.prototype?._setListeners === 'function' && typeof SMTPConnection.prototype.connectionReady === 'function') {
  SMTPConnection.prototype.init = function init(this: { _setListeners(cb: () => void): void; connectionReady(): void }) {
    this._setListeners(() => this.connectionReady());
  };
}

export type MailKind = 'invitation' | 'd4-recovery' | 'd5-reset' | 'notice' | 'other';

export interface SunkMail {
  to: string;
  kind: MailKind;
  code: string | null;
  /** performance.now() when the message's DATA ended (it had fully arrived). */
  arrivedAt: number;
}

/** Which message it is, from its (English) subject: src/core/messages/en.ts. */
export function mailKind(subject: string): MailKind {
  if (/invited/i.test(subject)) return 'invitation';
  if (/reset code/i.test(subject)) return 'd5-reset';
  if (/recover your account/i.test(subject)) return 'd4-recovery';
  if (/password was (changed|set)/i.test(subject)) return 'notice';
  return 'other';
}

interface Waiter {
  resolve: (m: SunkMail) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class SmtpSink {
  received = 0;
  failed = 0;
  private readonly byKey = new Map<string, SunkMail[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  private server!: SMTPServer;
  port = 0;

  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    sink.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      banner: 'bench-sink',
      closeTimeout: 200,
      disableReverseLookup: true,
      size: 1024 * 1024,
      onData: (stream, session, callback) => {
        // read now: the session's envelope is reset once the message is acknowledged
        const recipients = session.envelope.rcptTo.map((a) => a.address.toLowerCase());
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const arrivedAt = performance.now();
          callback();
          const raw = Buffer.concat(chunks);
          // A notice carries no code: known from its Subject header alone, it is not parsed, so the
          // sink spends next to no CPU on the notices every set and reset sends (the CPU is the service's).
          const headers = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1');
          const subject = /^Subject: ([^\r\n]*)/im.exec(headers)?.[1] ?? '';
          if (mailKind(subject) === 'notice') {
            for (const to of recipients) sink.add({ to, kind: 'notice', code: null, arrivedAt });
            return;
          }
          simpleParser(raw)
            .then((parsed) => {
              const kind = mailKind(parsed.subject ?? '');
              const match = /^Code: (\S+)[ \t]*\r?$/m.exec(parsed.text ?? '');
              for (const to of recipients) sink.add({ to, kind, code: match ? match[1] : null, arrivedAt });
            })
            .catch(() => sink.failed++);
        });
      },
    });
    sink.server.on('error', () => undefined);
    // No Nagle: the "250" after a message's final dot would otherwise wait ~40 ms for a delayed ACK.
    sink.server.server.on('connection', (socket: import('node:net').Socket) => socket.setNoDelay(true));
    await new Promise<void>((resolve, reject) => {
      sink.server.server.once('error', reject);
      sink.server.listen(0, '127.0.0.1', () => resolve());
    });
    sink.port = (sink.server.server.address() as AddressInfo).port;
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private add(mail: SunkMail): void {
    this.received++;
    const key = `${mail.kind} ${mail.to}`;
    const list = this.byKey.get(key) ?? [];
    list.push(mail);
    this.byKey.set(key, list);
    const waiting = this.waiters.get(key);
    if (waiting?.length) {
      const w = waiting.shift()!;
      clearTimeout(w.timer);
      w.resolve(mail);
      list.shift();
    }
  }

  /**
   * The oldest message of `kind` to `to` not yet taken, waiting for one up to `timeoutMs`. Each message
   * is handed out once.
   */
  take(to: string, kind: MailKind, timeoutMs = 300_000): Promise<SunkMail> {
    const key = `${kind} ${to.toLowerCase()}`;
    const list = this.byKey.get(key);
    if (list?.length) return Promise.resolve(list.shift()!);
    return new Promise<SunkMail>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const ws = this.waiters.get(key) ?? [];
          ws.splice(ws.indexOf(w), 1);
          reject(new Error(`no ${kind} email to ${to} within ${timeoutMs / 1000} s (the sink received ${this.received})`));
        }, timeoutMs),
      };
      const ws = this.waiters.get(key) ?? [];
      ws.push(w);
      this.waiters.set(key, ws);
    });
  }

  /** Forgets what was received of `kind` (notices nobody waits for pile up otherwise). */
  drop(kind: MailKind): void {
    for (const key of [...this.byKey.keys()]) if (key.startsWith(`${kind} `)) this.byKey.delete(key);
  }

  async stop(): Promise<void> {
    for (const ws of this.waiters.values()) for (const w of ws) clearTimeout(w.timer);
    this.waiters.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
