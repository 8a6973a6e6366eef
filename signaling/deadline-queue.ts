/**
 * Deadlines that all lie one fixed delay after they were set, so they come due in the order they were
 * pushed: a FIFO queue and one timer (for the first) serve them all, instead of a `Timeout` and a
 * closure each. Used for empty lobbies (each waits `emptyLobbyTtlMs`). An entry is never removed early:
 * whoever owns the item tells a stale entry by its deadline (`onDue` gets it) and ignores it.
 */
export class DeadlineQueue<T> {
  private readonly items: T[] = [];
  private readonly deadlines: number[] = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly delayMs: number,
    /** An item's deadline has passed (`at`: the deadline it was pushed with). */
    private readonly onDue: (item: T, at: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues `item`, due `delayMs` from now; returns its deadline. */
  push(item: T): number {
    const at = this.now() + this.delayMs;
    this.items.push(item);
    this.deadlines.push(at);
    if (this.timer === null) this.arm(this.delayMs);
    return at;
  }

  /** Forgets every entry and stops the timer. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.items.length = 0;
    this.deadlines.length = 0;
    this.head = 0;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => this.due(), Math.max(0, delayMs));
    this.timer.unref();
  }

  /** The timer: every entry whose deadline has passed, in order; then the timer for the next one. */
  private due(): void {
    this.timer = null;
    const now = this.now();
    const { items, deadlines } = this;
    let head = this.head;
    for (; head < items.length; head++) {
      const at = deadlines[head] ?? 0;
      if (at > now) break;
      this.onDue(items[head] as T, at);
    }
    if (head === items.length) {
      items.length = 0;
      deadlines.length = 0;
      head = 0;
    } else if (head >= 1024 && head * 2 >= items.length) {
      // Drop the done entries now and then (not on every one: each drop moves the rest).
      items.splice(0, head);
      deadlines.splice(0, head);
      head = 0;
    }
    this.head = head;
    const next = deadlines[head];
    if (next !== undefined) this.arm(next - now);
  }
}
