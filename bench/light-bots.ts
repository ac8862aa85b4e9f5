// Light players for the benchmark: thousands in one process, each doing only what a player must
// (join, send its inputs, keep alive, leave) and reading a reply just enough to find its own
// square, with a native byte search for `(<name>,` instead of parsing the whole state. The steps'
// own clients parse every state and redraw a view: hundreds of them on the same cores as the
// server measure the bots, not the server (issue 13). These cost the server exactly what real
// players cost it (the same messages, the same sockets) and cost their machine as little as the
// protocol allows. The steps' own clients still run beside them, a few per rung, as the probes
// that measure what a player feels (bench/bot-runner.ts).
//
// From step 08 a move carries the tick the bot draws (`VIEW`); from 09 the ticks are binary and the
// bot acknowledges the newest every 100 ms (`ACK`), reading each tick's header and its own square's
// move (scanTick), not the squares; step 10's bots join through the handshake and seal everything,
// with the step's own handshake.ts and sealed.ts.
//
// One process-wide clock (`Fleet.poll`, every POLL_MS) decides what every bot sends; a bot has no
// timer of its own. Names are short, start with a letter and hold no protocol keyword.
import type { Socket, udp } from "bun";
import { randomBytes } from "node:crypto";
import { encodeText } from "../shared/wire/encoding.ts";
import { mulberry32 } from "../shared/plumbing/prng.ts";
// Steps 09 and 10 speak in bytes: their own codec and handshake, so a bot speaks exactly as they do.
import { decodeTick, TICK_MAGIC } from "../steps/09-delta-snapshots/snapshot-codec.ts";
import { ACCEPT, ClientHandshake } from "../steps/10-secure-connect/handshake.ts";
import type { SealedChannel } from "../steps/10-secure-connect/sealed.ts";

/** How a step's clients talk to its server. */
export type Transport =
  | "tcp-per-message" // 02: a new TCP connection for every message, UTF-16
  | "tcp-persistent" // 03: one TCP connection per client, request/response, UTF-16
  | "udp-request" // 04: CONNECT on the main port, then INPUT -> STATE on a dedicated port, UTF-8
  | "udp-tick" // 05-07: states every tick, INPUT ... SEQ n on change, PING to keep alive
  | "udp-view" // 08: as 05-07, each move with the tick the client draws: INPUT ... SEQ n VIEW t
  | "udp-delta" // 09: as 08, each tick a binary datagram (0xD9), acknowledged with ACK <tick>
  | "udp-sealed"; // 10: as 09, after a cookie and key handshake, every datagram sealed

/** The transports whose server ticks and streams (every one from 05 on). */
export const ticking = (t: Transport): boolean => t.startsWith("udp") && t !== "udp-request";

export interface FleetOptions {
  readonly transport: Transport;
  readonly host: string;
  readonly port: number;
  /** Step 07: pick a team and get ready when told (`Fleet.getReady`); a round needs both teams. */
  readonly game?: boolean;
  /** Inputs per second at most in the request/response steps (their clients' --rate). */
  readonly rate?: number;
  /** The share of the bots that stand still, never sending a move (0 to 1, spread evenly by index):
   *  what a server sends when some or all of its players keep still. */
  readonly still?: number;
  readonly seed?: number;
}

/** What the bots saw during a window (from `startWindow` to `report`). */
export interface FleetReport {
  readonly bots: number;
  readonly joined: number;
  /** Bots that never joined (refused, or no answer). */
  readonly failedToJoin: number;
  /** Bots dropped after joining (DISCONNECTED or ERROR from the server, a closed connection). */
  readonly dropped: number;
  readonly reasons: Record<string, number>;
  /** Replies (request/response) or states (ticking steps) received. */
  readonly states: number;
  readonly bytesIn: number;
  /** Messages and bytes the bots sent (inputs, pings). */
  readonly messagesOut: number;
  readonly bytesOut: number;
  /** Position changes of the bots' own squares seen, and bots that saw theirs change. */
  readonly moves: number;
  readonly movedBots: number;
  /** Seconds the window lasted. */
  readonly seconds: number;
}

const POLL_MS = 5;
/** The UDP clients' rules (steps 04-07's clients): CONNECT again after 0.5 s, six tries. */
const CONNECT_RETRY_MS = 500;
const CONNECT_TRIES = 6;
/** Step 05's client: a changed input is repeated every 50 ms until acknowledged, 8 times at most. */
const REPEAT_MS = 50;
const REPEATS = 8;
const KEEP_ALIVE_MS = 1000;
/** Step 09's client acknowledges the newest tick it holds every 100 ms: without it every tick is a
 *  full snapshot, clipped to the datagram budget. */
const ACK_EVERY_MS = 100;
/** Step 04's client gives up on an answer after 0.5 s and sends the next input. */
const ANSWER_TIMEOUT_MS = 500;
/** The TCP steps' clients wait up to 10 s for a reply: the server is slow, not gone. */
const TCP_REPLY_TIMEOUT_MS = 10_000;
const LEAVE_RETRY_MS = 200;
const LEAVE_TRIES = 5;
const MOVES = ["L", "R", "U", "D"] as const;

type Phase = "joining" | "lobby" | "playing" | "leaving" | "left" | "failed" | "dropped";

const ascii = (text: string): Buffer => Buffer.from(text, "latin1");
const utf16 = (text: string): Buffer => Buffer.from(encodeText(text, "utf-16"));
/** `END` in the TCP steps' UTF-16 (little-endian, each ASCII letter then a zero byte). */
const END16 = Buffer.from("END", "utf16le");

/** Reads a whole number at `at` in an ASCII (step = 1) or UTF-16 (step = 2) buffer: [value, index after]. */
export function readInt(bytes: Uint8Array, at: number, step = 1): [number, number] {
  let i = at;
  const negative = bytes[i] === 45; // '-'
  if (negative) i += step;
  let n = 0;
  let digits = 0;
  for (; i < bytes.length && bytes[i]! >= 48 && bytes[i]! <= 57; i += step, digits++) n = n * 10 + bytes[i]! - 48;
  return [digits === 0 ? NaN : negative ? -n : n, i];
}

/** Where a player stands, from `(name,(r,g,b),(x,y),(w,h))` found at `at` (the needle is `(name,`):
 *  skip the colour, read x and y. undefined if the bytes end before (a TCP chunk cut it). */
export function positionAt(bytes: Uint8Array, at: number, needleLength: number, step = 1): { x: number; y: number } | undefined {
  let i = at + needleLength;
  while (i < bytes.length && bytes[i] !== 41) i += step; // the colour's ')'
  i += 3 * step; // "),("
  const [x, afterX] = readInt(bytes, i, step);
  const [y] = readInt(bytes, afterX + step, step);
  return Number.isNaN(x) || Number.isNaN(y) ? undefined : { x, y };
}

/**
 * The ends of messages in a UTF-16 byte stream (the TCP steps): each message is a byte order mark,
 * its text, and `END`. `push` calls `onMessage` with the first letter of every message completed,
 * so a reply (`S` for STATE) is told from a PING or an ERROR. The search is Buffer.indexOf (native);
 * an `END` cut between two chunks is found from the few bytes kept from the previous one.
 */
export class Utf16Ends {
  /** The last bytes of the previous chunk (at most 5: an END cut in two). */
  private tail = Buffer.alloc(0);
  /** Bytes still to skip before the current message's first letter (2: its byte order mark); -1 once read. */
  private letterIn = 2;
  private letter = 0;

  push(chunk: Buffer, onMessage: (letter: string) => void): void {
    let from = 0;
    // An END that started in the previous chunk.
    if (this.tail.length > 0) {
      const joined = Buffer.concat([this.tail, chunk.subarray(0, 5)]);
      const at = joined.indexOf(END16);
      if (at >= 0 && at + 6 > this.tail.length) {
        from = at + 6 - this.tail.length;
        this.finish(onMessage);
      }
    }
    for (;;) {
      if (this.letterIn >= 0) {
        if (from + this.letterIn >= chunk.length) {
          this.letterIn -= chunk.length - from;
          break;
        }
        this.letter = chunk[from + this.letterIn]!;
        this.letterIn = -1;
      }
      const at = chunk.indexOf(END16, from);
      if (at < 0) break;
      from = at + 6;
      this.finish(onMessage);
    }
    // Keep what may begin an END: the last 5 bytes not yet part of a found one (with the previous
    // tail when nothing ended in this chunk, so that even one-byte chunks add up).
    const rest = from > 0 ? chunk.subarray(from) : Buffer.concat([this.tail, chunk]);
    this.tail = Buffer.from(rest.subarray(Math.max(0, rest.length - 5)));
  }

  private finish(onMessage: (letter: string) => void): void {
    onMessage(String.fromCharCode(this.letter));
    this.letterIn = 2;
  }
}

/** Whether bot `index` is one of the still ones when a share `still` of them are: spread evenly, so
 *  that any run of bots holds that share (0.5: every other bot), whatever the processes' split. */
export const isStill = (index: number, still: number): boolean => Math.floor((index + 1) * still) > Math.floor(index * still);

/** What a light bot reads of a binary tick (step 09): its numbers and phase, and whether its own
 *  square (`ownId`) moved since the baseline, without decoding the squares. */
export interface TickScan {
  readonly tick: number;
  readonly ack: number;
  /** snapshot-codec.ts' phase code: 0 the lobby, 1 the countdown, 2 a round, 3-5 its end. */
  readonly phase: number;
  readonly ownMoved: boolean;
}

/** A varint of snapshot-codec.ts (7 bits a byte, low first, 5 bytes at most): [value, index after];
 *  NaN if the bytes end or run on. */
function varintAt(bytes: Uint8Array, at: number): [number, number] {
  let n = 0;
  for (let i = 0, scale = 1; i < 5; i++, scale *= 0x80) {
    const byte = bytes[at++];
    if (byte === undefined) return [NaN, at];
    n += (byte & 0x7f) * scale;
    if (byte < 0x80) return [n, at];
  }
  return [NaN, at];
}

/** Reads a binary tick as far as a bot needs: the header, the removed ids skipped, the moved list
 *  until `ownId` (ids come in increasing order). The entered squares, most of the bytes, are never
 *  read: a thousand bots decoding every tick in full would measure the bots (decodeTick is used
 *  once, to learn the own square's id). undefined if it is no tick. */
export function scanTick(bytes: Uint8Array, ownId: number | undefined): TickScan | undefined {
  if (bytes[0] !== TICK_MAGIC) return undefined;
  const [tick, a] = varintAt(bytes, 1);
  const [ack, b] = varintAt(bytes, a);
  let [, at] = varintAt(bytes, b); // the baseline's age
  const shape = bytes[at++] ?? NaN;
  const phase = shape & 0b111;
  let bad = Number.isNaN(tick + ack + shape);
  const skip = () => {
    const [n, next] = varintAt(bytes, at);
    at = next;
    bad ||= Number.isNaN(n);
    return n;
  };
  if (phase !== 0) skip(); // ticks left
  let ownMoved = false;
  if (ownId !== undefined && !bad) {
    if (shape & 0b1000) for (let i = 0, count = skip(); i < count && !bad; i++) skip(); // removed
    if (shape & 0b1_0000) {
      for (let i = 0, count = skip(), previous = -1; i < count && !bad; i++) {
        const code = skip();
        const axes = code % 4;
        const id = previous + 1 + (code - axes) / 4;
        if (id >= ownId) {
          ownMoved = id === ownId;
          break;
        }
        if (axes & 1) skip();
        if (axes & 2) skip();
        previous = id;
      }
    }
  }
  return bad ? undefined : { tick, ack, phase, ownMoved };
}

/** One light player; the transport's class says how it talks. */
abstract class LightBot {
  phase: Phase = "joining";
  why = "";
  /** The input held now, and when to change it (a short walk, a rest, another walk). */
  move: (typeof MOVES)[number] | "." = ".";
  changeAt = 0;
  lastSentAt = -Infinity;
  tries = 0;
  /** Where its square stood in the last reply that showed it. */
  at: { x: number; y: number } | undefined;
  movedInWindow = false;
  /** This bot stands still all along (FleetOptions.still). */
  readonly still: boolean;

  constructor(readonly fleet: Fleet, readonly name: string, readonly index: number) {
    this.still = isStill(index, fleet.options.still ?? 0);
  }

  abstract open(): Promise<void>;
  abstract poll(now: number, fromClock?: boolean): void;
  /** Starts saying goodbye (the clock sends it, retried). */
  abstract leave(): void;
  abstract close(): void;

  /** Request/response (02-04): the next input may go once the answer came and 1/rate has passed
   *  since the last one, as the steps' request loop does; then this is the time it counts as sent.
   *  From the clock (`late` by up to a poll) it counts as sent when it was due, so the clock's grain
   *  does not slow the rhythm; at an answer that came after that, it is sent there and then. */
  sendTime(now: number, fromClock: boolean): number | undefined {
    const due = this.lastSentAt + this.fleet.interval;
    if (now < due) return undefined;
    return fromClock ? Math.max(due, now - POLL_MS) : now;
  }

  /** The bot's walk: hold a direction 100-600 ms, now and then rest, as the steps' bots do. In a
   *  round of step 07 a hider mostly keeps still (1-3 s) between short dashes, as the game's own
   *  bots hide (they flee only a seeker in sight); seekers roam. */
  walk(now: number): boolean {
    if (now < this.changeAt || this.still) return false;
    const random = this.fleet.random;
    const hiding = this.fleet.options.game === true && this.index % 4 !== 0;
    if (hiding && this.move === ".") {
      this.move = MOVES[Math.floor(random() * 4)]!;
      this.changeAt = now + 200 + random() * 300;
    } else if (hiding) {
      this.move = ".";
      this.changeAt = now + 1000 + random() * 2000;
    } else {
      const r = random();
      this.move = r < 0.2 ? "." : MOVES[Math.floor(r * 5) - 1]!;
      this.changeAt = now + 100 + random() * 500;
    }
    return true;
  }

  saw(position: { x: number; y: number } | undefined): void {
    if (position === undefined) return;
    if (this.at !== undefined && (position.x !== this.at.x || position.y !== this.at.y)) {
      this.fleet.counts.moves++;
      this.movedInWindow = true;
    }
    this.at = position;
  }

  end(phase: "failed" | "dropped" | "left", why: string): void {
    if (this.phase === "failed" || this.phase === "dropped" || this.phase === "left") return;
    this.phase = phase;
    this.why = why;
    this.close();
    this.fleet.settled();
  }
}

// ---------------------------------------------------------------- UDP (steps 04-07)

type UdpSocket = udp.Socket<"buffer">;

class UdpBot extends LightBot {
  private socket!: UdpSocket;
  private dedicated = 0;
  /** From step 05: the welcome's number (`PROOF <n>`), echoed in every PING: the server streams
   *  nothing before it hears it, and a keep-alive resends it should the first echo be lost. */
  private proof = 0;
  private readonly needle: Buffer;
  /** Ticking steps: the newest input number, and the newest the server acknowledged. */
  private seq = 0;
  private acked = 0;
  private repeats = 0;
  private lastPingAt = 0;
  /** The request/response step: whether the last INPUT was answered. */
  private answered = true;
  /** Step 07: the input numbers of the team and READY sent, once told to get ready. */
  private readySeq = 0;
  private seenGame = false;
  /** From step 08: the newest tick received (a move's VIEW); from 09 the newest acknowledged, and when. */
  private newestTick = 0;
  private ackedTick = 0;
  private lastAckAt = 0;
  /** From step 09: the own square's id on the wire, once a tick brought it. */
  private ownId: number | undefined;
  /** Step 10: this join's key pair (one for every try), then the session it opened. */
  private handshake: ClientHandshake | undefined;
  private channel: SealedChannel | undefined;

  constructor(fleet: Fleet, name: string, index: number) {
    super(fleet, name, index);
    this.needle = ascii(`(${name},`);
  }

  async open(): Promise<void> {
    this.socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      socket: {
        data: (_s, bytes, port) => this.receive(bytes, port),
        error: () => {}, // "port unreachable" after the server stopped: the silence shows it
      },
    });
  }

  private get transport(): Transport {
    return this.fleet.options.transport;
  }

  /** A text message to the dedicated port (the main port before there is one), sealed once a
   *  session is open (step 10). */
  private send(text: string): void {
    const bytes = ascii(text);
    this.sendBytes(this.channel?.seal(bytes) ?? bytes, this.dedicated || this.fleet.options.port);
  }

  private sendBytes(bytes: Uint8Array, port: number): void {
    if (this.socket.closed) return;
    try {
      this.socket.send(bytes, port, this.fleet.address);
      this.fleet.counts.messagesOut++;
      this.fleet.counts.bytesOut += bytes.length;
    } catch {
      // ECONNREFUSED: an earlier datagram found nobody; this one is lost like any other
    }
  }

  poll(now: number, fromClock = true): void {
    switch (this.phase) {
      case "joining":
        if (now - this.lastSentAt < CONNECT_RETRY_MS) return;
        if (this.tries++ >= CONNECT_TRIES) return this.end("failed", "no answer to CONNECT");
        if (this.transport === "udp-sealed") {
          // Step 10 knocks with a padded CONNECT; its CHALLENGE is answered in `unseal`.
          this.handshake ??= new ClientHandshake(this.name, randomBytes(32));
          this.sendBytes(this.handshake.knock(), this.fleet.options.port);
        } else this.send(`CONNECT ${this.name} END`);
        this.lastSentAt = now;
        return;
      case "lobby":
        this.acknowledge(now);
        // Team and READY in one datagram, again until a STATE acknowledges both (ACK).
        if (this.readySeq === 0 || this.acked >= this.readySeq || now - this.lastSentAt < 300) return this.keepAlive(now);
        this.send(`INPUT ${this.index % 4 === 0 ? "RED" : "BLUE"} SEQ ${this.readySeq - 1} END INPUT READY SEQ ${this.readySeq} END`);
        this.lastSentAt = now;
        return;
      case "playing":
        if (ticking(this.transport)) {
          this.acknowledge(now);
          if (this.walk(now)) {
            this.seq++;
            this.repeats = 0;
            this.sendInput(now);
          } else if (this.acked < this.seq && now - this.lastSentAt >= (this.repeats < REPEATS ? REPEAT_MS : KEEP_ALIVE_MS)) this.sendInput(now);
          return this.keepAlive(now);
        }
        // Request/response: the next input once the answer came and 1/rate passed, or the answer is given up on.
        this.walk(now);
        const at = this.answered ? this.sendTime(now, fromClock) : now - this.lastSentAt >= ANSWER_TIMEOUT_MS ? now : undefined;
        if (at !== undefined) {
          this.answered = false;
          this.send(`INPUT ${this.move} END`);
          this.lastSentAt = at;
        }
        return;
      case "leaving":
        if (now - this.lastSentAt < LEAVE_RETRY_MS) return;
        if (this.tries++ >= LEAVE_TRIES) return this.end("left", "no DISCONNECTED (left anyway)");
        this.send(`DISCONNECT ${this.name} END`);
        this.lastSentAt = now;
        return;
    }
  }

  /** From step 08 a move names the tick the client draws the others at: the newest it has. */
  private sendInput(now: number): void {
    const view = this.transport === "udp-tick" ? "" : ` VIEW ${this.newestTick}`;
    this.send(`INPUT ${this.move} SEQ ${this.seq}${view} END`);
    this.repeats++;
    this.lastSentAt = now;
  }

  /** From step 09: `ACK <tick>` for the newest tick held, every ACK_EVERY_MS while one is new. */
  private acknowledge(now: number): void {
    if (this.transport !== "udp-delta" && this.transport !== "udp-sealed") return;
    if (this.newestTick <= this.ackedTick || now - this.lastAckAt < ACK_EVERY_MS) return;
    this.send(`ACK ${this.newestTick} END`);
    this.ackedTick = this.newestTick;
    this.lastAckAt = now;
  }

  private keepAlive(now: number): void {
    if (now - this.lastPingAt < KEEP_ALIVE_MS) return;
    this.send(`PING ${this.proof} END`);
    this.lastPingAt = now;
  }

  getReady(): void {
    if (this.phase !== "lobby" || this.readySeq !== 0) return;
    this.seq += 2;
    this.readySeq = this.seq;
    this.lastSentAt = -Infinity;
  }

  leave(): void {
    if (this.phase !== "playing" && this.phase !== "lobby") return this.end("left", "never joined");
    this.phase = "leaving";
    this.tries = 0;
    this.lastSentAt = -Infinity;
  }

  close(): void {
    this.socket?.close();
  }

  private receive(datagram: Buffer, port: number): void {
    const counts = this.fleet.counts;
    counts.bytesIn += datagram.length;
    const bytes = this.transport === "udp-sealed" ? this.unseal(datagram, port) : datagram;
    if (bytes === undefined) return;
    if (bytes[0] === TICK_MAGIC) return this.binaryTick(bytes, port);
    // The first word says what it is; a step-07 datagram starts with the phase (LOBBY, GAME...).
    switch (bytes[0]) {
      case 67: // C: CONNECTED <port> <name> ...
        if (this.phase !== "joining") return;
        this.dedicated = readInt(bytes, 10)[0];
        this.phase = this.fleet.options.game ? "lobby" : "playing";
        this.at = undefined;
        if (bytes.lastIndexOf(" PROOF ") > 0) {
          this.proof = readInt(bytes, bytes.lastIndexOf(" PROOF ") + 7)[0];
          this.lastPingAt = -Infinity;
          this.keepAlive(performance.now()); // at once: no state comes before it
        } else if (this.channel !== undefined) {
          this.lastPingAt = -Infinity;
          this.keepAlive(performance.now()); // step 10: the first sealed datagram confirms the session
        }
        this.fleet.settled();
        return;
      case 68: // D: DISCONNECTED <name>
        return this.end(this.phase === "leaving" ? "left" : "dropped", "DISCONNECTED by the server");
      case 69: // E: ERROR <code>
        if (this.phase === "joining") return this.end("failed", `refused: ${bytes.toString("latin1", 6, bytes.length - 4)}`);
        if (this.phase !== "leaving") counts.errors++;
        return;
      case 80: // P: our PING, echoed
        return;
    }
    if (port !== this.dedicated) return;
    counts.states++;
    if (this.fleet.options.game) this.phaseIs(bytes[0] === 71 /* G */ ? "game" : bytes[0] === 76 /* L */ ? "lobby" : "other");
    const at = bytes.indexOf(this.needle);
    if (at >= 0) this.saw(positionAt(bytes, at, this.needle.length));
    const ack = bytes.lastIndexOf(" ACK ");
    if (ack >= 0) this.acked = Math.max(this.acked, readInt(bytes, ack + 5)[0]);
    const tick = this.transport === "udp-view" ? bytes.lastIndexOf(" TICK ") : -1;
    if (tick >= 0) this.newestTick = Math.max(this.newestTick, readInt(bytes, tick + 6)[0]);
    if (this.fleet.options.transport === "udp-request") {
      this.answered = true;
      this.poll(performance.now(), false); // the next input may be due already
    }
  }

  /** Steps 09-10: a binary tick, scanned (not decoded): its numbers, its phase, and whether the
   *  bot's own square moved. Its id is learnt once, from the first tick that brings it whole. */
  private binaryTick(bytes: Uint8Array, port: number): void {
    if (port !== this.dedicated) return;
    if (this.ownId === undefined) {
      const decoded = decodeTick(bytes);
      const own = decoded.ok ? decoded.value.changes.find((c) => c.kind === "entered" && c.square.name === this.name) : undefined;
      this.ownId = own?.id;
    }
    const scan = scanTick(bytes, this.ownId);
    if (scan === undefined) return;
    this.fleet.counts.states++;
    this.newestTick = Math.max(this.newestTick, scan.tick);
    this.acked = Math.max(this.acked, scan.ack);
    if (scan.ownMoved) {
      this.fleet.counts.moves++;
      this.movedInWindow = true;
    }
    if (this.fleet.options.game) this.phaseIs(scan.phase === 2 ? "game" : scan.phase === 0 ? "lobby" : "other");
  }

  /** Step 10: the handshake's datagrams are answered here and the session's opened. Returns the
   *  plaintext to read (a refusal in clear from the main port, the welcome, a sealed datagram), or
   *  undefined: a CHALLENGE (answered with our key), or anything that does not open. */
  private unseal(bytes: Buffer, port: number): Buffer | undefined {
    const main = this.fleet.options.port;
    let plaintext: Uint8Array | undefined;
    if (port === main) {
      const cookie = this.phase === "joining" ? ClientHandshake.cookieIn(bytes) : undefined;
      if (cookie === undefined) return bytes;
      this.sendBytes(this.handshake!.proof(cookie), main);
      return undefined;
    }
    if (bytes[0] === ACCEPT && this.channel === undefined && this.handshake !== undefined) {
      // The ACCEPT comes from the dedicated port: from now on everything goes there, sealed.
      const accepted = this.handshake.accept(bytes);
      if (accepted === undefined) return undefined;
      this.channel = accepted.channel;
      this.dedicated = port;
      plaintext = accepted.welcome;
    } else if (port === this.dedicated) plaintext = this.channel?.open(bytes);
    return plaintext && Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.length);
  }

  /** Step 07 on: a round began or ended (back in the lobby: get ready again). */
  private phaseIs(kind: "game" | "lobby" | "other"): void {
    if (kind === "game" && this.phase === "lobby") {
      this.phase = "playing";
      this.seenGame = true;
    } else if (kind === "lobby" && this.phase === "playing" && this.seenGame) {
      this.phase = "lobby";
      this.readySeq = 0;
      this.move = ".";
      this.getReady();
    }
  }
}

// ---------------------------------------------------------------- TCP (steps 02 and 03)

interface TcpLink {
  readonly ends: Utf16Ends;
  /** A message other than a PING came back on this connection. */
  replied: boolean;
}

class TcpBot extends LightBot {
  private socket: Socket<TcpLink> | undefined;
  private readonly needle: Buffer;
  /** A request is out: its reply has not come yet. */
  private waiting = false;
  private opening = false;

  constructor(fleet: Fleet, name: string, index: number) {
    super(fleet, name, index);
    this.needle = Buffer.from(`(${name},`, "utf16le");
  }

  private get perMessage(): boolean {
    return this.fleet.options.transport === "tcp-per-message";
  }

  async open(): Promise<void> {
    if (!this.perMessage) await this.connect();
  }

  /** Opens a connection (the persistent one, or the next message's). */
  private async connect(): Promise<Socket<TcpLink> | undefined> {
    this.opening = true;
    try {
      const socket = await Bun.connect<TcpLink>({
        hostname: this.fleet.options.host,
        port: this.fleet.options.port,
        data: { ends: new Utf16Ends(), replied: false },
        socket: {
          data: (s, chunk) => this.receive(s, chunk),
          close: (s) => this.closed(s),
          error: () => {},
          connectError: () => {},
        },
      });
      socket.setNoDelay(true);
      this.socket = socket;
      return socket;
    } catch (e) {
      this.end(this.phase === "joining" ? "failed" : "dropped", `cannot connect: ${(e as Error).message}`);
      return undefined;
    } finally {
      this.opening = false;
    }
  }

  /** Sends one message: on the persistent connection, or on a new one (step 02). `at`: the time it counts as sent. */
  private request(text: string, at: number): void {
    this.waiting = true;
    this.lastSentAt = at;
    const bytes = utf16(text);
    this.fleet.counts.messagesOut++;
    this.fleet.counts.bytesOut += bytes.length;
    if (!this.perMessage) {
      this.socket?.write(bytes);
      return;
    }
    void this.connect().then((socket) => socket?.write(bytes));
  }

  poll(now: number, fromClock = true): void {
    if (this.opening) return;
    const name = this.name;
    switch (this.phase) {
      case "joining":
        if (!this.waiting) this.request(`CONNECT ${name} END`, now);
        else if (now - this.lastSentAt > TCP_REPLY_TIMEOUT_MS) this.end("failed", "no answer to CONNECT");
        return;
      case "playing": {
        this.walk(now);
        const at = this.waiting ? undefined : this.sendTime(now, fromClock);
        if (at !== undefined) this.request(this.perMessage ? `INPUT ${name} ${this.move} END` : `INPUT ${this.move} END`, at);
        else if (this.waiting && now - this.lastSentAt > TCP_REPLY_TIMEOUT_MS) this.end("dropped", "no reply in 10 s");
        return;
      }
      case "leaving":
        if (!this.waiting) this.request(`DISCONNECT ${name} END`, now);
        else if (now - this.lastSentAt > 1000) this.end("left", "no DISCONNECTED (left anyway)");
        return;
    }
  }

  leave(): void {
    if (this.phase !== "playing") return this.end("left", "never joined");
    this.phase = "leaving";
    // A request still out is answered first; the DISCONNECT follows it.
  }

  close(): void {
    this.socket?.end();
  }

  private receive(socket: Socket<TcpLink>, chunk: Buffer): void {
    this.fleet.counts.bytesIn += chunk.length;
    const at = chunk.indexOf(this.needle);
    const position = at >= 0 ? positionAt(chunk, at, this.needle.length, 2) : undefined;
    socket.data.ends.push(chunk, (letter) => {
      if (letter === "P") return; // the server's PING (step 03): a player need not answer it
      this.waiting = false;
      socket.data.replied = true;
      if (this.perMessage) socket.end(); // one message per connection
      if (letter === "S") {
        this.fleet.counts.states++;
        this.saw(position);
        this.poll(performance.now(), false); // the next input may be due already
      } else if (letter === "C" && this.phase === "joining") {
        this.phase = "playing";
        this.fleet.settled();
      } else if (letter === "D") this.end(this.phase === "leaving" ? "left" : "dropped", "DISCONNECTED by the server");
      else if (letter === "E") {
        if (this.phase === "joining") this.end("failed", "refused (ERROR)");
        else this.fleet.counts.errors++;
      }
    });
  }

  private closed(socket: Socket<TcpLink>): void {
    if (this.perMessage) {
      // The server closes after its one reply; a connection closed without one lost the request.
      if (socket === this.socket && !socket.data.replied && this.phase === "playing") this.waiting = false;
      return;
    }
    if (this.phase === "leaving") this.end("left", "closed");
    else this.end(this.phase === "joining" ? "failed" : "dropped", "connection closed by the server");
  }
}

// ---------------------------------------------------------------- the fleet

/** Many light bots of one step in this process, and their one clock. */
export class Fleet {
  readonly bots: LightBot[] = [];
  readonly random: () => number;
  /** Milliseconds between two inputs of a request/response bot. */
  readonly interval: number;
  readonly counts = { states: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0, moves: 0, errors: 0 };
  address = "127.0.0.1";
  private windowStart = performance.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly options: FleetOptions) {
    this.random = mulberry32(options.seed ?? 1);
    this.interval = 1000 / (options.rate ?? 30);
  }

  /** Starts `names.length` bots, `spreadMs` apart in all, and resolves once each has joined or given up. */
  async join(names: readonly string[], spreadMs = 0, firstIndex = 0): Promise<void> {
    this.timer ??= setInterval(() => this.poll(), POLL_MS);
    const udp = this.options.transport.startsWith("udp");
    for (const [i, name] of names.entries()) {
      const bot = udp ? new UdpBot(this, name, firstIndex + i) : new TcpBot(this, name, firstIndex + i);
      this.bots.push(bot);
      await bot.open();
      if (names.length > 1 && spreadMs > 0) await Bun.sleep(spreadMs / names.length);
    }
    await this.until(() => this.bots.every((b) => b.phase !== "joining"));
  }

  /** Step 07: every bot in the lobby picks its team (one seeker in four) and gets ready. */
  getReady(): void {
    for (const bot of this.bots) if (bot instanceof UdpBot) bot.getReady();
  }

  get joined(): number {
    return this.bots.filter((b) => b.phase !== "joining" && b.phase !== "failed").length;
  }

  /** A new measured window: counters back to zero. */
  startWindow(): void {
    for (const key of Object.keys(this.counts) as (keyof Fleet["counts"])[]) this.counts[key] = 0;
    for (const bot of this.bots) bot.movedInWindow = false;
    this.windowStart = performance.now();
  }

  report(): FleetReport {
    const reasons: Record<string, number> = {};
    for (const b of this.bots) if (b.phase === "failed" || b.phase === "dropped") reasons[b.why] = (reasons[b.why] ?? 0) + 1;
    const c = this.counts;
    return {
      bots: this.bots.length,
      joined: this.joined,
      failedToJoin: this.bots.filter((b) => b.phase === "failed").length,
      dropped: this.bots.filter((b) => b.phase === "dropped").length + c.errors,
      reasons,
      states: c.states,
      bytesIn: c.bytesIn,
      messagesOut: c.messagesOut,
      bytesOut: c.bytesOut,
      moves: c.moves,
      movedBots: this.bots.filter((b) => b.movedInWindow).length,
      seconds: (performance.now() - this.windowStart) / 1000,
    };
  }

  /** Every bot says goodbye (retried, bounded); resolves once all have left. Returns how many the server confirmed. */
  async leave(timeoutMs = 5000): Promise<number> {
    for (const bot of this.bots) bot.leave();
    await this.until(() => this.bots.every((b) => b.phase === "left" || b.phase === "failed" || b.phase === "dropped"), timeoutMs);
    return this.bots.filter((b) => b.phase === "left" && b.why !== "never joined" && !b.why.startsWith("no DISCONNECTED")).length;
  }

  /** Stops the clock and closes every socket. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const bot of this.bots) bot.close();
  }

  /** Called when a bot changes phase for good: wakes `until`. */
  settled(): void {
    this.wake?.();
  }

  private poll(): void {
    const now = performance.now();
    for (const bot of this.bots) bot.poll(now);
  }

  private until(done: () => boolean, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(limit);
        clearInterval(recheck);
        this.wake = undefined;
        resolve();
      };
      const limit = setTimeout(() => {
        clearInterval(recheck);
        this.wake = undefined;
        resolve();
      }, timeoutMs);
      const recheck = setInterval(check, 100); // phases also change without a settle (a bot's own timeout)
      this.wake = check;
      check();
    });
  }
}
