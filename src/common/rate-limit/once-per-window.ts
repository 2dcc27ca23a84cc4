/**
 * Remembers which (key, window) pairs were already reported, so a limit that refuses thousands of
 * requests produces one audit event per window and tracker, not one per refusal. Kept in this
 * instance's memory (at most `capacity` keys; the oldest are forgotten first): with several instances
 * each reports a window once.
 */
export class OncePerWindow {
  private readonly until = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time `key` is seen in a window ending at `windowEndsAtMs` (epoch ms); false until then. */
  first(key: string, nowMs: number, windowEndsAtMs: number): boolean {
    const seenUntil = this.until.get(key);
    if (seenUntil !== undefined && nowMs < seenUntil) return false;
    this.until.delete(key);
    this.until.set(key, windowEndsAtMs);
    while (this.until.size > this.capacity) this.until.delete(this.until.keys().next().value as string);
    return true;
  }
}
