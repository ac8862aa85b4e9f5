// Entity interpolation: other players are drawn where they were a little while ago, between two
// states the client already has, instead of where the newest state put them. States come 30 times a
// second and a little irregularly (jitter, loss); drawing each as it arrives makes squares hop 10 px
// at a time and stutter. Drawing `delayMs` in the past, there is (nearly) always a state before and
// one after that moment, and the square glides between them.
//
// Time is counted in server ticks: tick t happened at about `t × tickMs` on the server, and a state
// arrives some delay after. The client learns that delay from the least delayed state it has seen
// (jitter only ever adds to it), so the states are placed on an even timeline whatever their
// arrival. The moment drawn never goes back: a player walking one way is never drawn stepping back.
//
// Pure: the caller passes the clock (`now`, milliseconds).
import type { Player } from "./messages.ts";

export interface Snapshot {
  readonly tick: number;
  readonly players: readonly Player[];
}

export interface InterpolationOptions {
  /** Milliseconds between two server ticks. */
  readonly tickMs: number;
  /** How far in the past to draw, milliseconds (about 100: three ticks at 30 Hz). */
  readonly delayMs: number;
  /** A square that moved farther than this between two states is drawn at the newer place at once
   *  (a respawn, a teleport: gliding there would be a lie). */
  readonly snapPx?: number;
}

/** States kept at most: a few seconds at 30 Hz, whatever the delay asked. */
/** How often a client draws a fresh view: a window shows 60 frames a second, so squares glide. */
export const FRAME_MS = 1000 / 60;
/** A square that moved farther than this between two states is not glided there (a respawn). */
export const SNAP_PX = 100;

const MAX_SNAPSHOTS = 128;
/** How fast the estimated delay may grow back when states keep coming later (a slower route, a
 *  server that skipped ticks): this fraction of a tick per state. */
const RELAX = 0.02;

/** Squares of `b`, each moved `f` (0..1) of the way from where it was in `a` (if it was there). */
export function lerpPlayers(a: readonly Player[], b: readonly Player[], f: number, snapPx = Infinity): Player[] {
  const before = new Map(a.map((p) => [p.name, p]));
  return b.map((to) => {
    const from = before.get(to.name);
    if (from === undefined || f >= 1) return to;
    if (Math.abs(to.x - from.x) + Math.abs(to.y - from.y) > snapPx) return to;
    return { ...to, x: from.x + (to.x - from.x) * f, y: from.y + (to.y - from.y) * f };
  });
}

export class Interpolator {
  private readonly snapshots: Snapshot[] = [];
  /** Local time of server tick 0, as seen through the least delayed state. */
  private origin = Infinity;
  /** The (fractional) tick drawn last: never goes back. */
  private drawnTick = 0;

  constructor(private readonly options: InterpolationOptions) {}

  /** Adds a state received at `now`. A tick not newer than the newest one kept is ignored. */
  push(snapshot: Snapshot, now: number): void {
    const newest = this.snapshots.at(-1);
    if (newest !== undefined && snapshot.tick <= newest.tick) return;
    this.snapshots.push(snapshot);
    if (this.snapshots.length > MAX_SNAPSHOTS) this.snapshots.shift();
    const origin = now - snapshot.tick * this.options.tickMs;
    this.origin = Math.min(origin, this.origin + RELAX * this.options.tickMs);
  }

  /** The tick drawn at `now`: `delayMs` behind the newest state's timeline, never going back. */
  tickAt(now: number): number {
    if (this.origin === Infinity) return 0;
    const wanted = (now - this.origin - this.options.delayMs) / this.options.tickMs;
    this.drawnTick = Math.max(this.drawnTick, wanted);
    return this.drawnTick;
  }

  /** The players as drawn at `now`: between the two states around the drawn tick; the oldest
   *  state kept before any, the newest when the states run out (never guessing beyond it). */
  sample(now: number): Player[] {
    const tick = this.tickAt(now);
    const s = this.snapshots;
    if (s.length === 0) return [];
    let i = s.length - 1; // the newest state at or before the drawn tick
    while (i > 0 && s[i]!.tick > tick) i--;
    if (i > 0) s.splice(0, i); // older ones are never needed again: the drawn tick only grows
    const a = s[0]!;
    const b = s[1];
    if (b === undefined || tick <= a.tick) return [...a.players];
    const f = Math.min(1, (tick - a.tick) / (b.tick - a.tick));
    return lerpPlayers(a.players, b.players, f, this.options.snapPx);
  }

  /** The newest state's players: what the server says now (for collisions, say). */
  latest(): readonly Player[] {
    return this.snapshots.at(-1)?.players ?? [];
  }
}
