import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got: headers as Node gives them (lower case), the raw body. */
export interface ReceivedHook {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Parsed body. */
  json: { type: string; timestamp: string; data: Record<string, unknown> };
  receivedAt: number;
}

/** What the receiver answers a request with: a status, or 'hang' (never answer, keep the connection). */
export type ReceiverAnswer = number | 'hang';

/**
 * A real HTTP receiver of webhooks on 127.0.0.1 (an ephemeral port): records every request and answers
 * as `answer` says (204 by default). `verify` checks a request with the standardwebhooks library, as
 * a receiver would.
 */
export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  /** Requests answered 'hang' that are still open. */
  readonly hanging: ServerResponse[] = [];
  /** TCP connections accepted so far (a refused target must cause none). */
  connections = 0;
  answer: (hook: ReceivedHook) => ReceiverAnswer = () => 204;
  /** How long each answer takes (ms). */
  delayMs = 0;
  private readonly sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver!: WebhookReceiver;
    const server = createServer((req, res) => receiver.handle(req, res));
    receiver = new WebhookReceiver(server);
    server.on('connection', (socket) => {
      receiver.connections++;
      receiver.sockets.add(socket);
      socket.on('close', () => receiver.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hooks'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests to `path`. */
  at(path: string): ReceivedHook[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves with the first request (from index `since` on) that matches; rejects after `timeoutMs`. */
  async waitFor(match: (hook: ReceivedHook) => boolean, timeoutMs = 10_000, since = 0): Promise<ReceivedHook> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(since).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`WebhookReceiver: no matching request within ${timeoutMs} ms (received: ${this.received.map((r) => `${r.path} ${r.json?.type}`).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Verifies a request with the standardwebhooks library as a receiver would; `nowMs` is the receiver's clock (the tests' moved clock). */
  static verify(secret: string, hook: ReceivedHook, nowMs = Date.now()): unknown {
    const realNow = Date.now;
    Date.now = () => nowMs;
    try {
      return new Webhook(secret).verify(hook.body, hook.headers);
    } finally {
      Date.now = realNow;
    }
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: ReceivedHook['json'];
      try {
        json = JSON.parse(body);
      } catch {
        json = { type: '(not JSON)', timestamp: '', data: {} };
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));
      const hook: ReceivedHook = { path: req.url ?? '/', headers, body, json, receivedAt: Date.now() };
      this.received.push(hook);
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
      const answer = this.answer(hook);
      if (answer === 'hang') {
        this.hanging.push(res);
        return;
      }
      setTimeout(() => {
        res.statusCode = answer;
        // A redirect points somewhere this receiver would record: a client that followed it would show up there.
        if (answer >= 300 && answer < 400) res.setHeader('Location', '/redirected');
        res.end();
      }, this.delayMs);
    });
  }
}
