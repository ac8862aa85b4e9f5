// Client-side prediction and server reconciliation, for a server that *holds* each input and applies
// it once per tick (step 05's): the client runs the same simulation on its own input at once, and
// corrects itself with every STATE.
//
// The bookkeeping is per tick, because a held move is not one event but one move per tick. The
// client runs a tick clock at the server's rate and records, for every tick it predicted, which
// input was held (its SEQ) and which tick of that input it was (its index: 0, 1, 2...). A STATE
// says `TICK t ACK n`: the server has applied input n in tick t, and every input before n is
// finished. If n was first applied in tick s, the server has applied it t - s + 1 times: the
// client's ticks of n with index below that are inside the server's position, the others (and
// every tick of a newer input) are not. Reconciliation starts from the server's square and replays
// those. The server does not say s: it is the tick of the first STATE that acknowledges n, exact
// when the state before it arrived; when that one was lost, s is one of the ticks in the gap, and
// the one whose replay lands closest to what the client predicted is taken.
//
// Pure: no clock, no network. The caller says when a tick passes and when a STATE arrives.
import type { Move, Player } from "./messages.ts";
import { SPEED, step, type World } from "../../shared/world/simulation.ts";

/** One tick the client predicted: the input held then, and which of that input's ticks it was. */
export interface PredictedTick {
  readonly seq: number;
  readonly move: Move;
  /** 0 for the first tick of input `seq`, 1 for the next... */
  readonly index: number;
  /** Pixels per tick, when not the simulation's SPEED (step 07: each team has its own). */
  readonly speed?: number;
}

/** What one STATE says about our own square. */
export interface ServerSays {
  /** The state's TICK. */
  readonly tick: number;
  /** The state's ACK: the newest of our inputs the server has applied (0: none yet). */
  readonly ack: number;
  /** Our square in that state. */
  readonly me: Player;
}

/** At most this many ticks wait for an ACK (a minute at 30 Hz): a silent server cannot grow them forever. */
const MAX_PENDING = 1800;
/** A lost run of states longer than this is not searched for the tick that first applied an input. */
const MAX_CANDIDATES = 8;

/** Our square after one tick holding `move`, moved by the shared simulation against the walls and
 *  the other squares of `world` (where we stand in `world` is ignored: `me` says it). */
export function predictMove(world: World, me: Player, move: Move, speed = SPEED): Player {
  if (move === ".") return me;
  const players = world.players.map((p) => (p.name === me.name ? me : p));
  if (!players.includes(me)) players.push(me);
  const after = step({ ...world, players }, new Map([[me.name, move]]), speed);
  return after.players.find((p) => p.name === me.name) ?? me;
}

/** Replays ticks on top of a square, in order. */
export function replay(world: World, from: Player, ticks: readonly PredictedTick[]): Player {
  let me = from;
  for (const t of ticks) me = predictMove(world, me, t.move, t.speed);
  return me;
}

/** The ticks the server had not applied at `says.tick`, if it first applied input `says.ack` in
 *  tick `since`: every tick of a newer input, and the ticks of input `ack` beyond the count applied. */
export function unapplied(pending: readonly PredictedTick[], ack: number, applied: number): PredictedTick[] {
  return pending.filter((t) => t.seq > ack || (t.seq === ack && t.index >= applied));
}

export const distance = (a: { x: number; y: number }, b: { x: number; y: number }): number => Math.hypot(a.x - b.x, a.y - b.y);

export class Predictor {
  private me: Player;
  private pending: PredictedTick[] = [];
  private last: { seq: number; index: number } = { seq: -1, index: -1 };
  /** The newest tick heard of, the newest input acknowledged and the tick that first applied it. */
  private heardTick = 0;
  private acked = 0;
  private ackedSince = 0;
  /** Pixels the last STATE moved the prediction, and how many STATEs moved it at all. */
  lastCorrection = 0;
  corrections = 0;

  constructor(me: Player) {
    this.me = me;
  }

  /** Where we predict our square is now. */
  get position(): Player {
    return this.me;
  }

  /** Ticks predicted and not yet known to be applied by the server. */
  get waiting(): number {
    return this.pending.length;
  }

  /** One tick of the client's clock with input `seq` (`move`) held: moves the square at once. */
  tick(seq: number, move: Move, world: World, speed?: number): Player {
    const index = seq === this.last.seq ? this.last.index + 1 : 0;
    this.last = { seq, index };
    if (move === ".") return this.me; // standing still: nothing to replay, ever
    this.pending.push({ seq, move, index, ...(speed === undefined ? {} : { speed }) });
    if (this.pending.length > MAX_PENDING) this.pending.shift();
    this.me = predictMove(world, this.me, move, speed);
    return this.me;
  }

  /** Reconciliation: rewinds to the server's square and replays what the server has not applied
   *  yet. Returns the correction in pixels (0 when the prediction was right). Old states are ignored. */
  reconcile(says: ServerSays, world: World): number {
    if (says.tick <= this.heardTick) return 0;
    const firsts = this.firstTickCandidates(says);
    let best: { since: number; ticks: PredictedTick[]; me: Player; off: number } | undefined;
    for (const since of firsts) {
      const ticks = unapplied(this.pending, says.ack, says.tick - since + 1);
      const me = replay(world, says.me, ticks);
      const off = distance(me, this.me);
      if (best === undefined || off < best.off) best = { since, ticks, me, off };
    }
    const chosen = best!; // firsts is never empty
    this.heardTick = says.tick;
    this.acked = says.ack;
    this.ackedSince = chosen.since;
    this.pending = chosen.ticks;
    this.me = chosen.me;
    this.lastCorrection = chosen.off;
    if (chosen.off > 0) this.corrections++;
    return chosen.off;
  }

  /** Without reconciliation: take the server's square as it is and predict on from there (the
   *  square jumps back by a round trip's worth of moves on every STATE). Returns the jump in pixels. */
  snap(says: ServerSays): number {
    if (says.tick <= this.heardTick) return 0;
    this.heardTick = says.tick;
    const off = distance(says.me, this.me);
    this.me = says.me;
    this.pending = [];
    this.lastCorrection = off;
    if (off > 0) this.corrections++;
    return off;
  }

  /** The ticks that may have first applied input `says.ack`, newest first. */
  private firstTickCandidates(says: ServerSays): number[] {
    if (says.ack === this.acked && this.ackedSince > 0) return [this.ackedSince];
    const oldest = Math.max(this.heardTick + 1, says.tick - MAX_CANDIDATES + 1);
    const out: number[] = [];
    for (let s = says.tick; s >= oldest; s--) out.push(s);
    return out;
  }
}
