// Step 08: step 07's game, Haunted Chronicles, with lag compensation: a catch is judged where the
// seeker saw the hider. The server remembers where every square stood for the last second
// (history.ts); a seeker's INPUT says which tick its screen showed the others at (`VIEW <tick>`),
// and the catch check takes the seeker where it stands now and the hiders at that tick, at most
// `--max-rewind-ms` back (rewind.ts). `--no-lag-comp` judges on the present, as step 07.
import { cli, flag, whole } from "../../shared/plumbing/cli.ts";
import { GameRoom } from "./game-room.ts";
import { phaseMessage, type Phase } from "./rules.ts";
import { shadesOf, sightApplies, visibleTo } from "./view.ts";
import { log } from "../../shared/plumbing/log.ts";
import { MANOR } from "./grid-map.ts";
import { Neighbourhood } from "./interest.ts";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { formatMessage, formatPlayer, formatState, isMove, type Action, type Move } from "./messages.ts";
import { formatShades } from "./shades.ts";
import { startTickLoop } from "./tick-loop.ts";
import { History } from "./history.ts";
import { catchesBetween, judgedTick, lagOf, MAX_REWIND_MS, rewound, ticksIn, type Catch } from "./rewind.ts";
import type { Saw } from "./rules.ts";
import { encode } from "../../shared/wire/datagram.ts";
import { ownPorts, serveFromFlags, udpServerFlags, withPool } from "./dedicated-server.ts";

const POOL = "18000-18999";

const flags = cli({
  usage: "bun steps/08-lag-compensation/server.ts [--port P] [--tick HZ] [--game-seconds S] [--transition-seconds S] [--seed N] [--view PX] [--max-rewind-ms MS] [--no-lag-comp]",
  summary: "Haunted Chronicles with lag compensation: a catch is judged where the seeker saw the hider.",
  flags: {
    ...udpServerFlags,
    ...ownPorts(9908, POOL),
    tick: flag("number", 30, "ticks per second: state updates sent to every client", { min: 1, max: 1000 }),
    "game-seconds": flag("number", 20, "seconds the seekers have to catch every hider", { min: 1, max: 86_400 }),
    "transition-seconds": flag("number", 5, "seconds of countdown before a game, and of results after it", { min: 0, max: 3600 }),
    seed: flag("number", 0, "seed for the spawn places, so a run can be replayed (0: random)", whole(0, 2 ** 32 - 1)),
    view: flag("number", 0, "outside a round, send each client only the players within PX pixels of it (0: everyone)", { min: 0, max: 100_000 }),
    "max-rewind-ms": flag("number", MAX_REWIND_MS, "judge a catch at most this far in the past, whatever a seeker's VIEW says", { min: 0, max: 5000 }),
    "no-lag-comp": flag("boolean", false, "judge catches on the present, as step 07 (ignore VIEW)"),
  },
});

const random = flags.seed === 0 ? Math.random : mulberry32(flags.seed);
const room = new GameRoom(
  MANOR,
  { tickHz: flags.tick, gameSeconds: flags["game-seconds"], transitionSeconds: flags["transition-seconds"], maxPlayers: flags["max-players"] },
  random,
);
/** Where every square stood, tick by tick: a second's worth, and at least the longest rewind. */
const maxRewindTicks = ticksIn(flags["max-rewind-ms"], flags.tick);
const history = new History(Math.max(Math.ceil(flags.tick), maxRewindTicks + 1));
/** Every player's latest move: held until the player sends another (step 05). */
const moves = new Map<string, Move>();
/** Lobby inputs (team, ready) since the last tick: each happens once, in arrival order. */
const actions: [string, Action][] = [];
let staleInputs = 0;
/** Time spent working out who sees what, per tick: the last second's average and worst. */
const sight = { avgMs: 0, maxMs: 0, window: { start: performance.now(), total: 0, count: 0, max: 0 } };

/** `lag`: how many ticks behind the present the client's newest VIEW was (undefined: none yet). */
const server = await serveFromFlags<{ seq: number; lag?: number }>(withPool(flags, POOL), room, {
  newData: () => ({ seq: 0 }),
  onInput(client, message) {
    if (message.seq === undefined) return server.refuseFrom(client, "MALFORMED", "step 08 wants INPUT <input> SEQ <n>");
    if (message.seq <= client.data.seq) {
      staleInputs++;
      return;
    }
    client.data.seq = message.seq;
    // The move is applied in the next tick: that is the present its VIEW is measured against.
    if (message.view !== undefined) client.data.lag = lagOf(room.game.tick + 1, message.view);
    if (isMove(message.input)) moves.set(client.name, message.input);
    else actions.push([client.name, message.input]);
  },
  onLeave: (client) => moves.delete(client.name),
  stats: (): string => {
    const s = loop.stats;
    const lags: number[] = [...server.clients.values()].flatMap((c) => (c.data.lag === undefined ? [] : [c.data.lag]));
    const lag = lags.length === 0 ? "" : ` view-lag-ticks=${Math.min(...lags)}/${Math.max(...lags)}`;
    return ` ticks=${s.ticks} late=${s.late} skipped=${s.skipped} tick-ms=${s.workAvgMs.toFixed(2)}/${s.workMaxMs.toFixed(2)} sight-ms=${sight.avgMs.toFixed(2)}/${sight.maxMs.toFixed(2)} stale-inputs=${staleInputs} phase=${room.game.phase.kind}${lag}`;
  },
  timers: () => (loop.running ? 1 : 0),
  onStop: () => loop.stop(),
  commands: {
    place: {
      help: "place <name> <x> <y>: put a player on a free spot (tests, demonstrations)",
      run: ([name, x, y, ...more]) => [placeCommand(name, x, y, more.length)],
    },
    teams: {
      help: "the phase, and every player's team, readiness and whether caught",
      run: () => [
        `phase ${room.game.phase.kind}`,
        ...[...room.game.members].map(([name, m]) => `${name} ${m.team}${m.ready ? " ready" : ""}${m.caught ? " caught" : ""}`),
      ],
    },
  },
});

/** The console's `place`: each argument checked, and a refusal that says which one is wrong. */
function placeCommand(name: string | undefined, x: string | undefined, y: string | undefined, extra: number): string {
  if (name === undefined || y === undefined || extra > 0) return "place needs a name and a position: place <name> <x> <y>";
  if (!room.game.members.has(name)) return `nobody plays as ${name} (try list)`;
  const at = [x, y].map((word) => (/^\d{1,9}$/.test(word ?? "") ? Number(word) : NaN));
  if (at.some(Number.isNaN)) return `x and y are whole numbers of pixels, got ${JSON.stringify(x)} ${JSON.stringify(y)}`;
  const [px, py] = at as [number, number];
  if (!room.place(name, px, py)) return `cannot place ${name} at (${px},${py}): off the map, or a wall or a player is there`;
  return `placed ${name} at (${px},${py})`;
}

/** Shadows depend only on where the viewer stands (walls never move): formatted once per place.
 *  A hider keeping still, which is most of hiding, costs nothing after the first tick. */
const shadeCache = new Map<string, string>();
function shadesText(name: string): string | undefined {
  const me = room.game.world.players.find((p) => p.name === name);
  const key = me && !room.game.members.get(name)?.caught ? `${me.x},${me.y}` : "";
  const known = shadeCache.get(key);
  if (known !== undefined) return known;
  const text = formatShades(shadesOf(room.game, name) ?? []);
  if (shadeCache.size >= 10_000) shadeCache.clear(); // bounded, whatever the players do
  shadeCache.set(key, text);
  return text;
}

/** One datagram per client: the phase, then its own STATE: the squares it sees, its shadows during
 *  the game, the tick and its ACK. Each square is formatted once a tick, whoever sees it. */
function broadcast(tick: number): void {
  const game = room.game;
  const phase = `${formatMessage(phaseMessage(game))} `;
  const written = new Map(game.world.players.map((p) => [p, formatPlayer(p)]));
  const around = !sightApplies(game) && flags.view > 0 ? new Neighbourhood(game.world.players, flags.view) : undefined;
  const started = performance.now();
  for (const client of server.clients.values()) {
    const seen = (around?.near(client.name) ?? visibleTo(game, client.name)).map((p) => written.get(p));
    const shades = sightApplies(game) ? shadesText(client.name) : undefined;
    server.send(client, encode(phase + formatState(`[${seen.join(",")}]`, tick, client.data.seq, shades)));
  }
  if (sightApplies(game)) measureSight(performance.now() - started);
}

function measureSight(ms: number): void {
  const w = sight.window;
  w.total += ms;
  w.count++;
  w.max = Math.max(w.max, ms);
  const now = performance.now();
  if (now - w.start >= 1000) {
    sight.avgMs = w.total / w.count;
    sight.maxMs = w.max;
    sight.window = { start: now, total: 0, count: 0, max: 0 };
  }
}

/** Where each seeker saw the hiders in the coming tick; undefined with --no-lag-comp (the present). */
function saw(): Saw | undefined {
  if (flags["no-lag-comp"]) return undefined;
  return rewound(history, room.game.tick + 1, (name) => server.clients.get(name)?.data.lag, maxRewindTicks);
}

/** One line per catch: how far back it was judged, and how far apart the squares stood now. */
function logCatch(c: Catch): void {
  const lag = server.clients.get(c.seeker)?.data.lag;
  const back = flags["no-lag-comp"] || lag === undefined ? 0 : room.game.tick - judgedTick(room.game.tick, lag, maxRewindTicks);
  const view = lag === undefined ? "no VIEW yet" : `its view ${lag} ticks behind`;
  const judged = back === 0 ? "judged on the present" : `judged ${back} ticks (${Math.round((back * 1000) / flags.tick)} ms) back`;
  log.info(`${c.hider} caught by ${c.seeker}: ${judged}, ${view}; ${Math.round(c.apartPx)} px apart at the present`);
}

let lastPhase: Phase["kind"] = room.game.phase.kind;
const loop = startTickLoop(flags.tick, (tick) => {
  const before = room.game;
  const judge = saw();
  room.tick(actions.splice(0), moves, judge);
  catchesBetween(before, room.game, judge).forEach(logCatch);
  history.record(room.game.tick, room.game.world.players);
  const phase = room.game.phase;
  if (phase.kind !== lastPhase) {
    const text = formatMessage(phaseMessage(room.game));
    log.info(`${lastPhase} -> ${phase.kind}: ${text}`);
    lastPhase = phase.kind;
  }
  broadcast(tick);
});
log.info(`ticking at ${flags.tick} Hz; rounds of ${flags["game-seconds"]} s on the manor (${MANOR.walls.length} walls)`);
log.info(flags["no-lag-comp"] ? "lag compensation off: catches judged on the present" : `lag compensation: catches judged where the seeker saw the hider, at most ${flags["max-rewind-ms"]} ms (${maxRewindTicks} ticks) back`);
