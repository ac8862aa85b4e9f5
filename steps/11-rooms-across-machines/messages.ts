// The messages only the game has, on top of the protocol of steps 01-06 (shared/wire/protocol.ts),
// whose every other form this module passes on unchanged:
// - lobby inputs: `INPUT RED|BLUE|NEUTRAL|READY SEQ <n> END` (pick a team, toggle ready);
// - the phase, sent in the same datagram as (before) each STATE, as the original's README:
//   `LOBBY [ready names] END`, `GAME <seconds left> END`, `TRANSITION_LOBBY_GAME <text> END`,
//   `TRANSITION_GAME_LOBBY <text> END` (text: words for the player, none of them `END`);
// - `STATE <players> SHADES <polygons> TICK <t> ACK <n> END` during a round: the darkness this
//   player draws (shades.ts);
// - a move says which tick the client drew the others at: `INPUT <move> SEQ <n> VIEW <tick> END`,
//   so that a catch is judged where the seeker saw the hider (rewind.ts);
// - the client acknowledges the newest tick it holds: `ACK <tick> END`. The tick itself travels in
//   binary (snapshot-codec.ts) with its phase, so this step's server sends no STATE, SHADES or phase
//   text any more (they are still read here); everything else stays text;
// - the server's answer to a knock: `CHALLENGE <cookie> END` (handshake.ts, which reads and writes
//   every form of the handshake, and from step 11 the matchmaker's `TOKEN <token>` in the proof).
import * as base from "../../shared/wire/protocol.ts";
import { fail, int, isMove, list, MAX_NUMBER, ok, parsePlayers, trailer, type Move, type Parsed, type Player } from "../../shared/wire/protocol.ts";
import type { Polygon } from "./geometry/types.ts";
import { formatShades, parseShades } from "./shades.ts";
import { formatChallenge, parseHandshake } from "./handshake.ts";

export * from "../../shared/wire/protocol.ts";

/** Lobby actions: pick a team, toggle ready. */
export type Action = "RED" | "BLUE" | "NEUTRAL" | "READY";
export const ACTIONS: readonly Action[] = ["RED", "BLUE", "NEUTRAL", "READY"];
export type Input = Move | Action;
const isAction = (word: string | undefined): word is Action => (ACTIONS as readonly string[]).includes(word ?? "");

export type PhaseMessage =
  | { readonly type: "LOBBY"; readonly ready: readonly string[] }
  | { readonly type: "GAME"; readonly secondsLeft: number }
  | { readonly type: "TRANSITION_LOBBY_GAME" | "TRANSITION_GAME_LOBBY"; readonly text: string };

export type Message =
  | Exclude<base.Message, { type: "INPUT" | "STATE" }>
  | { readonly type: "INPUT"; readonly input: Input; readonly name?: string; readonly seq?: number; readonly view?: number }
  | { readonly type: "STATE"; readonly players: readonly Player[]; readonly tick?: number; readonly ack?: number; readonly shades?: readonly Polygon[] }
  | PhaseMessage
  | { readonly type: "ACK"; readonly tick: number }
  /** The main port's answer to a knock: the cookie to echo (handshake.ts). */
  | { readonly type: "CHALLENGE"; readonly cookie: string };

export type MessageType = Message["type"];

export const KEYWORDS: readonly string[] = [...base.KEYWORDS, "SHADES", "LOBBY", "GAME", "TRANSITION_LOBBY_GAME", "TRANSITION_GAME_LOBBY", "VIEW", "CHALLENGE", "PAD", "COOKIE", "KEY", "TOKEN"];

/** The protocol's rules for a name, with the game's words among the keywords (no player `LOBBY`). */
export const checkName = (name: string): Parsed<string> => base.checkName(name, KEYWORDS);

export const isPhase = (m: Message): m is PhaseMessage =>
  m.type === "LOBBY" || m.type === "GAME" || m.type === "TRANSITION_LOBBY_GAME" || m.type === "TRANSITION_GAME_LOBBY";

/** Seconds with at most one decimal, as the original sent its timers (`19.9`, `20`). */
export const formatSeconds = (seconds: number): string => String(Math.round(seconds * 10) / 10);

/** A STATE from an already formatted player list, with the shadows when sight applies. */
export function formatState(players: string, tick?: number, ack?: number, shades?: string): string {
  const shadesPart = shades === undefined ? "" : ` SHADES ${shades}`;
  return base.formatState(`${players}${shadesPart}`, tick, ack);
}

export function formatMessage(m: Message): string {
  switch (m.type) {
    case "INPUT":
      return `INPUT ${m.name === undefined ? "" : `${m.name} `}${m.input}${m.seq === undefined ? "" : ` SEQ ${m.seq}`}${m.view === undefined ? "" : ` VIEW ${m.view}`} END`;
    case "STATE":
      return formatState(base.formatPlayers(m.players), m.tick, m.ack, m.shades === undefined ? undefined : formatShades(m.shades));
    case "LOBBY":
      return `LOBBY [${m.ready.join(",")}] END`;
    case "GAME":
      return `GAME ${formatSeconds(m.secondsLeft)} END`;
    case "TRANSITION_LOBBY_GAME":
    case "TRANSITION_GAME_LOBBY":
      return `${m.type} ${m.text} END`;
    case "ACK":
      return `ACK ${m.tick} END`;
    case "CHALLENGE":
      return formatChallenge(m.cookie);
    default:
      return base.formatMessage(m);
  }
}

/** Reads the game's own messages, and passes every other to the protocol's parser. */
export function parseMessage(text: string): Parsed<Message> {
  const words = text.trim().split(/\s+/);
  if (words.length < 2 || words[words.length - 1] !== "END") return base.parseMessage(text);
  const [type, ...rest] = words.slice(0, -1);
  switch (type) {
    case "CHALLENGE":
      return parseHandshake(text);
    case "INPUT":
      if (rest.length === 5 && isMove(rest[0]) && rest[1] === "SEQ" && rest[3] === "VIEW") {
        const numbers = trailer(rest.slice(1), ["SEQ", "VIEW"]);
        return numbers.ok ? ok({ type, input: rest[0], seq: numbers.value.get("SEQ")!, view: numbers.value.get("VIEW")! }) : numbers;
      }
      if (rest.length === 3 && isAction(rest[0]) && rest[1] === "SEQ") {
        const seq = int(rest[2], 0, MAX_NUMBER, "input number");
        return seq.ok ? ok({ type, input: rest[0], seq: seq.value }) : seq;
      }
      break;
    case "STATE":
      if (rest[1] === "SHADES") {
        const players = parsePlayers(rest[0]);
        if (!players.ok) return players;
        const shades = parseShades(rest[2]);
        if (!shades.ok) return shades;
        const extra = trailer(rest.slice(3), ["TICK", "ACK"]);
        if (!extra.ok) return extra;
        const tick = extra.value.get("TICK");
        const ack = extra.value.get("ACK");
        return ok({ type, players: players.value, shades: shades.value, ...(tick === undefined ? {} : { tick }), ...(ack === undefined ? {} : { ack }) });
      }
      break;
    case "LOBBY": {
      if (rest.length !== 1) return fail("LOBBY takes one list of names");
      const ready = list<string>(rest[0], (v) => (typeof v === "string" && base.checkName(v).ok ? ok(v) : fail("a name is invalid")), "names");
      return ready.ok ? ok({ type, ready: ready.value }) : ready;
    }
    case "GAME":
      if (rest.length !== 1 || !/^\d{1,9}(\.\d)?$/.test(rest[0]!)) return fail("GAME takes the seconds left, like 19.9");
      return ok({ type, secondsLeft: Number(rest[0]) });
    case "TRANSITION_LOBBY_GAME":
    case "TRANSITION_GAME_LOBBY":
      if (rest.length === 0) return fail(`${type} takes a text`);
      return ok({ type, text: rest.join(" ") });
    case "ACK": {
      // ACK is already a keyword of the protocol (STATE's ACK), so no name becomes invalid.
      if (rest.length !== 1) return fail("ACK takes one tick");
      const tick = int(rest[0], 0, MAX_NUMBER, "tick");
      return tick.ok ? ok({ type, tick: tick.value }) : tick;
    }
  }
  return base.parseMessage(text);
}
