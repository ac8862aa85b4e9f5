// The wire protocol of steps 01-06: text messages of space-separated words ending with `END`.
// Data uses the original game's forms: a size `(w,h)`, a player `(name,(r,g,b),(x,y),(w,h))`,
// a wall `((r,g,b),(x,y),(w,h))`, lists `[a,b]` without spaces. Parsing never throws: it returns
// a typed error, because everything here arrives from strangers.
import { parseValue, type Value } from "./values.ts";

export type Move = "L" | "R" | "U" | "D" | ".";
export const MOVES: readonly Move[] = ["L", "R", "U", "D", "."];
export const isMove = (word: string | undefined): word is Move => (MOVES as readonly string[]).includes(word ?? "");

export interface Color {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}
export interface Size {
  readonly w: number;
  readonly h: number;
}
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}
export interface Player extends Rect {
  readonly name: string;
  readonly color: Color;
}
export interface Wall extends Rect {
  readonly color: Color;
}

/** Why a server refused something. The client turns the code into a sentence. */
export type ErrorCode =
  | "MALFORMED" // the message could not be parsed
  | "TOO_LONG" // a message exceeded the size limit, or a datagram carried too many messages
  | "NAME_INVALID" // bad characters or length, a protocol keyword, or starts with END
  | "NAME_TAKEN" // somebody already plays under that name
  | "SERVER_FULL" // no room (player cap, no free spawn, no free port)
  | "NOT_CONNECTED" // INPUT/DISCONNECT before CONNECT
  | "NOT_YOURS" // DISCONNECT of somebody else's name
  | "RATE_LIMITED" // too many messages from this address
  | "GAME_RUNNING" // a round is being played: join when it is over (step 07)
  | "TOKEN_INVALID"; // no connect token from the matchmaker for this name and room, or an expired one (step 11)
export const ERROR_CODES: readonly ErrorCode[] = [
  "MALFORMED", "TOO_LONG", "NAME_INVALID", "NAME_TAKEN", "SERVER_FULL",
  "NOT_CONNECTED", "NOT_YOURS", "RATE_LIMITED", "GAME_RUNNING", "TOKEN_INVALID",
];

/** What the UDP steps send on connection: where to talk next, and the whole game to start from. */
export interface Welcome {
  readonly port: number;
  readonly size: Size;
  readonly walls: readonly Wall[];
  readonly players: readonly Player[];
  /** From step 05: a random number the client echoes (`PING <proof>`) on its dedicated port, to
   *  prove it hears us before the server streams it anything (a CONNECT's source may be forged). */
  readonly proof?: number;
}

export type Message =
  | { readonly type: "CONNECT"; readonly name: string }
  /** `CONNECTED <name> END` (TCP steps) or `CONNECTED <port> <name> <size> WALLS <walls> STATE <players> END`,
   *  with `PROOF <n>` before `END` from step 05. */
  | { readonly type: "CONNECTED"; readonly name: string; readonly welcome?: Welcome }
  /** `INPUT <input> END`; `INPUT <name> <input> END` when the connection cannot say who sends (step 02);
   *  `INPUT <input> SEQ <n> END` when inputs are numbered and acknowledged (step 05 on). */
  | { readonly type: "INPUT"; readonly input: Move; readonly name?: string; readonly seq?: number }
  /** `STATE <players> END`, extended from step 05 with `TICK <n> ACK <n>` before `END`. */
  | { readonly type: "STATE"; readonly players: readonly Player[]; readonly tick?: number; readonly ack?: number }
  | { readonly type: "DISCONNECT"; readonly name: string }
  | { readonly type: "DISCONNECTED"; readonly name: string }
  /** `PING <n> END`, echoed unchanged by the server: ping measurement and keep-alive. */
  | { readonly type: "PING"; readonly stamp: number }
  | { readonly type: "ERROR"; readonly code: ErrorCode };

export type MessageType = Message["type"];
export const KEYWORDS: readonly string[] = [
  "CONNECT", "CONNECTED", "INPUT", "STATE", "DISCONNECT", "DISCONNECTED", "PING", "ERROR",
  "WALLS", "PROOF", "SEQ", "TICK", "ACK", "END",
];

/** A parse result. A failure may name the refusal a server should answer with (`CONNECT 9lives END`
 *  is NAME_INVALID); without a code it is MALFORMED. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string; readonly code?: ErrorCode };
export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = <T>(error: string, code?: ErrorCode): Parsed<T> => (code === undefined ? { ok: false, error } : { ok: false, error, code });

// ---------------------------------------------------------------- names

export const NAME_MAX_LENGTH = 16;
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A name is 1-16 ASCII letters, digits, `_` or `-`, starting with a letter. Two more rules keep
 *  messages readable, and only these, so Jack, Wendy or Pingu are ordinary names:
 *  - it is not a word of the protocol (`STATE`, `END`...), which a parser could take for one;
 *  - it does not start with `END`: the framing ends a message at any word that starts with `END`
 *    (messages often come back to back, `...ENDINPUT ...`), so `CONNECT ENDER END` would be cut
 *    into `CONNECT END` and `ER END`.
 *  The protocol's words are upper case: `End`, `Ender` or `Lobby` are fine.
 *  @param keywords the protocol's words: a step with more messages (07) passes its own. */
export function checkName(name: string, keywords: readonly string[] = KEYWORDS): Parsed<string> {
  if (name.length === 0 || name.length > NAME_MAX_LENGTH) return fail(`name must be 1-${NAME_MAX_LENGTH} characters`);
  if (!NAME_PATTERN.test(name)) return fail("name must start with a letter and use only A-Z a-z 0-9 _ -");
  if (keywords.includes(name)) return fail(`name must not be the keyword ${name}`);
  if (name.startsWith("END")) return fail("name must not start with the keyword END, which ends a message");
  return ok(name);
}

// ---------------------------------------------------------------- formatting

const color = (c: Color): string => `(${c.r},${c.g},${c.b})`;
const pair = (a: number, b: number): string => `(${a},${b})`;
export const formatSize = (s: Size): string => pair(s.w, s.h);
export const formatPlayer = (p: Player): string => `(${p.name},${color(p.color)},${pair(p.x, p.y)},${pair(p.w, p.h)})`;
export const formatWall = (w: Wall): string => `(${color(w.color)},${pair(w.x, w.y)},${pair(w.w, w.h)})`;
export const formatList = <T>(items: readonly T[], one: (item: T) => string): string => `[${items.map(one).join(",")}]`;
export const formatPlayers = (players: readonly Player[]): string => formatList(players, formatPlayer);

/** The text of one message, `END` included. */
export function formatMessage(m: Message): string {
  switch (m.type) {
    case "CONNECT":
    case "DISCONNECT":
    case "DISCONNECTED":
      return `${m.type} ${m.name} END`;
    case "CONNECTED": {
      const w = m.welcome;
      if (w === undefined) return `CONNECTED ${m.name} END`;
      const proof = w.proof === undefined ? "" : ` PROOF ${w.proof}`;
      return `CONNECTED ${w.port} ${m.name} ${formatSize(w.size)} WALLS ${formatList(w.walls, formatWall)} STATE ${formatPlayers(w.players)}${proof} END`;
    }
    case "INPUT": {
      const who = m.name === undefined ? "" : `${m.name} `;
      const seq = m.seq === undefined ? "" : ` SEQ ${m.seq}`;
      return `INPUT ${who}${m.input}${seq} END`;
    }
    case "STATE":
      return formatState(formatPlayers(m.players), m.tick, m.ack);
    case "PING":
      return `PING ${m.stamp} END`;
    case "ERROR":
      return `ERROR ${m.code} END`;
  }
}

/** A STATE from an already formatted player list: a server broadcasting to many clients formats
 *  the list once per tick and only the few per-client words per client. */
export function formatState(players: string, tick?: number, ack?: number): string {
  const tickPart = tick === undefined ? "" : ` TICK ${tick}`;
  const ackPart = ack === undefined ? "" : ` ACK ${ack}`;
  return `STATE ${players}${tickPart}${ackPart} END`;
}

// ---------------------------------------------------------------- parsing

/** Largest number accepted anywhere on the wire: positions, sizes, ports, counters. */
export const MAX_NUMBER = 2 ** 31 - 1;

/** An integer word within min..max, or why not. */
export function int(v: Value | undefined, min: number, max: number, what: string): Parsed<number> {
  if (typeof v !== "string" || !/^-?\d{1,16}$/.test(v)) return fail(`${what} must be an integer`);
  const n = Number(v);
  if (n < min || n > max) return fail(`${what} must be within ${min}..${max}`);
  return ok(n);
}

function tuple(v: Value | undefined, length: number, what: string): Parsed<readonly Value[]> {
  if (typeof v === "string" || v === undefined || v.kind !== "tuple" || v.items.length !== length) {
    return fail(`${what} must be a tuple of ${length}`);
  }
  return ok(v.items);
}

function numbers(v: Value | undefined, length: number, min: number, max: number, what: string): Parsed<number[]> {
  const t = tuple(v, length, what);
  if (!t.ok) return t;
  const out: number[] = [];
  for (const item of t.value) {
    const n = int(item, min, max, what);
    if (!n.ok) return n;
    out.push(n.value);
  }
  return ok(out);
}

function parseColor(v: Value | undefined): Parsed<Color> {
  const n = numbers(v, 3, 0, 255, "color");
  return n.ok ? ok({ r: n.value[0]!, g: n.value[1]!, b: n.value[2]! }) : n;
}

function parseRect(pos: Value | undefined, size: Value | undefined): Parsed<Rect> {
  const p = numbers(pos, 2, -MAX_NUMBER, MAX_NUMBER, "position");
  if (!p.ok) return p;
  const s = numbers(size, 2, 0, MAX_NUMBER, "size");
  if (!s.ok) return s;
  return ok({ x: p.value[0]!, y: p.value[1]!, w: s.value[0]!, h: s.value[1]! });
}

function toSize(v: Value | undefined): Parsed<Size> {
  const n = numbers(v, 2, 1, MAX_NUMBER, "map size");
  return n.ok ? ok({ w: n.value[0]!, h: n.value[1]! }) : n;
}

function toPlayer(v: Value): Parsed<Player> {
  const t = tuple(v, 4, "player");
  if (!t.ok) return t;
  const [name, c, pos, size] = t.value;
  if (typeof name !== "string" || !checkName(name).ok) return fail("player name is invalid");
  const col = parseColor(c);
  if (!col.ok) return col;
  const rect = parseRect(pos, size);
  if (!rect.ok) return rect;
  return ok({ name, color: col.value, ...rect.value });
}

function toWall(v: Value): Parsed<Wall> {
  const t = tuple(v, 3, "wall");
  if (!t.ok) return t;
  const [c, pos, size] = t.value;
  const col = parseColor(c);
  if (!col.ok) return col;
  const rect = parseRect(pos, size);
  return rect.ok ? ok({ color: col.value, ...rect.value }) : rect;
}

/** `[a,b,...]`, each item read by `one`. */
export function list<T>(text: string | undefined, one: (v: Value) => Parsed<T>, what: string): Parsed<T[]> {
  if (text === undefined) return fail(`missing ${what}`);
  const parsed = parseValue(text);
  if (!parsed.ok) return fail(`${what}: ${parsed.error}`);
  const v = parsed.value;
  if (typeof v === "string" || v.kind !== "list") return fail(`${what} must be a list [..]`);
  const out: T[] = [];
  for (const item of v.items) {
    const r = one(item);
    if (!r.ok) return fail(`${what}: ${r.error}`);
    out.push(r.value);
  }
  return ok(out);
}

export function parsePlayers(text: string | undefined): Parsed<Player[]> {
  return readPlayersQuickly(text) ?? parsePlayersGenerally(text);
}

/** The general reader of a player list (exported so a test can pin the quick one to it). */
export function parsePlayersGenerally(text: string | undefined): Parsed<Player[]> {
  return list(text, toPlayer, "players");
}

/** A client reads a STATE thirty times a second: the general parser (a tree of values, then its
 *  shape checked) costs ~2 µs a player. This reads a list exactly as formatPlayers writes it,
 *  `[(name,(r,g,b),(x,y),(w,h)),...]`, one character at a time, about twice as fast, and gives
 *  up on anything else (undefined): the general parser then reads it, or says what is wrong. */
function readPlayersQuickly(text: string | undefined): Parsed<Player[]> | undefined {
  if (text === undefined) return undefined;
  let at = 0;
  /** Steps over the character `c` if it is next. */
  const skip = (c: string): boolean => text[at] === c && ++at > 0;
  /** An integer of at most 10 digits, or NaN. */
  const int = (): number => {
    const negative = skip("-");
    const start = at;
    let n = 0;
    for (let d = text.charCodeAt(at) - 48; d >= 0 && d <= 9 && at - start < 10; d = text.charCodeAt(++at) - 48) n = n * 10 + d;
    return at === start || n > MAX_NUMBER ? NaN : negative ? -n : n;
  };
  /** `(a,b)` or `(a,b,c)`: the numbers, or null. */
  const numbers = (count: number): number[] | null => {
    if (!skip("(")) return null;
    const out: number[] = [];
    for (let i = 0; i < count; i++) if ((i > 0 && !skip(",")) || Number.isNaN(out[i] = int())) return null;
    return skip(")") ? out : null;
  };
  const players: Player[] = [];
  if (!skip("[")) return undefined;
  while (!skip("]")) {
    if ((players.length > 0 && !skip(",")) || !skip("(")) return undefined;
    const comma = text.indexOf(",", at);
    if (comma < 0) return undefined;
    const name = text.slice(at, comma);
    at = comma + 1;
    const color = numbers(3);
    if (color === null || !skip(",")) return undefined;
    const position = numbers(2);
    if (position === null || !skip(",")) return undefined;
    const size = numbers(2);
    if (size === null || !skip(")")) return undefined;
    const [r, g, b] = color as [number, number, number];
    const [w, h] = size as [number, number];
    if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255 || w < 0 || h < 0 || !knownName(name)) return undefined;
    players.push({ name, color: { r, g, b }, x: position[0]!, y: position[1]!, w, h });
  }
  return at === text.length ? ok(players) : undefined;
}

/** Names already checked: the same players come back in every state. Bounded, whatever a server sends. */
const knownNames = new Set<string>();
function knownName(name: string): boolean {
  if (knownNames.has(name)) return true;
  if (!checkName(name).ok) return false;
  if (knownNames.size >= 10_000) knownNames.clear();
  knownNames.add(name);
  return true;
}

export function parseName(word: string | undefined): Parsed<string> {
  if (word === undefined) return fail("missing name");
  const r = checkName(word);
  return r.ok ? r : fail(`invalid name: ${r.error}`);
}

/** Reads `KEY value` pairs that may follow a message's body (e.g. `TICK 3 ACK 2`), each at most once. */
export function trailer(words: readonly string[], allowed: readonly string[]): Parsed<Map<string, number>> {
  if (words.length % 2 !== 0) return fail("unexpected words");
  const out = new Map<string, number>();
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i]!;
    if (!allowed.includes(key) || out.has(key)) return fail(`unexpected ${key}`);
    const n = int(words[i + 1], 0, MAX_NUMBER, key);
    if (!n.ok) return n;
    out.set(key, n.value);
  }
  return ok(out);
}

/** Parses the text of one message (as cut by the framing, `END` included). */
export function parseMessage(text: string): Parsed<Message> {
  const words = text.trim().split(/\s+/);
  if (words.length < 2 || words[words.length - 1] !== "END") return fail("a message must end with END");
  const [type, ...rest] = words.slice(0, -1);
  switch (type) {
    case "CONNECT":
    case "DISCONNECT":
    case "DISCONNECTED": {
      // A joining player is told its name is the problem. `CONNECT END`, without a name, is how
      // `CONNECT ENDER END` arrives once the framing has cut it: NAME_INVALID too.
      const code = type === "CONNECT" ? "NAME_INVALID" : undefined;
      if (rest.length !== 1) return fail(`${type} takes one name`, code);
      const name = parseName(rest[0]);
      return name.ok ? ok({ type, name: name.value }) : fail(name.error, code);
    }
    case "CONNECTED":
      return parseConnected(rest);
    case "INPUT":
      return parseInput(rest);
    case "STATE": {
      const players = parsePlayers(rest[0]);
      if (!players.ok) return players;
      const extra = trailer(rest.slice(1), ["TICK", "ACK"]);
      if (!extra.ok) return extra;
      const tick = extra.value.get("TICK");
      const ack = extra.value.get("ACK");
      return ok({ type, players: players.value, ...(tick === undefined ? {} : { tick }), ...(ack === undefined ? {} : { ack }) });
    }
    case "PING": {
      if (rest.length !== 1) return fail("PING takes one number");
      const stamp = int(rest[0], 0, Number.MAX_SAFE_INTEGER, "ping stamp");
      return stamp.ok ? ok({ type, stamp: stamp.value }) : stamp;
    }
    case "ERROR": {
      const code = rest[0] as ErrorCode;
      if (rest.length !== 1 || !ERROR_CODES.includes(code)) return fail("unknown error code");
      return ok({ type, code });
    }
    default:
      return fail(`unknown message type ${JSON.stringify(type?.slice(0, 32))}`);
  }
}

function parseInput(rest: readonly string[]): Parsed<Message> {
  // INPUT <input> | INPUT <name> <input> | INPUT <input> SEQ <n>
  if (rest.length === 1 && isMove(rest[0])) return ok({ type: "INPUT", input: rest[0] });
  if (rest.length === 2 && isMove(rest[1])) {
    const name = parseName(rest[0]);
    return name.ok ? ok({ type: "INPUT", name: name.value, input: rest[1] }) : name;
  }
  if (rest.length === 3 && isMove(rest[0]) && rest[1] === "SEQ") {
    const seq = int(rest[2], 0, MAX_NUMBER, "input number");
    return seq.ok ? ok({ type: "INPUT", input: rest[0], seq: seq.value }) : seq;
  }
  return fail("INPUT takes one of L R U D . (optionally after a name, or followed by SEQ <n>)");
}

function parseConnected(rest: readonly string[]): Parsed<Message> {
  if (rest.length === 1) {
    const name = parseName(rest[0]);
    return name.ok ? ok({ type: "CONNECTED", name: name.value }) : name;
  }
  // CONNECTED <port> <name> <size> WALLS <walls> STATE <players> [PROOF <n>]
  if (rest.length < 7 || rest[3] !== "WALLS" || rest[5] !== "STATE") return fail("CONNECTED has an unexpected shape");
  const extra = trailer(rest.slice(7), ["PROOF"]);
  if (!extra.ok) return extra;
  const proof = extra.value.get("PROOF");
  const port = int(rest[0], 1, 65535, "port");
  if (!port.ok) return port;
  const name = parseName(rest[1]);
  if (!name.ok) return name;
  const parsedSize = parseValue(rest[2] ?? "");
  if (!parsedSize.ok) return fail(`map size: ${parsedSize.error}`);
  const size = toSize(parsedSize.value);
  if (!size.ok) return size;
  const walls = list(rest[4], toWall, "walls");
  if (!walls.ok) return walls;
  const players = parsePlayers(rest[6]);
  if (!players.ok) return players;
  return ok({
    type: "CONNECTED",
    name: name.value,
    welcome: { port: port.value, size: size.value, walls: walls.value, players: players.value, ...(proof === undefined ? {} : { proof }) },
  });
}
