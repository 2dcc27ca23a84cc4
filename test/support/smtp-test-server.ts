import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the test SMTP server received it, parsed with mailparser. */
export interface ReceivedMail {
  /** The To header as text, e.g. "mike@example.org". */
  to: string;
  /** The From header as text. */
  from: string;
  subject: string;
  text: string;
  /** '' when the message has no HTML part. */
  html: string;
  /** SMTP envelope (RCPT TO): where the message was actually delivered. */
  envelopeTo: string[];
  /** SMTP envelope (MAIL FROM). */
  envelopeFrom: string;
  messageId: string;
  receivedAt: Date;
}

interface Waiter {
  predicate: (m: ReceivedMail) => boolean;
  resolve: (m: ReceivedMail) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A real SMTP server for tests (npm smtp-server): no auth, no TLS, on 127.0.0.1 and a random free
 * port. Every accepted message is parsed and kept in `messages`. `down()`/`up()` simulate an outage
 * on the same port.
 */
export class SmtpTestServer {
  readonly messages: ReceivedMail[] = [];
  /** SMTP connections accepted since start() or the last clear(). */
  connections = 0;
  /** The most connections open at the same time since start() or the last clear(). */
  peakOpenConnections = 0;
  private openConnections = 0;
  private server: SMTPServer | null = null;
  private readonly waiters = new Set<Waiter>();

  private _port = 0;

  private constructor() {}

  /** Listens on 127.0.0.1 and a free port chosen by the OS. */
  static async start(): Promise<SmtpTestServer> {
    const instance = new SmtpTestServer();
    const server = SmtpTestServer.createServer(instance);
    instance._port = await SmtpTestServer.listen(server, 0);
    instance.server = server;
    return instance;
  }

  /** Fixed for the life of the instance, across down()/up(). */
  get port(): number {
    return this._port;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.server !== null;
  }

  /** Resolves with the first message (already received or arriving later) that matches. */
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<ReceivedMail>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const seen = this.messages.map((m) => `"${m.subject}" to ${m.to}`).join(', ') || 'none';
          reject(new Error(`SmtpTestServer.waitFor: no matching message within ${timeoutMs} ms on port ${this.port}; received ${this.messages.length}: ${seen}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Forgets received messages and resets the connection counts (pending waiters stay). */
  clear(): void {
    this.messages.length = 0;
    this.connections = 0;
    this.peakOpenConnections = this.openConnections;
  }

  /** Simulates an outage: the port stops accepting connections until up(). */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ends an outage: listens again on the same port. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = SmtpTestServer.createServer(this);
    await SmtpTestServer.listen(server, this.port);
    this.server = server;
  }

  /** Closes the server and fails pending waiters. */
  async stop(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('SmtpTestServer stopped'));
    }
    this.waiters.clear();
    await this.down();
  }

  private readonly onData: SMTPServer['onData'] = (stream, session, callback) => {
    simpleParser(stream)
      .then((parsed) => {
        const mail: ReceivedMail = {
          to: addressText(parsed.to),
          from: addressText(parsed.from),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          envelopeTo: session.envelope.rcptTo.map((a) => a.address),
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          messageId: parsed.messageId ?? '',
          receivedAt: new Date(),
        };
        this.messages.push(mail);
        callback();
        for (const w of [...this.waiters]) {
          if (w.predicate(mail)) {
            clearTimeout(w.timer);
            this.waiters.delete(w);
            w.resolve(mail);
          }
        }
      })
      .catch((error: Error) => callback(error));
  };

  private readonly onConnect: SMTPServer['onConnect'] = (_session, callback) => {
    this.connections++;
    this.openConnections++;
    this.peakOpenConnections = Math.max(this.peakOpenConnections, this.openConnections);
    callback();
  };

  private readonly onClose: SMTPServer['onClose'] = () => {
    this.openConnections = Math.max(0, this.openConnections - 1);
  };

  private static createServer(instance: SmtpTestServer): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      banner: 'smtp-test-server',
      closeTimeout: 500,
      disableReverseLookup: true,
      onData: instance.onData,
      onConnect: instance.onConnect,
      onClose: instance.onClose,
    });
  }

  private static listen(server: SMTPServer, port: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.server.off('error', onError);
        // errors after start (a client resetting a connection) must not crash the test process
        server.on('error', () => undefined);
        resolve((server.server.address() as AddressInfo).port);
      });
    });
  }
}

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return '';
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(', ');
}

/** The value after `Code: ` on a line of its own in the text part. */
export function extractCode(mail: ReceivedMail): string {
  const matches = [...mail.text.matchAll(/^Code: (\S+)[ \t]*\r?$/gm)];
  if (matches.length !== 1) {
    throw new Error(`extractCode: expected exactly one "Code: <value>" line in "${mail.subject}", found ${matches.length}`);
  }
  return matches[0][1];
}
