import { Clock } from '../../../src/ground/common/clock';

/** A clock tests move by hand: expiry without sleeps (SECURITY.md B4, A14). */
export class MovableClock extends Clock {
  private offsetMs = 0;
  /** Set while frozen: the instant now() returns (advance still moves it). */
  private frozenAtMs: number | null = null;
  now(): Date {
    return new Date(this.frozenAtMs ?? Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
    if (this.frozenAtMs !== null) this.frozenAtMs += ms;
  }
  /**
   * Runs `fn` with time standing still (at the current instant, moved only by advance), then lets it follow
   * real time again from where it was: for answers that state a remaining time in seconds, which a second
   * boundary between two requests would otherwise change.
   */
  async frozen<T>(fn: () => Promise<T>): Promise<T> {
    this.frozenAtMs = this.now().getTime();
    try {
      return await fn();
    } finally {
      this.offsetMs = this.frozenAtMs - Date.now();
      this.frozenAtMs = null;
    }
  }
  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
  advanceDays(days: number): void {
    this.advance(days * 86_400_000);
  }
}
