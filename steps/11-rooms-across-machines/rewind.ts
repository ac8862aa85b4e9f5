// Lag compensation: a catch is judged where the seeker saw the hider. A seeker's screen shows its
// own square where it predicts it (the present, once its input reaches the server) and the others
// where the server had them a while ago: a state takes half a round trip to arrive, and the client
// draws the others `--interp-ms` behind the newest state. Every INPUT says which tick that was
// (`VIEW <tick>`). The server judges the seeker at the present and the hiders at that tick, read
// from its History: what the seeker touched on its screen is what it catches.
//
// Inputs are sent only when they change (step 05), not every tick as a shooter's are. So the server
// keeps how far behind the present the newest INPUT's view was (its lag, in ticks) and judges each
// tick that far back: the round trip and the interpolation delay change slowly while a move is held.
//
// The rewind is capped (`--max-rewind-ms`): a client may lie about its view, and without a cap
// it could catch a hider where it stood a second ago. Pure: ticks in, ticks out.
import type { History } from "./history.ts";
import type { Rect } from "./messages.ts";
import { touches, type Game, type Saw } from "./rules.ts";

/** The default cap of the rewind, milliseconds: what an honest seeker needs on the course's bad
 *  link, 75 ms each way (plus 10 of jitter): a round trip (up to 170 ms), the interpolation delay
 *  (100 ms) and up to a tick of the client's input clock and one of the server's (67 ms). */
export const MAX_REWIND_MS = 350;

/** The cap in whole ticks: at most `ms` of rewind at `tickHz` ticks a second. */
export const ticksIn = (ms: number, tickHz: number): number => Math.max(0, Math.floor((ms * tickHz) / 1000 + 1e-9));

/** How far behind the present a seeker drew the others: `view` is the tick its INPUT says it drew,
 *  `applied` the tick that applies that input (the server's next). Never negative: a view "from the
 *  future" is judged at the present. */
export const lagOf = (applied: number, view: number): number => Math.max(0, applied - view);

/** The tick a seeker's catches are judged at, in the tick `present`: `lag` back, at most `maxTicks`. */
export const judgedTick = (present: number, lag: number, maxTicks: number): number => present - Math.min(Math.max(0, lag), maxTicks);

/**
 * What each seeker saw, for the rules' catch check in the tick `present`: a hider's square at the
 * seeker's judged tick, from the history. Undefined (the rules then take the present) for a seeker
 * with no view known, a rewind of zero, or a hider the history does not have.
 */
export function rewound(history: History, present: number, lagOfSeeker: (seeker: string) => number | undefined, maxTicks: number): Saw {
  return (seeker, hider) => {
    const lag = lagOfSeeker(seeker);
    if (lag === undefined) return undefined;
    const tick = judgedTick(present, lag, maxTicks);
    return tick >= present ? undefined : history.at(tick, hider);
  };
}

/** A catch as the server judged it, for its log (and for a benchmark reading the log). */
export interface Catch {
  readonly hider: string;
  /** The seeker whose touch it was. */
  readonly seeker: string;
  /** How far apart the two squares stood at the present, in pixels: 0 when they touch now too,
   *  more when the hider had already moved away (it is caught for where the seeker saw it). */
  readonly apartPx: number;
}

/** The catches made by the tick that turned `before` into `after`, judged as the rules judge
 *  them (the seeker now, the hider where `saw` says). */
export function catchesBetween(before: Game, after: Game, saw: Saw | undefined): Catch[] {
  const seekers = after.world.players.filter((p) => after.members.get(p.name)?.team === "SEEKERS");
  const out: Catch[] = [];
  for (const hider of after.world.players) {
    if (before.members.get(hider.name)?.caught !== false || after.members.get(hider.name)?.caught !== true) continue;
    const seeker = seekers.find((s) => touches(s, saw?.(s.name, hider.name) ?? hider));
    if (seeker !== undefined) out.push({ hider: hider.name, seeker: seeker.name, apartPx: apart(seeker, hider) });
  }
  return out;
}

/** The shortest distance between two squares, 0 when they touch. */
export function apart(a: Rect, b: Rect): number {
  const dx = Math.max(0, b.x - (a.x + a.w), a.x - (b.x + b.w));
  const dy = Math.max(0, b.y - (a.y + a.h), a.y - (b.y + b.h));
  return Math.hypot(dx, dy);
}
