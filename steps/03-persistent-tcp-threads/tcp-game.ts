// The game behind the TCP servers of steps 02 and 03: the rules for joining, moving and leaving,
// their replies and log lines, the operator's console and a clean stop. The two steps differ only
// in how a message reaches this code (a new connection per message, or one connection per client),
// and that difference is all their own files hold.
import type { Socket } from "bun";
import { flag, hostFlag, portFlag, SECONDS, whole } from "../../shared/plumbing/cli.ts";
import { encodeText, type Encoding } from "../../shared/wire/encoding.ts";
import { log, quote, refusals } from "../../shared/plumbing/log.ts";
import { OPEN_FIELD } from "../../shared/world/maps.ts";
import { formatMessage, formatPlayers, formatState, MOVES, parseMessage, type ErrorCode, type Message, type Move } from "../../shared/wire/protocol.ts";
import { Room } from "../../shared/server/room.ts";
import { startConsole } from "../../shared/server/console.ts";
import { maxConnectionsFlag, maxPerAddressFlag, type AddressCounts } from "../../shared/server/tcp-limits.ts";
import { MovePace, moveRateFlag } from "../../shared/server/pace.ts";

/** What the article's TCP steps spoke: Python's `bytes(text, "utf-16")`. */
export const ENCODING: Encoding = "utf-16";
/** Longest message a client may send, in characters (the article read `recv(1024)`). */
export const MAX_CLIENT_MESSAGE = 1024;

export const gameServerFlags = (port: number) => ({
  host: hostFlag,
  port: portFlag(port),
  "max-players": flag("number", 32, "players admitted at the same time", whole(1, 10_000)),
  timeout: flag("number", 10, "seconds without a message before a client is dropped", SECONDS),
  "max-connections": maxConnectionsFlag,
  "max-per-address": maxPerAddressFlag,
  "move-rate": moveRateFlag,
});

/** A player as the server knows it: its square lives in the Room, the rest here. */
export interface Member {
  readonly name: string;
  /** The IP address that connected the name. */
  readonly address: string;
  /** `performance.now()` of its last message. */
  lastHeard: number;
  /** Round trip of the last ping, in steps that measure one. */
  pingMs?: number;
  /** How fast it may move: the server sets the pace, not the client. */
  readonly pace: MovePace;
}

/** What crossed the wire since the server started, for `stats` (the benchmark reads it). */
export const traffic = { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 };
/** A client message's size on the wire: UTF-16 sends a byte order mark, then 2 bytes per unit. */
const wireBytes = (text: string): number => 2 * (1 + text.length);

export type InputMessage = Extract<Message, { type: "INPUT" }>;
export type Read = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly reply: string };

export class TcpGame {
  readonly room: Room;
  private readonly members = new Map<string, Member>();

  /** @param moveRate moves per second a player may make (0: as many as it sends). */
  constructor(maxPlayers: number, private readonly moveRate = 0) {
    // No map travels with `CONNECTED <name> END`: client and server both play on OPEN_FIELD.
    this.room = new Room(OPEN_FIELD, { maxPlayers });
  }

  get count(): number {
    return this.members.size;
  }

  find(name: string): Member | undefined {
    return this.members.get(name);
  }

  /** Parses one framed message; a malformed one is logged and answered with an error. */
  read(text: string, address: string): Read {
    traffic.messagesIn++;
    traffic.bytesIn += wireBytes(text);
    const parsed = parseMessage(text);
    if (parsed.ok) return { ok: true, message: parsed.value };
    return { ok: false, reply: this.refuse(address, parsed.code ?? "MALFORMED", `${quote(text)}: ${parsed.error}`) };
  }

  /** CONNECT: the reply, and the new member when the name was admitted. */
  join(name: string, address: string): { readonly reply: string; readonly member?: Member } {
    const joined = this.room.join(name);
    if (!joined.ok) return { reply: this.refuse(address, joined.code, `cannot join as ${name}`) };
    const member: Member = { name, address, lastHeard: performance.now(), pace: new MovePace(this.moveRate) };
    this.members.set(name, member);
    log.join(`${name} joined from ${address} at (${joined.player.x},${joined.player.y}), ${this.count} playing`);
    return { reply: formatMessage({ type: "CONNECTED", name }), member };
  }

  /** INPUT from a member: one move at once if it keeps to the pace, answered with the whole state. */
  move(member: Member, message: InputMessage): string {
    const move = message.input as Move;
    if (!MOVES.includes(move) || message.seq !== undefined) {
      return this.refuse(member.address, "MALFORMED", `${member.name}: this step takes INPUT with one of ${MOVES.join(" ")}`);
    }
    member.lastHeard = performance.now(); // only a valid message counts as a sign of life
    // Faster than --move-rate: answered all the same (the client sees where it is), not moved.
    if (member.pace.take()) this.room.move(member.name, move);
    return formatState(formatPlayers(this.room.players));
  }

  /** Removes a member (DISCONNECT, kick, timeout, lost connection); the reply says goodbye. */
  leave(member: Member, why: string): string {
    const me = this.room.players.find((p) => p.name === member.name);
    this.room.leave(member.name);
    this.members.delete(member.name);
    const at = me === undefined ? "" : ` at (${me.x},${me.y})`;
    log.leave(`${member.name} left from ${member.address}${at}: ${why}, ${this.count} playing`);
    return formatMessage({ type: "DISCONNECTED", name: member.name });
  }

  /** Members that have said nothing since `cutoff` (a `performance.now()` time). */
  silentSince(cutoff: number): Member[] {
    return [...this.members.values()].filter((m) => m.lastHeard < cutoff);
  }

  /** Logs a refusal with the address (a flood of them summed up) and returns the error reply. */
  refuse(address: string, code: ErrorCode, detail: string): string {
    refusals.refuse(address, `${address} ${code}: ${detail}`);
    return formatMessage({ type: "ERROR", code });
  }

  /** One line per player for the console's `list`. */
  list(now = performance.now()): string[] {
    if (this.count === 0) return ["nobody is playing"];
    return [...this.members.values()].map((m) => {
      const p = this.room.players.find((q) => q.name === m.name);
      const ping = m.pingMs === undefined ? "ping -" : `ping ${m.pingMs.toFixed(2)} ms`;
      return `${m.name.padEnd(16)} ${m.address.padEnd(15)} at (${p?.x},${p?.y})  ${ping}  heard ${Math.round(now - m.lastHeard)} ms ago`;
    });
  }
}

/** A reply as it goes on the wire, counted in `traffic`. */
export function encodeReply(text: string): Uint8Array {
  const bytes = encodeText(text, ENCODING);
  traffic.messagesOut++;
  traffic.bytesOut += bytes.length;
  return bytes;
}

/** Writes one message; a client that does not read its replies (the kernel's buffer is full) is
 *  closed rather than waited for, so it cannot hold the server up. Returns whether it went out. */
export function send(socket: Socket<unknown>, text: string, andClose = false): boolean {
  const bytes = encodeReply(text);
  const written = andClose ? socket.end(bytes) : socket.write(bytes);
  if (written === bytes.length) return true;
  socket.end();
  return false;
}

/** What a server lets its operator see and do, beyond the game itself. */
export interface ServerControls {
  /** Sockets open right now. */
  sockets(): number;
  /** Timers the server keeps running (a leak would show here). */
  timers(): number;
  /** Characters received but not yet a whole message, over every connection: a client that
   *  dribbles must not make this grow without bound. */
  buffered(): number;
  /** Connections open per IP address, and the cap. */
  readonly perAddress: AddressCounts;
  /** Bytes of replies waiting for clients to read them, over every connection (step 03). */
  queued?(): number;
  /** Removes a player at the operator's request. */
  kick(member: Member): void;
  /** Says goodbye where it can, closes every socket and exits 0. */
  stop(): void;
}

/** The console on stdin (help, list, kick, stats, stop), and the same `stop` on SIGINT/SIGTERM. */
export function serveConsole(game: TcpGame, controls: ServerControls): void {
  startConsole({
    list: { help: "players, their addresses and pings", run: () => game.list() },
    kick: {
      help: "kick <name>: remove a player",
      run([name]) {
        if (name === undefined) return ["kick needs a name: kick <name> (list shows who plays)"];
        const member = game.find(name);
        if (member === undefined) return [`nobody plays as ${JSON.stringify(name)}`];
        controls.kick(member);
        return [`kicked ${name}`];
      },
    },
    stats: {
      help: "counts, to spot leaks: players, open sockets, timers; messages and bytes each way; the most connections from one address, and the cap",
      run: () => [
        `players ${game.count}, sockets ${controls.sockets()}, timers ${controls.timers() + refusals.timers}, ` +
          `in ${traffic.messagesIn} messages ${traffic.bytesIn} bytes, out ${traffic.messagesOut} messages ${traffic.bytesOut} bytes, buffered ${controls.buffered()}` +
          `${controls.queued ? `, queued ${controls.queued()}` : ""}, per-address ${controls.perAddress.busiest}/${controls.perAddress.max}`,
      ],
    },
    stop: {
      help: "tell every client, close every socket, exit",
      run() {
        controls.stop();
        return [];
      },
    },
  });
  process.on("SIGINT", () => controls.stop());
  process.on("SIGTERM", () => controls.stop());
}
