// The rules of Haunted Chronicles, the original game's, as pure functions: a game in, a game out.
// Time is counted in ticks (the server's clock), so a test plays a whole game without waiting.
//
//   lobby ──(everyone ready, both teams non-empty)──> countdown ──(5 s)──> game
//     ^            <──(anything breaks that)──                              │
//     └──────────── over (5 s, who won; then everyone unready, respawned) <─┘
//                   (every hider caught or gone: seekers win; time out: hiders win)
//
// The team travels in the player's colour, as in the original: red seekers, blue hiders, grey for
// nobody's; a caught player keeps its team's colour, dimmed. Caught players cannot move and are no
// longer in anyone's way.
import type { Action, Color, ErrorCode, Message, Move, PhaseMessage, Player, Rect } from "./messages.ts";
import { findSpawn, isFree, slide, type GameMap, type World } from "../../shared/world/simulation.ts";
import { checkName } from "./messages.ts";
import type { TickPhase } from "./snapshot-codec.ts";

export type Team = "NEUTRAL" | "SEEKERS" | "HIDERS";
/** The inputs that pick a team: `RED` seekers, `BLUE` hiders, `NEUTRAL` none. */
export const TEAM_OF: Record<Exclude<Action, "READY">, Team> = { RED: "SEEKERS", BLUE: "HIDERS", NEUTRAL: "NEUTRAL" };
/** Pixels per tick, the original's STEP_X = [10, 4, 3]: hiders are slower than seekers. */
export const SPEEDS: Record<Team, number> = { NEUTRAL: 10, SEEKERS: 4, HIDERS: 3 };
export const TEAM_COLORS: Record<Team, Color> = {
  NEUTRAL: { r: 170, g: 170, b: 170 },
  SEEKERS: { r: 230, g: 50, b: 50 },
  HIDERS: { r: 60, g: 110, b: 240 },
};
/** A caught player's colour: its team's, at a third of the brightness. */
export const dim = (c: Color): Color => ({ r: Math.round(c.r / 3), g: Math.round(c.g / 3), b: Math.round(c.b / 3) });

export interface Member {
  readonly team: Team;
  readonly ready: boolean;
  readonly caught: boolean;
}

export type Winner = "SEEKERS" | "HIDERS";
/** Why a round ended: every hider caught, the last free hider left the game, or the time ran out. */
export type Ending = "caught" | "left" | "time";
export type Phase =
  | { readonly kind: "lobby" }
  | { readonly kind: "countdown"; readonly endsAt: number } // TRANSITION_LOBBY_GAME
  | { readonly kind: "game"; readonly endsAt: number } // GAME <seconds left>
  | { readonly kind: "over"; readonly winner: Winner; readonly why: Ending; readonly endsAt: number }; // TRANSITION_GAME_LOBBY

export interface GameOptions {
  readonly tickHz: number;
  readonly gameSeconds: number;
  /** Both transitions: lobby to game, and game back to lobby. */
  readonly transitionSeconds: number;
  readonly maxPlayers: number;
}
export const DEFAULT_OPTIONS: GameOptions = { tickHz: 30, gameSeconds: 20, transitionSeconds: 5, maxPlayers: 1000 };

export interface Game {
  /** Ticks played so far. */
  readonly tick: number;
  readonly phase: Phase;
  /** The map and the squares, in join order; each square's colour says its team. */
  readonly world: World;
  readonly members: ReadonlyMap<string, Member>;
  readonly options: GameOptions;
}

export function newGame(map: GameMap, options: GameOptions = DEFAULT_OPTIONS): Game {
  return { tick: 0, phase: { kind: "lobby" }, world: { ...map, players: [] }, members: new Map(), options };
}

const ticks = (game: Game, seconds: number): number => Math.max(1, Math.round(seconds * game.options.tickHz));
export const inLobby = (game: Game): boolean => game.phase.kind === "lobby" || game.phase.kind === "countdown";
export const colorOf = (m: Member): Color => (m.caught ? dim(TEAM_COLORS[m.team]) : TEAM_COLORS[m.team]);

/** A team and whether caught, read back from a colour (what a client knows); undefined for another colour. */
export function teamOfColor(c: Color): { team: Team; caught: boolean } | undefined {
  for (const team of Object.keys(TEAM_COLORS) as Team[]) {
    const t = TEAM_COLORS[team];
    if (c.r === t.r && c.g === t.g && c.b === t.b) return { team, caught: false };
    const d = dim(t);
    if (c.r === d.r && c.g === d.g && c.b === d.b) return { team, caught: true };
  }
  return undefined;
}

// ---------------------------------------------------------------- joining and leaving

export type Joined = { readonly ok: true; readonly game: Game; readonly player: Player } | { readonly ok: false; readonly code: ErrorCode };

/** A new player, nobody's and not ready, at a free random place. Only in the lobby. */
export function join(game: Game, name: string, random: () => number): Joined {
  if (!checkName(name).ok) return { ok: false, code: "NAME_INVALID" };
  if (game.members.has(name)) return { ok: false, code: "NAME_TAKEN" };
  if (!inLobby(game)) return { ok: false, code: "GAME_RUNNING" };
  if (game.members.size >= game.options.maxPlayers) return { ok: false, code: "SERVER_FULL" };
  const spot = findSpawn(game.world, random);
  if (spot === null) return { ok: false, code: "SERVER_FULL" };
  const member: Member = { team: "NEUTRAL", ready: false, caught: false };
  const player: Player = { name, color: colorOf(member), ...spot };
  const members = new Map(game.members).set(name, member);
  const world = { ...game.world, players: [...game.world.players, player] };
  return { ok: true, game: settle({ ...game, world, members }), player };
}

export function leave(game: Game, name: string): Game {
  if (!game.members.has(name)) return game;
  const members = new Map(game.members);
  members.delete(name);
  const world = { ...game.world, players: game.world.players.filter((p) => p.name !== name) };
  return settle({ ...game, world, members }, "left");
}

// ---------------------------------------------------------------- the lobby

/** A lobby input: pick a team (only while not ready), or toggle ready (only with a team). Ignored
 *  outside the lobby. */
export function act(game: Game, name: string, action: Action): Game {
  const member = game.members.get(name);
  if (member === undefined || !inLobby(game)) return game;
  let changed: Member;
  if (action === "READY") {
    if (member.team === "NEUTRAL") return game;
    changed = { ...member, ready: !member.ready };
  } else {
    if (member.ready || member.team === TEAM_OF[action]) return game;
    changed = { ...member, team: TEAM_OF[action] };
  }
  return settle(withMember(game, name, changed));
}

function withMember(game: Game, name: string, member: Member): Game {
  const members = new Map(game.members).set(name, member);
  const color = colorOf(member);
  const players = game.world.players.map((p) => (p.name === name ? { ...p, color } : p));
  return { ...game, members, world: { ...game.world, players } };
}

const count = (game: Game, team: Team, caught?: boolean): number =>
  [...game.members.values()].filter((m) => m.team === team && (caught === undefined || m.caught === caught)).length;

/** Whether the game may start: everyone ready, and somebody on each side. */
export function everyoneReady(game: Game): boolean {
  return [...game.members.values()].every((m) => m.ready) && count(game, "SEEKERS") > 0 && count(game, "HIDERS") > 0;
}

/** After any change: in the lobby, the countdown runs exactly while everyone is ready (a new
 *  player, an unready one or a team left empty cancels it); in a game, it may have been won. */
function settle(game: Game, hidersGone: Ending = "caught"): Game {
  const phase = game.phase;
  if (phase.kind === "lobby" && everyoneReady(game)) return { ...game, phase: { kind: "countdown", endsAt: game.tick + ticks(game, game.options.transitionSeconds) } };
  if (phase.kind === "countdown" && !everyoneReady(game)) return { ...game, phase: { kind: "lobby" } };
  if (phase.kind === "game") {
    if (count(game, "HIDERS", false) === 0) return over(game, "SEEKERS", hidersGone);
    if (game.tick >= phase.endsAt) return over(game, "HIDERS", "time");
  }
  return game;
}

const over = (game: Game, winner: Winner, why: Ending): Game => ({ ...game, phase: { kind: "over", winner, why, endsAt: game.tick + ticks(game, game.options.transitionSeconds) } });

// ---------------------------------------------------------------- one tick

/** Where a seeker saw a hider: its square at the tick the seeker's screen showed (lag compensation,
 *  rewind.ts), or undefined for where it stands now. */
export type Saw = (seeker: string, hider: string) => Rect | undefined;

/** One tick: everyone not caught moves at their team's speed, catches happen during the game, and
 *  the clock may move the game to its next phase. `random` places everyone back in the lobby;
 *  `saw` says where each seeker saw the hiders (without it, catches are judged on the present). */
export function step(game: Game, moves: ReadonlyMap<string, Move>, random: () => number, saw?: Saw): Game {
  let next: Game = { ...game, tick: game.tick + 1 };
  next = { ...next, world: moveAll(next, moves) };
  const phase = next.phase;
  if (phase.kind === "countdown" && next.tick >= phase.endsAt) {
    return { ...next, phase: { kind: "game", endsAt: next.tick + ticks(next, next.options.gameSeconds) } };
  }
  if (phase.kind === "game") return settle(catches(next, saw));
  if (phase.kind === "over" && next.tick >= phase.endsAt) return backToLobby(next, random);
  return next;
}

/** Every player with a move slides once, in join order, against the walls and the players not
 *  caught (as shared/world/simulation.ts' step does, with a speed per team). */
function moveAll(game: Game, moves: ReadonlyMap<string, Move>): World {
  const world = game.world;
  const first = world.walls.length;
  const obstacles: Rect[] = [...world.walls, ...world.players];
  const isCaught = (p: Player) => game.members.get(p.name)?.caught === true;
  // A caught square is in nobody's way: out of reach of the sweep (a box far outside the map).
  world.players.forEach((p, i) => isCaught(p) && (obstacles[first + i] = { x: -1e9, y: -1e9, w: 0, h: 0 }));
  let moved = false;
  const players = world.players.map((p, i) => {
    const move = moves.get(p.name);
    const member = game.members.get(p.name);
    if (move === undefined || move === "." || member === undefined || member.caught) return p;
    const to = slide(p, move, SPEEDS[member.team], obstacles, world.size) as Player;
    if (to.x === p.x && to.y === p.y) return p;
    obstacles[first + i] = to;
    moved = true;
    return to;
  });
  return moved ? { ...world, players } : world;
}

/** Closed rectangles meet: squares flush against each other touch (sliding stops them flush). */
export const touches = (a: Rect, b: Rect): boolean => a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h;

/** A seeker touching a hider not yet caught catches it: the seeker where it stands now, the hider
 *  where that seeker saw it (`saw`), or where it stands now. */
function catches(game: Game, saw: Saw = () => undefined): Game {
  const seekers = game.world.players.filter((p) => game.members.get(p.name)?.team === "SEEKERS");
  let next = game;
  for (const p of game.world.players) {
    const m = game.members.get(p.name);
    if (m === undefined || m.team !== "HIDERS" || m.caught) continue;
    if (seekers.some((s) => touches(s, saw(s.name, p.name) ?? p))) next = withMember(next, p.name, { ...m, caught: true });
  }
  return next;
}

/** The game is over: everyone unready, free again, and respawned at a free random place. */
function backToLobby(game: Game, random: () => number): Game {
  const members = new Map([...game.members].map(([name, m]) => [name, { team: m.team, ready: false, caught: false }]));
  let world: World = { ...game.world, players: [] };
  for (const p of game.world.players) {
    const spot = findSpawn(world, random) ?? p; // a full map keeps the old place
    world = { ...world, players: [...world.players, { ...p, ...spot, color: colorOf(members.get(p.name)!) }] };
  }
  return { ...game, phase: { kind: "lobby" }, members, world };
}

// ---------------------------------------------------------------- what the clients are told

/** Who won, and why: the round's last words. */
const ENDINGS: Record<Ending, string> = {
  caught: "Seekers_won:_every_hider_was_caught!",
  left: "Seekers_won:_the_last_hider_left!",
  time: "Hiders_won:_time_is_up!",
};
const oneDecimal = (s: number): string => (Math.round(s * 10) / 10).toFixed(1);

/** The phase as a binary tick carries it (snapshot-codec.ts): ticks left rather than `endsAt`, since
 *  the tick on the wire is the tick loop's and `endsAt` the game's, and the two need not agree. */
export function tickPhaseOf(game: Game): TickPhase {
  const phase = game.phase;
  if (phase.kind === "lobby") return phase;
  const ticksLeft = Math.max(0, phase.endsAt - game.tick);
  return phase.kind === "over" ? { kind: "over", why: phase.why, ticksLeft } : { kind: phase.kind, ticksLeft };
}

/** The phase's text, as the server logs it and the client's HUD shows it: `LOBBY [ready names]`,
 *  `TRANSITION_LOBBY_GAME <text>`, `GAME <seconds left>` or `TRANSITION_GAME_LOBBY <text>`. Texts
 *  are one word, as the original's (`_` for spaces): `Seekers_won!_Back_to_the_lobby_in_4.2s`. */
export function phaseMessageOf(phase: TickPhase, tickHz: number, ready: readonly string[]): PhaseMessage {
  switch (phase.kind) {
    case "lobby":
      return { type: "LOBBY", ready };
    case "countdown":
      return { type: "TRANSITION_LOBBY_GAME", text: `Entering_the_game_in_${oneDecimal(phase.ticksLeft / tickHz)}s` };
    case "game":
      return { type: "GAME", secondsLeft: Math.round((phase.ticksLeft / tickHz) * 10) / 10 };
    case "over":
      return { type: "TRANSITION_GAME_LOBBY", text: `${ENDINGS[phase.why]}_Back_to_the_lobby_in_${oneDecimal(phase.ticksLeft / tickHz)}s` };
  }
}

/** The phase message of a game (the server's log of each change of phase). */
export function phaseMessage(game: Game): Message {
  const ready = game.world.players.filter((p) => game.members.get(p.name)?.ready).map((p) => p.name);
  return phaseMessageOf(tickPhaseOf(game), game.options.tickHz, ready);
}

/** The same game with one player moved to (x, y), if that place is free; undefined if not. */
export function place(game: Game, name: string, x: number, y: number): Game | undefined {
  const me = game.world.players.find((p) => p.name === name);
  // Positions are whole pixels: NaN would pass every overlap test (each comparison is false).
  if (me === undefined || !Number.isInteger(x) || !Number.isInteger(y)) return undefined;
  const others = { ...game.world, players: game.world.players.filter((p) => p !== me) };
  const moved = { ...me, x, y };
  if (!isFree(others, moved)) return undefined;
  return { ...game, world: { ...game.world, players: game.world.players.map((p) => (p === me ? moved : p)) } };
}
