/**
 * Remembers which (key, window) pairs were already reported, so a limit that refuses thousands of
 * requests produces one audit event per window and tracker, not one per refusal. Kept in this
 * instance's memory (at most `capacity` entries; the oldest are forgotten first): with several
 * instances each reports a window once.
 */
export class OncePerWindow {
  private readonly until = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time `key` is seen for the window ending at `windowEndsAtMs` (epoch ms). */
  first(key: string, nowMs: number, windowEndsAtMs: number): boolean {
    const id = `${key}@${windowEndsAtMs}`;
    if (this.until.has(id)) return false;
    for (const [k, end] of this.until) {
      if (end > nowMs && this.until.size < this.capacity) break;
      this.until.delete(k);
    }
    this.until.set(id, windowEndsAtMs);
    return true;
  }

  /**
   * True when `key` has not been reported since a window that is still running (it then counts as
   * reported until `untilMs`). For limiters that only say how long is left, not when the window began.
   */
  firstUntil(key: string, nowMs: number, untilMs: number): boolean {
    const id = `until:${key}`;
    const seen = this.until.get(id);
    if (seen !== undefined && nowMs < seen) return false;
    this.until.delete(id);
    for (const [k, end] of this.until) {
      if (end > nowMs && this.until.size < this.capacity) break;
      this.until.delete(k);
    }
    this.until.set(id, untilMs);
    return true;
  }
}
