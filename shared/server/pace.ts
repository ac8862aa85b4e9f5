// The request/response steps (02, 03, 04) move a square once for every INPUT, so a client that sends
// faster moves faster: 200 INPUTs in one write moved a square 1,205 px in 11 ms. The article's
// "semi anti-cheat" (the server moves the squares) holds only if the server also sets the pace.
// So each player earns one move every 1/rate s; an INPUT without a move to spend is still answered
// with the state, but moves nothing. The ticking steps (05 on) need none of this: they apply at
// most one input per player per tick.
import { flag } from "../plumbing/cli.ts";

export const moveRateFlag = flag("number", 30, "moves per second a player may make; faster INPUTs are answered but move nothing (0: no limit)", { min: 0, max: 1000 });

/** Half a move of slack: an INPUT that arrives a little early (network jitter) still moves, yet a
 *  burst of them moves once. */
const MOST_SAVED = 1.5;

/** One player's pace: a budget of moves that refills at `perSecond`, holding at most MOST_SAVED. */
export class MovePace {
  private saved = MOST_SAVED;
  private updatedAt: number;

  constructor(private readonly perSecond: number, now = performance.now()) {
    this.updatedAt = now;
  }

  /** Whether a move now keeps to the pace; if it does, it is spent. */
  take(now = performance.now()): boolean {
    if (this.perSecond <= 0) return true;
    this.saved = Math.min(MOST_SAVED, this.saved + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.saved < 1) return false;
    this.saved -= 1;
    return true;
  }
}
