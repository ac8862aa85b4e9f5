// A bot that plays step 07 for tests and the benchmark: in the lobby it picks a team (the one asked
// for, else seekers when there are too few) and gets ready; in the game a seeker walks at the
// nearest hider it can see, or roams; a hider flees the nearest seeker it can see, or keeps still.
// It knows only what the server sent (the squares in sight, their colours), like a player.
import type { Session } from "../../shared/client/session.ts";
import type { Controls } from "../../shared/client/controls.ts";
import type { Action, Move, PhaseMessage, Player } from "./messages.ts";
import { slide, type World } from "../../shared/world/simulation.ts";
import type { ClientView } from "../../shared/render/scene.ts";
import { KEY_OF_ACTION } from "./team-keys.ts";
import { SPEEDS, teamOfColor, type Team } from "./rules.ts";

export interface GameBotReport {
  readonly name: string;
  /** Felt latencies, ms, as the generic bot's (shared/client/bot.ts): from picking a new direction
   *  it could go to the first view that shows its square moving that way. A press dropped before
   *  that (another direction, caught, the round over) counts nowhere: only presses that could move. */
  readonly latencies: number[];
  /** Presses not seen within GIVE_UP_MS. */
  timeouts: number;
  states: number;
  team?: Team;
  /** Texts of TRANSITION_GAME_LOBBY seen, once per game: who won. */
  readonly results: string[];
  /** Phases in the order first seen, each once per change: LOBBY, TRANSITION_LOBBY_GAME, GAME... */
  readonly phases: string[];
  caught: boolean;
}

export interface GameBotOptions {
  readonly duration: number; // seconds
  /** The team to pick; undefined: seekers if fewer than one in four, else hiders. */
  readonly team?: "RED" | "BLUE";
  /** Rounds to play; after that the bot stays in the lobby, not ready (default: as many as it can). */
  readonly rounds?: number;
  readonly random?: () => number;
  readonly print?: (line: string) => void;
}

/** What the bot is shown: a ClientView and the phase it came with. */
export interface GameView extends ClientView {
  readonly phase?: PhaseMessage;
}

const DIRS: readonly Move[] = ["L", "R", "U", "D"];
/** A READY is sent again only if the lobby still does not list us after this long (its ACK and a tick). */
const READY_PATIENCE_MS = 600;
/** A press whose move has not shown after this long is counted as a timeout (as the generic bot's). */
const GIVE_UP_MS = 5000;

export function gameBot(name: string, options: GameBotOptions): Controls & { readonly report: GameBotReport; see(view: GameView): void } {
  const random = options.random ?? Math.random;
  const report: GameBotReport = { name, latencies: [], timeouts: 0, states: 0, results: [], phases: [], caught: false };
  let move: Move = ".";
  let actions: Action[] = [];
  let readySentAt = -Infinity;
  let teamSentAt = -Infinity;
  let roam: Move = DIRS[Math.floor(random() * 4)]!;
  let roamUntil = 0;
  let lastPrint = performance.now();
  /** The press being timed: the direction picked, when, and where the square stood. */
  let pressed: { move: Move; at: number; from: { x: number; y: number } } | undefined;
  const { promise: done, resolve: finish } = Promise.withResolvers<string>();
  const timer = setTimeout(() => finish("duration"), options.duration * 1000);

  const canGo = (me: Player, d: Move, world: World, speed: number) => {
    const to = slide(me, d, speed, [...world.walls, ...world.players.filter((p) => p !== me && !teamOfColor(p.color)?.caught)], world.size);
    return to.x !== me.x || to.y !== me.y ? to : undefined;
  };

  let chosen: "RED" | "BLUE" | undefined;
  const lobby = (view: GameView, team: Team | undefined, ready: readonly string[], now: number) => {
    move = ".";
    chosen = options.team ?? rebalance(view.players, name) ?? chosen ?? chooseTeam(view.players);
    const wantedTeam: Team = chosen === "RED" ? "SEEKERS" : "HIDERS";
    const isReady = ready.includes(name);
    // A READY toggles: sent again only when the lobby still says otherwise after a while.
    if (team !== wantedTeam) {
      if (isReady && now - readySentAt > READY_PATIENCE_MS) {
        actions.push("READY"); // unready first: a ready player's team is locked
        readySentAt = now;
      } else if (!isReady && now - teamSentAt > READY_PATIENCE_MS) {
        actions.push(chosen);
        teamSentAt = now;
      }
    } else if (!isReady && now - readySentAt > READY_PATIENCE_MS) {
      actions.push("READY");
      readySentAt = now;
    }
  };

  const seek = (world: World, me: Player, now: number) => {
    const hiders = world.players.filter((p) => teamOfColor(p.color)?.team === "HIDERS" && !teamOfColor(p.color)?.caught);
    const target = nearest(me, hiders);
    const speed = SPEEDS.SEEKERS;
    if (target !== undefined) {
      const dx = target.x - me.x;
      const dy = target.y - me.y;
      const horizontal: Move = dx > 0 ? "R" : "L";
      const vertical: Move = dy > 0 ? "D" : "U";
      // Close the larger gap first; the other when that way is blocked.
      const order = Math.abs(dx) >= Math.abs(dy) ? [horizontal, vertical] : [vertical, horizontal];
      const open = order.find((d) => canGo(me, d, world, speed));
      if (open !== undefined) return (move = open);
    }
    if (now >= roamUntil || !canGo(me, roam, world, speed)) {
      const free = DIRS.filter((d) => canGo(me, d, world, speed));
      roam = free[Math.floor(random() * free.length)] ?? ".";
      roamUntil = now + 500 + random() * 1500;
    }
    move = roam;
  };

  const hide = (world: World, me: Player) => {
    const seekers = world.players.filter((p) => teamOfColor(p.color)?.team === "SEEKERS");
    const threat = nearest(me, seekers);
    if (threat === undefined) return (move = "."); // out of sight: keep still
    let best: Move = ".";
    let bestDistance = gap(me, threat);
    for (const d of DIRS) {
      const to = canGo(me, d, world, SPEEDS.HIDERS);
      if (to !== undefined && gap(to, threat) > bestDistance) [best, bestDistance] = [d, gap(to, threat)];
    }
    move = best;
  };

  const see = (view: GameView) => {
    const now = performance.now();
    report.states++;
    const phase = view.phase;
    if (phase === undefined) return;
    if (report.phases.at(-1) !== phase.type) {
      report.phases.push(phase.type);
      if (phase.type === "TRANSITION_GAME_LOBBY") report.results.push(phase.text);
    }
    const world: World = { size: view.size, walls: view.walls, players: view.players };
    const me = view.players.find((p) => p.name === view.me);
    if (me === undefined) return;
    if (pressed !== undefined && movedToward(pressed.move, pressed.from, me)) {
      report.latencies.push(now - pressed.at);
      pressed = undefined;
    } else if (pressed !== undefined && now - pressed.at > GIVE_UP_MS) {
      report.timeouts++;
      pressed = undefined;
    }
    const status = teamOfColor(me.color);
    if (status) [report.team, report.caught] = [status.team, status.caught || report.caught];
    const before = move;
    if (phase.type === "LOBBY" && report.results.length >= (options.rounds ?? Infinity)) move = ".";
    else if (phase.type === "LOBBY") lobby(view, status?.team, phase.ready, now);
    else if (phase.type !== "GAME" || status?.caught) move = ".";
    else if (status?.team === "SEEKERS") seek(world, me, now);
    else hide(world, me);
    // Every direction picked above is one the square can go (canGo): a new one starts a press.
    if (move !== before) pressed = move === "." ? undefined : { move, at: now, from: { x: me.x, y: me.y } };
    if (options.print && now - lastPrint >= 1000) {
      lastPrint = now;
      options.print(`[bot ${name}] ${phase.type} ${status?.team ?? "?"}${status?.caught ? " caught" : ""} at (${me.x},${me.y}), sees ${view.players.length}`);
    }
  };

  return {
    report,
    see,
    current: () => move,
    takeKeys: () => actions.splice(0).map((a) => KEY_OF_ACTION[a]),
    observe: () => {},
    done,
    stop() {
      clearTimeout(timer);
      finish("stopped");
    },
  };
}

/** Bots that joined together all picked the same team: one of them (the same one whatever bot
 *  asks: by name) goes over to the empty side. */
function rebalance(players: readonly Player[], me: string): "RED" | "BLUE" | undefined {
  const names = (team: Team) => players.filter((p) => teamOfColor(p.color)?.team === team).map((p) => p.name).sort();
  const seekers = names("SEEKERS");
  const hiders = names("HIDERS");
  if (hiders.length === 0 && seekers.length >= 2 && seekers.at(-1) === me) return "BLUE";
  if (seekers.length === 0 && hiders.length >= 2 && hiders[0] === me) return "RED";
  return undefined;
}

/** One seeker for every three hiders, about. */
function chooseTeam(players: readonly Player[]): "RED" | "BLUE" {
  const teams = players.map((p) => teamOfColor(p.color)?.team);
  const seekers = teams.filter((t) => t === "SEEKERS").length;
  const hiders = teams.filter((t) => t === "HIDERS").length;
  return seekers === 0 || hiders >= 3 * seekers ? "RED" : "BLUE";
}

const movedToward = (move: Move, from: { x: number; y: number }, to: { x: number; y: number }): boolean =>
  (move === "L" && to.x < from.x) || (move === "R" && to.x > from.x) || (move === "U" && to.y < from.y) || (move === "D" && to.y > from.y);
const gap = (a: { x: number; y: number }, b: { x: number; y: number }): number => Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
const nearest = (me: Player, others: readonly Player[]): Player | undefined =>
  others.reduce<Player | undefined>((best, p) => (best === undefined || gap(me, p) < gap(me, best) ? p : best), undefined);

/** A Session around the bot (what runClient would give a step-05 bot): it sees what the client shows. */
export function gameBotSession(name: string, options: GameBotOptions & { readonly quiet?: boolean }): Session & { readonly bot: ReturnType<typeof gameBot> } {
  const bot = gameBot(name, { ...options, ...(options.quiet ? {} : { print: (line: string) => console.log(line) }) });
  return {
    name,
    bot,
    controls: bot,
    report: bot.report,
    current: () => bot.current(),
    show: (view) => bot.see(view),
    close(reason) {
      bot.stop();
      if (options.quiet) return;
      const r = bot.report;
      console.log(`[bot ${name}] done (${reason}): ${r.team ?? "no team"}, results: ${r.results.map((t) => t.replaceAll("_", " ")).join(" / ") || "none"}`);
      console.log(`BOT ${JSON.stringify(r)}`);
    },
  };
}
