// The datagram budget: a tick's changes must fit in one datagram of at most 1200 bytes, the size
// real games keep to so that no link on the way has to cut it (an IP fragment lost loses the whole
// datagram, and some networks drop fragments outright). Most ticks fit easily; a client that has
// just joined, or that sees hundreds of squares change at once, gets more than fits. Then the most
// important changes go now and the rest wait for a later tick, which sends them anyway: they are
// still differences from whatever the client acknowledges.
//
// Which go first is Glenn Fiedler's priority accumulator ("State Synchronization"): every tick a
// square has something to send, its priority grows by its importance, and a square starts again
// from zero once it has arrived. A square near the player grows faster than one far away, and one
// left out keeps growing, so nothing waits for ever. The player's own square always goes first:
// the prediction reconciles against it (step 06).
//
// "Arrived" means acknowledged, not sent: until the client acknowledges a tick, the next ticks are
// still differences from an older snapshot, so the changes that went must go again. Were they to
// start from zero when sent, the next tick would send others instead, and the client, showing
// each tick as the older snapshot plus that tick's changes, would see squares jump back and forth.
import type { Rect } from "../../shared/wire/protocol.ts";

/** What real games keep a datagram under: the usual 1500-byte Ethernet MTU, less room for the IP
 *  and UDP headers and for tunnels (VPNs, PPPoE) on the way. */
export const DATAGRAM_BUDGET = 1200;

/** The distance, in pixels, at which the nearness bonus has fallen to half. */
const NEAR_PX = 200;
/** How much more the nearest squares matter than the farthest. */
const NEAR_BONUS = 3;

/** How fast a square's priority grows: 1 far away, up to 1 + NEAR_BONUS next to the viewer (or 1
 *  for everyone when the viewer is not in its own view). */
export function importance(viewer: Rect | undefined, square: Rect): number {
  if (viewer === undefined) return 1;
  const distance = Math.hypot(square.x - viewer.x, square.y - viewer.y);
  return 1 + (NEAR_BONUS * NEAR_PX) / (NEAR_PX + distance);
}

/** One client's accumulated priorities, by square id. Only squares with something to send have
 *  one, so it never holds more than the client's view. */
export class PriorityAccumulator {
  private priority = new Map<number, number>();

  /** Grows every pending square's priority by its importance (Infinity: always first) and returns
   *  the ids most urgent first, ties by id so that a run is repeatable. */
  rank(pending: readonly number[], importanceOf: (id: number) => number): number[] {
    const grown = new Map<number, number>();
    const ranked = pending.map((id) => {
      const priority = (this.priority.get(id) ?? 0) + importanceOf(id);
      grown.set(id, priority);
      return { id, priority };
    });
    this.priority = grown; // squares with nothing to send any more are forgotten
    return ranked.sort((a, b) => b.priority - a.priority || a.id - b.id).map((r) => r.id);
  }

  /** These squares have arrived (the tick that carried them was acknowledged): back to zero. */
  arrived(ids: Iterable<number>): void {
    for (const id of ids) this.priority.delete(id);
  }

  /** Everything was sent: nobody is waiting. */
  clear(): void {
    this.priority.clear();
  }

  priorityOf(id: number): number {
    return this.priority.get(id) ?? 0;
  }
}

/** The largest n in 0..count for which fits(n) holds, when fits is true up to some n and false
 *  after it (a datagram only grows as changes are added): a binary search, log2(count) tries. */
export function longestFit(count: number, fits: (n: number) => boolean): number {
  let low = 0; // fits(low) is taken as true: nothing always fits
  let high = count;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}
