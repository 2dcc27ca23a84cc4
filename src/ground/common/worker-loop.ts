import { runOutsideRequestContext } from './request-context';

/**
 * The pass loop of a durable-queue worker (the mail outbox, the webhook deliveries): a pass runs at
 * start, every `intervalMs` after the previous one ends, at once again when a pass says rows are left
 * (it stopped at its round limit), and whenever the worker is kicked (after a commit queued rows).
 * Passes never overlap: a drain during a pass runs one more pass after it, so rows queued before the
 * call are included. Timers never keep the process alive. The work of a pass is the worker's own.
 */
export class WorkerLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private started = false;
  private halted = false;
  /** The last pass stopped at its round limit with rows still due: the poll continues at once. */
  private more = false;

  /** `pass` claims and works through due rows; it answers true when rows are left, and never rejects. */
  constructor(private readonly pass: () => Promise<boolean>, private readonly intervalMs: number) {}

  /** Whether the worker is stopping: a pass ends its round, hands back what it has not started, and starts nothing new. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Starts polling with a pass now (rows left by an earlier run are picked up at once). */
  start(): void {
    this.started = true;
    this.schedule(0);
  }

  /** Stops polling; resolves once the pass in flight (and one queued behind it) is done. */
  async stop(): Promise<void> {
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queued;
    await this.running;
  }

  /** Wakes the worker now. Fire-and-forget: never throws, never rejects. */
  kick(): void {
    if (!this.started || this.halted) return;
    try {
      this.drain().catch(() => undefined);
    } catch {
      // drain() never throws; this only guards the request path against the unexpected
    }
  }

  /** Runs a pass now (or one more after the pass in flight); resolves when it is done, never rejects. */
  drain(): Promise<void> {
    if (this.halted) return this.running ?? Promise.resolve();
    if (!this.running) {
      // A kick comes from a request's commit: the pass is background work, never part of that request.
      this.running = runOutsideRequestContext(() => this.pass())
        .then((more) => {
          this.more = more;
        })
        .finally(() => {
          this.running = null;
        });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.drain();
    });
    return this.queued;
  }

  private schedule(delayMs: number): void {
    if (this.halted) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.drain().then(() => this.schedule(this.more ? 0 : this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
