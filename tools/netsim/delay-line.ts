// One direction of a simulated link: items go in with a delay and come out when it has passed,
// in order, except the copies that the conditions chose to reorder.

export class DelayLine<T> {
  /** Waiting items, sorted by the time they are due (equal times keep their arrival order). */
  private readonly queue: { due: number; item: T }[] = [];
  /** Due time of the latest item that keeps order: the next one may not come out before it. */
  private lastOrderedDue = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly deliver: (item: T) => void) {}

  /** Items still on their way. */
  get inFlight(): number {
    return this.queue.length;
  }

  push(item: T, delayMs: number, keepsOrder = true): void {
    if (this.closed) return;
    let due = performance.now() + delayMs;
    if (keepsOrder) {
      due = Math.max(due, this.lastOrderedDue);
      this.lastOrderedDue = due;
    }
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1]!.due > due) at--;
    this.queue.splice(at, 0, { due, item });
    this.flush();
  }

  /** Drops everything still on its way, and whatever is pushed later. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) this.deliver(this.queue.shift()!.item);
    const next = this.queue[0];
    // Timers may wake a little early: flush then finds nothing due and sets the timer again.
    if (next !== undefined) this.timer = setTimeout(() => this.flush(), Math.max(1, Math.ceil(next.due - now)));
  }
}
