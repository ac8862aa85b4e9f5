// Step 09's idea: each tick is sent as the difference from a snapshot the client has said it holds.
//
// A snapshot is what one client is told in one tick: the squares it sees (step 07 tells each player
// only what it can see, so every client has its own). The server keeps, per client, the snapshots
// of the last HISTORY_TICKS ticks; the client acknowledges the newest tick it holds (`ACK <tick>`),
// and the server writes each new tick as the changes from that one. No datagram is ever sent again:
// a lost one only means that the next one is a difference from an older snapshot, which says the
// same and a little more. A client whose acknowledged snapshot has left the history gets the
// changes from nothing: a full snapshot.
//
// Both sides turn a baseline and changes into a snapshot with the same function (applyChanges), so
// what the client decodes for a tick is exactly what the server recorded for that tick.
// (Quake 3 and Source send their snapshots this way; Glenn Fiedler's "Snapshot Compression" too.)
import { fail, MAX_NUMBER, ok, type Parsed } from "../../shared/wire/protocol.ts";
import { decodeTick, encodeTick, tickSize, type Change, type Square, type TickMessage, type TickPhase } from "./snapshot-codec.ts";
import { DATAGRAM_BUDGET, importance, longestFit, PriorityAccumulator } from "./priority.ts";

/** What one client is told in one tick: its squares, sorted by id, so that two snapshots are
 *  compared in one walk down both. */
export type Snapshot = readonly Square[];
export const NOTHING: Snapshot = [];

/** Ticks of snapshots kept on each side: a second at 30 Hz. An acknowledgement older than that
 *  (a long silence, heavy loss) costs a full snapshot. */
export const HISTORY_TICKS = 32;

/** Whether two squares are the same but for where they stand. */
const sameButPlace = (a: Square, b: Square): boolean =>
  a.name === b.name && a.w === b.w && a.h === b.h && a.ready === b.ready &&
  a.color.r === b.color.r && a.color.g === b.color.g && a.color.b === b.color.b;

/** The changes that turn `baseline` into `current`: squares gone, moved, or new (or changed in
 *  more than their place: a team colour, ready), in id order. */
export function diff(baseline: Snapshot, current: Snapshot): Change[] {
  const changes: Change[] = [];
  let i = 0;
  let j = 0;
  while (i < baseline.length || j < current.length) {
    const was = baseline[i];
    const now = current[j];
    if (now === undefined || (was !== undefined && was.id < now.id)) {
      changes.push({ kind: "removed", id: was!.id });
      i++;
    } else if (was === undefined || now.id < was.id) {
      changes.push({ kind: "entered", id: now.id, square: now });
      j++;
    } else {
      // The same square object (a square that kept still) is the common case: no field to compare.
      if (was !== now && !sameButPlace(was, now)) changes.push({ kind: "entered", id: now.id, square: now });
      else if (was.x !== now.x || was.y !== now.y) changes.push({ kind: "moved", id: now.id, dx: now.x - was.x, dy: now.y - was.y });
      i++;
      j++;
    }
  }
  return changes;
}

/** The snapshot that `changes` (in increasing id order, one per square) make of `baseline`, or
 *  why they cannot apply to it. */
export function applyChanges(baseline: Snapshot, changes: readonly Change[]): Parsed<Snapshot> {
  const out: Square[] = [];
  let i = 0;
  let previous = -1;
  for (const c of changes) {
    if (c.id <= previous) return fail("changes must come in increasing id order, one per square");
    previous = c.id;
    while (i < baseline.length && baseline[i]!.id < c.id) out.push(baseline[i++]!);
    const was = baseline[i]?.id === c.id ? baseline[i++] : undefined;
    if (c.kind === "entered") {
      if (c.square.id !== c.id) return fail(`square ${c.square.id} entered as ${c.id}`);
      out.push(c.square);
    } else if (was === undefined) {
      return fail(`square ${c.id} is ${c.kind} but the baseline does not hold it`);
    } else if (c.kind === "moved") {
      const x = was.x + c.dx;
      const y = was.y + c.dy;
      if (Math.abs(x) > MAX_NUMBER || Math.abs(y) > MAX_NUMBER) return fail(`square ${c.id} moves out of range`);
      out.push({ ...was, x, y });
    } // removed: left out
  }
  while (i < baseline.length) out.push(baseline[i++]!);
  return ok(out);
}

/** Something kept for each of the last `ticks` ticks. A tick that old or older is forgotten, and
 *  one that arrives that late is not kept. */
export class RecentTicks<T> {
  private readonly byTick = new Map<number, T>();
  private newestTick: number | undefined;

  constructor(readonly ticks: number = HISTORY_TICKS) {}

  get newest(): number | undefined {
    return this.newestTick;
  }

  get(tick: number): T | undefined {
    return this.byTick.get(tick);
  }

  put(tick: number, value: T): void {
    const before = this.newestTick ?? tick;
    const newest = Math.max(tick, before);
    if (tick <= newest - this.ticks) return;
    // Forget the ticks that just fell out: one a tick, usually; all of them after a long jump.
    if (newest - before >= this.ticks) this.byTick.clear();
    else for (let old = before - this.ticks + 1; old <= newest - this.ticks; old++) this.byTick.delete(old);
    this.byTick.set(tick, value);
    this.newestTick = newest;
  }
}

/** The header of one client's tick: everything but the squares. */
export type TickHeader = Pick<TickMessage, "tick" | "ack" | "phase">;

/** What the server recorded for one tick of one client. */
interface Sent {
  /** What the client holds for that tick if the datagram arrives: the baseline and the changes sent. */
  readonly snapshot: Snapshot;
  /** The squares whose changes went, when not all did: acknowledged, they stop waiting. */
  readonly ids?: readonly number[];
}

/** The server's side, one per client: its recent snapshots, the newest it acknowledged, and
 *  which squares are waiting for room in the datagram. */
export class SnapshotSender {
  private readonly sent: RecentTicks<Sent>;
  private readonly priorities = new PriorityAccumulator();
  private acked: number | undefined;
  /** Figures for the server's `stats`: full snapshots (no baseline held), ticks that did not fit,
   *  and the changes those left for later. */
  readonly counts = { full: 0, clipped: 0, deferred: 0 };

  constructor(private readonly budget = DATAGRAM_BUDGET, historyTicks = HISTORY_TICKS) {
    this.sent = new RecentTicks(historyTicks);
  }

  /** The client holds `tick` (its `ACK <tick>`): later ticks are written as changes from it. An
   *  older acknowledgement than one already taken (reordered) or one of a tick never sent is
   *  ignored. */
  acknowledge(tick: number): void {
    if (this.acked !== undefined && tick <= this.acked) return;
    const record = this.sent.get(tick);
    if (record === undefined) return;
    this.acked = tick;
    if (record.ids !== undefined) this.priorities.arrived(record.ids);
  }

  /** The tick the next datagram is a difference from (undefined: from nothing). */
  get baseline(): number | undefined {
    return this.acked !== undefined && this.sent.get(this.acked) !== undefined ? this.acked : undefined;
  }

  /** What this client holds for `tick` if its datagram arrived (the tests compare with it). */
  snapshotOf(tick: number): Snapshot | undefined {
    return this.sent.get(tick)?.snapshot;
  }

  /** The datagram for one tick of this client's `view` (sorted by id). `viewer` names the client's
   *  own square, which goes first when not everything fits. */
  encode(header: TickHeader, view: Snapshot, viewer?: string): Uint8Array {
    const from = this.baseline;
    const baseline = from === undefined ? NOTHING : this.sent.get(from)!.snapshot;
    if (from === undefined) this.counts.full++;
    const changes = diff(baseline, view);
    const message: TickMessage = { ...header, ...(from === undefined ? {} : { baseline: from }), changes };
    const bytes = encodeTick(message);
    if (bytes.length <= this.budget) {
      this.priorities.clear(); // everything went: nobody waits
      this.sent.put(header.tick, { snapshot: view });
      return bytes;
    }
    const chosen = this.mostUrgent(message, baseline, view, viewer);
    const applied = applyChanges(baseline, chosen);
    if (!applied.ok) throw new Error(`snapshot delta: ${applied.error}`); // diff's own changes always apply
    this.counts.clipped++;
    this.counts.deferred += changes.length - chosen.length;
    this.sent.put(header.tick, { snapshot: applied.value, ids: chosen.map((c) => c.id) });
    return encodeTick({ ...message, changes: chosen });
  }

  /** As many changes as fit in the budget, the most urgent first (priority.ts), in id order. */
  private mostUrgent(message: TickMessage, baseline: Snapshot, view: Snapshot, viewer: string | undefined): Change[] {
    const squares = new Map<number, Square>();
    for (const s of baseline) squares.set(s.id, s); // where a removed square was
    for (const s of view) squares.set(s.id, s);
    const me = viewer === undefined ? undefined : view.find((s) => s.name === viewer);
    const ranked = this.priorities.rank(
      message.changes.map((c) => c.id),
      (id) => (id === me?.id ? Infinity : importance(me, squares.get(id)!)),
    );
    // The n most urgent, kept in id order (as the codec writes them) so that no try sorts anything.
    const rankOf = new Map(ranked.map((id, rank) => [id, rank]));
    const mostUrgent = (n: number) => message.changes.filter((c) => rankOf.get(c.id)! < n);
    const fits = (n: number) => tickSize({ ...message, changes: mostUrgent(n) }) <= this.budget;
    return mostUrgent(longestFit(ranked.length, fits));
  }
}

/** One tick as the client reads it. */
export interface ReceivedTick {
  readonly tick: number;
  readonly ack: number;
  readonly phase: TickPhase;
  readonly snapshot: Snapshot;
}

/** The client's side: the snapshots it holds by tick, the baselines the server may name. */
export class SnapshotReceiver {
  private readonly held: RecentTicks<Snapshot>;

  constructor(historyTicks = HISTORY_TICKS) {
    this.held = new RecentTicks(historyTicks);
  }

  /** The tick to acknowledge: the newest snapshot held. */
  get newest(): number | undefined {
    return this.held.newest;
  }

  /** Reads one binary tick against the baseline it names. A duplicate or a late datagram is read
   *  like any other (the caller shows only ticks newer than the one it shows); one whose baseline
   *  is no longer held, or that does not read, is an error, and changes nothing. */
  receive(bytes: Uint8Array): Parsed<ReceivedTick> {
    const decoded = decodeTick(bytes);
    if (!decoded.ok) return decoded;
    const m = decoded.value;
    const baseline = m.baseline === undefined ? NOTHING : this.held.get(m.baseline);
    if (baseline === undefined) return fail(`tick ${m.tick} changes tick ${m.baseline}, which is no longer held`);
    const snapshot = applyChanges(baseline, m.changes);
    if (!snapshot.ok) return snapshot;
    this.held.put(m.tick, snapshot.value);
    return ok({ tick: m.tick, ack: m.ack, phase: m.phase, snapshot: snapshot.value });
  }
}
