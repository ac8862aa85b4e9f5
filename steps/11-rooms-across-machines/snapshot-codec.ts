// Step 09's wire for the tick: bytes instead of text. Every earlier step sends each square it shows
// as `(name,(r,g,b),(x,y),(w,h))`, about 42 bytes, thirty times a second, although the client
// already knows almost all of it. Here a tick carries only what changed since a snapshot the client
// holds (delta.ts says which one): a square that left (its id), a square that moved (its id and how
// far), and a square that is new to this client, or changed more than its place, in full. Names and
// colours therefore travel once, when a square enters a client's view.
//
// One datagram, one tick:
//
//   0xD9                   a byte no text message starts with (they all start with a capital)
//   tick ack               varints: the tick, and the newest input number applied (step 05's ACK)
//   age                    varint: the changes apply to the snapshot of tick (tick - age); 0: to nothing
//   shape                  one byte: the phase in the low 3 bits (lobby, countdown, game, over:
//                          every hider caught, time up, or the last hider left), then one bit for
//                          each list that follows
//   [ticks left]           varint, unless in the lobby
//   [removed]              varint count, then each id
//   [moved]                varint count, then each id with two bits saying which of x and y moved,
//                          then the signed move of each
//   [entered]              varint count, then each id, name (length byte, ASCII), r g b bytes,
//                          signed x y, w h, and a flags byte (1: ready)
//
// A tick in which nothing changed for this client is those first five fields: 5 to 9 bytes.
//
// Ids go in increasing order within a list, each written as the gap after the one before, so a
// list of neighbouring ids costs a byte an id whatever the ids are. A varint takes 7 bits a byte
// (the high bit says "more follows"): 0-127 in one byte, a move of a few pixels in one byte.
// Reading never throws: it returns a typed error, because any bytes may arrive.
import { checkName, fail, MAX_NUMBER, ok, type Parsed, type Player } from "../../shared/wire/protocol.ts";

/** The first byte of every binary tick. Text messages start with an ASCII capital, so the client
 *  tells the two apart by one byte, and the text messages (PING, DISCONNECTED, ERROR) stay text. */
export const TICK_MAGIC = 0xd9;

/** A square as a client holds it: the player, its id on the wire, and whether it is ready (the
 *  lobby's list of ready names, sent as a flag of the squares the client sees). */
export interface Square extends Player {
  readonly id: number;
  readonly ready: boolean;
}

/** What changed about one square, between the baseline and this tick. */
export type Change =
  | { readonly kind: "removed"; readonly id: number }
  | { readonly kind: "moved"; readonly id: number; readonly dx: number; readonly dy: number }
  /** New to this client, or changed more than its place (team colour, ready): sent whole. */
  | { readonly kind: "entered"; readonly id: number; readonly square: Square };

/** The phase of the round, with the time left in ticks so that the client's clock does not matter
 *  (the shape of step 07's rules.ts Phase, with `ticksLeft` for its `endsAt`). */
export type TickPhase =
  | { readonly kind: "lobby" }
  | { readonly kind: "countdown" | "game"; readonly ticksLeft: number }
  /** Why the round ended (rules.ts' Ending), which says who won: `time`, the hiders; else the seekers. */
  | { readonly kind: "over"; readonly why: "caught" | "left" | "time"; readonly ticksLeft: number };

export interface TickMessage {
  readonly tick: number;
  /** The newest input number the server applied for this client (reconciliation, step 06). */
  readonly ack: number;
  /** The tick whose snapshot the changes apply to; undefined: they apply to nothing (a full snapshot). */
  readonly baseline?: number;
  readonly phase: TickPhase;
  /** Any order when written; read back sorted by id. One change a square at most. */
  readonly changes: readonly Change[];
}

/** The largest id: ids are numbers a server hands out, one per player that joins. */
export const MAX_ID = MAX_NUMBER;
/** A varint of at most 5 bytes holds 35 bits: every position, and every difference of two. */
const VARINT_BYTES = 5;

const PHASES = ["lobby", "countdown", "game", "over-caught", "over-time", "over-left"] as const;
const phaseCode = (p: TickPhase): number => PHASES.indexOf(p.kind === "over" ? `over-${p.why}` : p.kind);
/** The shape byte's bits above the phase: which lists follow (an empty one is left out). */
const PHASE_BITS = 0b111;
const HAS_REMOVED = 0b1000;
const HAS_MOVED = 0b1_0000;
const HAS_ENTERED = 0b10_0000;
const READY = 1;
const X_MOVED = 1;
const Y_MOVED = 2;

// ---------------------------------------------------------------- writing

/** Bytes into a growing buffer through a DataView; or, `counting`, only how many there would be. */
class Writer {
  private view = new DataView(new ArrayBuffer(1500));
  length = 0;

  constructor(private readonly counting = false) {}

  u8(n: number): void {
    if (this.counting) {
      this.length++;
      return;
    }
    if (this.length === this.view.byteLength) {
      const bigger = new Uint8Array(this.view.byteLength * 2);
      bigger.set(new Uint8Array(this.view.buffer));
      this.view = new DataView(bigger.buffer);
    }
    this.view.setUint8(this.length++, n);
  }

  /** An integer >= 0, 7 bits a byte, low bits first. Arithmetic, not `>>`: JavaScript's bit
   *  operators cut numbers to 32 bits, and a difference of two positions needs 33. */
  varint(n: number): void {
    while (n >= 0x80) {
      this.u8((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.u8(n);
  }

  /** Zigzag: 0, -1, 1, -2, 2... become 0, 1, 2, 3, 4..., so a small move either way is one byte. */
  signed(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  /** A name: checkName allows only ASCII, at most 16 characters. */
  ascii(text: string): void {
    this.u8(text.length);
    for (let i = 0; i < text.length; i++) this.u8(text.charCodeAt(i));
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.view.buffer.slice(0, this.length));
  }
}

/** One list of changes of a kind, sorted by id, each id written as the gap after the previous. */
function writeList<C extends Change>(out: Writer, changes: readonly C[], body: (c: C, gap: number) => void): void {
  if (changes.length === 0) return;
  out.varint(changes.length);
  let previous = -1;
  for (const c of changes) {
    body(c, c.id - previous - 1);
    previous = c.id;
  }
}

function write(out: Writer, m: TickMessage): void {
  const removed: Extract<Change, { kind: "removed" }>[] = [];
  const moved: Extract<Change, { kind: "moved" }>[] = [];
  const entered: Extract<Change, { kind: "entered" }>[] = [];
  let sorted = true;
  m.changes.forEach((c, i) => {
    if (i > 0 && m.changes[i - 1]!.id > c.id) sorted = false;
    if (c.kind === "removed") removed.push(c);
    else if (c.kind === "entered") entered.push(c);
    else if (c.dx !== 0 || c.dy !== 0) moved.push(c); // a move of nothing is no change
  });
  // diff() gives its changes in id order already; anything else is sorted here.
  if (!sorted) for (const list of [removed, moved, entered]) list.sort((a, b) => a.id - b.id);
  out.u8(TICK_MAGIC);
  out.varint(m.tick);
  out.varint(m.ack);
  out.varint(m.baseline === undefined ? 0 : m.tick - m.baseline);
  const lists = (removed.length > 0 ? HAS_REMOVED : 0) | (moved.length > 0 ? HAS_MOVED : 0) | (entered.length > 0 ? HAS_ENTERED : 0);
  out.u8(phaseCode(m.phase) | lists);
  if (m.phase.kind !== "lobby") out.varint(m.phase.ticksLeft);
  writeList(out, removed, (_, gap) => out.varint(gap));
  writeList(out, moved, (c, gap) => {
    out.varint(gap * 4 + (c.dx !== 0 ? X_MOVED : 0) + (c.dy !== 0 ? Y_MOVED : 0));
    if (c.dx !== 0) out.signed(c.dx);
    if (c.dy !== 0) out.signed(c.dy);
  });
  writeList(out, entered, ({ square: s }, gap) => {
    out.varint(gap);
    out.ascii(s.name);
    out.u8(s.color.r);
    out.u8(s.color.g);
    out.u8(s.color.b);
    out.signed(s.x);
    out.signed(s.y);
    out.varint(s.w);
    out.varint(s.h);
    out.u8(s.ready ? READY : 0);
  });
}

/** One writer for every tick: the server encodes thousands a second. */
const scratch = new Writer();
/** And one that only counts: a tick that does not fit is sized a dozen times (priority.ts). */
const counter = new Writer(true);

/** The datagram of one tick. The baseline must not be after the tick. */
export function encodeTick(m: TickMessage): Uint8Array {
  scratch.length = 0;
  write(scratch, m);
  return scratch.bytes();
}

/** How many bytes encodeTick would make, without making them (to fit a datagram budget). */
export function tickSize(m: TickMessage): number {
  counter.length = 0;
  write(counter, m);
  return counter.length;
}

export const isTickDatagram = (bytes: Uint8Array): boolean => bytes[0] === TICK_MAGIC;

// ---------------------------------------------------------------- reading

/** Reads through a DataView; a read past the end or a value out of range records the first error
 *  and returns 0, so a caller checks `error` once per item rather than after every read. */
class Reader {
  private readonly view: DataView;
  private at = 0;
  error: string | undefined;

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get left(): number {
    return this.view.byteLength - this.at;
  }

  fail(why: string): number {
    this.error ??= why;
    return 0;
  }

  u8(): number {
    if (this.at >= this.view.byteLength) return this.fail("the datagram ends early");
    return this.view.getUint8(this.at++);
  }

  varint(max: number, what: string): number {
    let n = 0;
    for (let i = 0, scale = 1; i < VARINT_BYTES; i++, scale *= 0x80) {
      const byte = this.u8();
      n += (byte & 0x7f) * scale;
      if (byte < 0x80) return n <= max ? n : this.fail(`${what} must be at most ${max}`);
    }
    return this.fail(`${what}: a number longer than ${VARINT_BYTES} bytes`);
  }

  signed(maxAbs: number, what: string): number {
    const z = this.varint(2 * maxAbs + 1, what);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  ascii(): string {
    const length = this.u8();
    if (length > this.left) {
      this.fail("a name runs past the end");
      return "";
    }
    let text = "";
    for (let i = 0; i < length; i++) text += String.fromCharCode(this.u8());
    return text;
  }
}

/** One list, if the shape byte says it follows: its count (each item takes a byte at least, so a
 *  count above the bytes left is a lie, caught before any loop), then each item with its id
 *  rebuilt from the gaps. */
function readList<C extends Change>(from: Reader, follows: boolean, what: string, item: (from: Reader, gap: number, previous: number) => C | undefined): C[] {
  const out: C[] = [];
  if (!follows) return out;
  const count = from.varint(from.left, `the count of ${what}`);
  if (count === 0) from.fail(`an empty list of ${what} marked as following`);
  let previous = -1;
  for (let i = 0; i < count && from.error === undefined; i++) {
    const c = item(from, from.varint(MAX_NUMBER * 4 + 3, `an id of ${what}`), previous);
    if (c === undefined) break;
    if (c.id > MAX_ID) {
      from.fail(`an id of ${what} is above ${MAX_ID}`);
      break;
    }
    out.push(c);
    previous = c.id;
  }
  return out;
}

function readPhase(from: Reader, code: number): TickPhase {
  const kind = PHASES[code];
  if (kind === undefined) {
    from.fail(`unknown phase ${code}`);
    return { kind: "lobby" };
  }
  if (kind === "lobby") return { kind };
  const ticksLeft = from.varint(MAX_NUMBER, "ticks left");
  if (kind === "countdown" || kind === "game") return { kind, ticksLeft };
  return { kind: "over", why: kind === "over-caught" ? "caught" : kind === "over-time" ? "time" : "left", ticksLeft };
}

function readSquare(from: Reader, id: number): Square | undefined {
  const name = from.ascii();
  const [r, g, b] = [from.u8(), from.u8(), from.u8()];
  const x = from.signed(MAX_NUMBER, "x");
  const y = from.signed(MAX_NUMBER, "y");
  const w = from.varint(MAX_NUMBER, "width");
  const h = from.varint(MAX_NUMBER, "height");
  const flags = from.u8();
  if (from.error !== undefined) return undefined;
  if (!checkName(name).ok) from.fail(`square ${id} has an invalid name`);
  if (flags > READY) from.fail(`square ${id} has unknown flags ${flags}`);
  if (from.error !== undefined) return undefined;
  return { id, name, color: { r, g, b }, x, y, w, h, ready: flags === READY };
}

/** Reads one datagram of encodeTick's, or says what is wrong with it. Never throws. */
export function decodeTick(bytes: Uint8Array): Parsed<TickMessage> {
  const from = new Reader(bytes);
  if (from.u8() !== TICK_MAGIC) return fail("not a binary tick");
  const tick = from.varint(MAX_NUMBER, "tick");
  const ack = from.varint(MAX_NUMBER, "ack");
  const age = from.varint(MAX_NUMBER, "baseline age");
  if (age > tick) from.fail("the baseline is before tick 0");
  const shape = from.u8();
  if (shape > (PHASE_BITS | HAS_REMOVED | HAS_MOVED | HAS_ENTERED)) from.fail(`unknown bits in the shape byte ${shape}`);
  const phase = readPhase(from, shape & PHASE_BITS);
  const removed = readList(from, (shape & HAS_REMOVED) !== 0, "removed squares", (_, gap, previous) => ({ kind: "removed" as const, id: previous + 1 + gap }));
  const moved = readList(from, (shape & HAS_MOVED) !== 0, "moved squares", (from, code, previous) => {
    const axes = code % 4;
    const id = previous + 1 + (code - axes) / 4;
    if (axes === 0) {
      from.fail(`square ${id} moves along no axis`);
      return undefined;
    }
    const dx = axes & X_MOVED ? from.signed(2 * MAX_NUMBER, "a move") : 0;
    const dy = axes & Y_MOVED ? from.signed(2 * MAX_NUMBER, "a move") : 0;
    if ((axes & X_MOVED && dx === 0) || (axes & Y_MOVED && dy === 0)) from.fail(`square ${id} moves 0 along an axis it says it moves along`);
    return { kind: "moved" as const, id, dx, dy };
  });
  const entered = readList(from, (shape & HAS_ENTERED) !== 0, "entered squares", (from, gap, previous) => {
    const square = readSquare(from, previous + 1 + gap);
    return square && { kind: "entered" as const, id: square.id, square };
  });
  if (from.error === undefined && from.left > 0) from.fail(`${from.left} bytes after the last list`);
  if (from.error !== undefined) return fail(from.error);
  const changes: Change[] = [...removed, ...moved, ...entered].sort((a, b) => a.id - b.id);
  const twice = changes.find((c, i) => i > 0 && changes[i - 1]!.id === c.id);
  if (twice !== undefined) return fail(`square ${twice.id} changes twice`);
  return ok({ tick, ack, ...(age === 0 ? {} : { baseline: tick - age }), phase, changes });
}
