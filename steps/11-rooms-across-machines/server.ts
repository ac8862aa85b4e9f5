// Step 11: step 10's manor as one room of a fleet. With `--redis URL` it lists itself in Redis with a
// heartbeat (registry.ts: address, players, capacity, phase; a record that expires unless refreshed
// every second, removed on a clean stop), lets in only players the matchmaker sent (the connect token
// in the handshake's proof, checked right after the cookie: handshake.ts, token.ts), confirms each
// seat as its player arrives, and, started by an agent (`--agent`), stops when the agent is gone.
// Without `--redis` it is step 10's server, alone: `bun run play` plays it so. No game state goes to
// Redis: the tick below is step 10's, untouched.
//
// Step 10: step 09's game behind a secure connect. The main port answers a knock only with a
// challenge no larger than it (cookie.ts); a session, a port and the map exist only for a client
// that echoed its cookie from its own address, with its X25519 key (handshake.ts); from then on every
// datagram both ways is sealed with AES-256-GCM under per-direction keys, numbered, and checked
// against replays (sealed.ts). All of that lives in dedicated-server.ts and server-link.ts: this
// file sees only opened, authenticated messages, and sends ticks only to clients that hold their
// keys. The rest is step 09's: binary deltas (delta.ts), lag compensation, sight, the rules.
import { cli, flag, whole } from "../../shared/plumbing/cli.ts";
import { GameRoom } from "./game-room.ts";
import { phaseMessage, tickPhaseOf, type Phase } from "./rules.ts";
import { sightApplies, visibleTo } from "./view.ts";
import { log } from "../../shared/plumbing/log.ts";
import { MANOR } from "./grid-map.ts";
import { Neighbourhood } from "./interest.ts";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { formatMessage, formatPlayers, isMove, type Action, type Move } from "./messages.ts";
import { HISTORY_TICKS, SnapshotSender } from "./delta.ts";
import { DATAGRAM_BUDGET } from "./priority.ts";
import { OVERHEAD } from "./sealed.ts";
import { SquareTable } from "./square-table.ts";
import { startTickLoop } from "./tick-loop.ts";
import { History } from "./history.ts";
import { catchesBetween, judgedTick, lagOf, MAX_REWIND_MS, rewound, ticksIn, type Catch } from "./rewind.ts";
import type { Saw } from "./rules.ts";
import { ownPorts, serveFromFlags, udpServerFlags, withPool } from "./dedicated-server.ts";
import { RedisLink } from "./redis-link.ts";
import { REGISTRY_DEFAULTS, RoomRegistration } from "./registry.ts";
import { tokensFromEnv, type ConnectTokens } from "./token.ts";

const POOL = "21000-21999";

const flags = cli({
  usage: "[ROOM_SECRET=<hex>] bun steps/11-rooms-across-machines/server.ts [--port P] [--redis URL --id ID [--agent A]] [--tick HZ] [--game-seconds S] [--transition-seconds S] [--seed N] [--view PX] [--max-rewind-ms MS] [--no-lag-comp]",
  summary: "Haunted Chronicles as one room of a fleet: with --redis it registers with a heartbeat and admits only players holding the matchmaker's token (ROOM_SECRET); without, it plays alone as step 10's.",
  flags: {
    ...udpServerFlags,
    ...ownPorts(9911, POOL),
    redis: flag("string", "", "the fleet's Redis (redis://HOST:PORT): register there, and want the matchmaker's token (empty: play alone)"),
    id: flag("string", `room-${process.pid}`, "this room's id in the fleet (unique; an agent gives one)"),
    agent: flag("string", "", "the agent that started this room: it stops when its standard input (the agent's pipe) closes"),
    "beat-ms": flag("number", REGISTRY_DEFAULTS.beatMs, "with --redis: how often the room refreshes its record", whole(50, 60_000)),
    "ttl-ms": flag("number", REGISTRY_DEFAULTS.ttlMs, "with --redis: how long the record outlives its last beat (a killed room leaves the listing within it)", whole(100, 3_600_000)),
    tick: flag("number", 30, "ticks per second: state updates sent to every client", { min: 1, max: 1000 }),
    "game-seconds": flag("number", 20, "seconds the seekers have to catch every hider", { min: 1, max: 86_400 }),
    "transition-seconds": flag("number", 5, "seconds of countdown before a game, and of results after it", { min: 0, max: 3600 }),
    seed: flag("number", 0, "seed for the spawn places, so a run can be replayed (0: random)", whole(0, 2 ** 32 - 1)),
    view: flag("number", 0, "outside a round, send each client only the players within PX pixels of it (0: everyone)", { min: 0, max: 100_000 }),
    "max-rewind-ms": flag("number", MAX_REWIND_MS, "judge a catch at most this far in the past, whatever a seeker's VIEW says", { min: 0, max: 5000 }),
    "no-lag-comp": flag("boolean", false, "judge catches on the present, as step 07 (ignore VIEW)"),
  },
});

/** In a fleet: the tokens (one secret shared with the matchmakers, from the environment, never a flag
 *  that `ps` would show) and the link to Redis. */
let tokens: ConnectTokens | undefined;
if (flags["ttl-ms"] < 2 * flags["beat-ms"]) {
  console.error(`--ttl-ms ${flags["ttl-ms"]} must cover at least two beats (--beat-ms ${flags["beat-ms"]}): one late beat is no death`);
  process.exit(2);
}
if (flags.redis !== "") {
  try {
    tokens = tokensFromEnv();
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
const redis = flags.redis === "" ? undefined : new RedisLink(flags.redis);
/** Where players reach this room (`host:port`): what the matchmaker signed into their tokens. Set
 *  once listening; until then no token matches. */
let address = "";

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

/** Each player's square of this tick, and its id on the wire: made once a tick, whoever sees it. */
const squares = new SquareTable();

/** `lag`: how many ticks behind the present the client's newest VIEW was (undefined: none yet).
 *  `snapshots`: what this client was sent, tick by tick, and the tick it acknowledged (delta.ts). */
const server = await serveFromFlags<{ seq: number; lag?: number; snapshots: SnapshotSender }>(withPool(flags, POOL), room, {
  // Sealing adds OVERHEAD bytes to each datagram: the tick keeps to what is left of the 1200.
  newData: () => ({ seq: 0, snapshots: new SnapshotSender(DATAGRAM_BUDGET - OVERHEAD) }),
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
  onAck: (client, tick) => client.data.snapshots.acknowledge(tick),
  // A room of a fleet takes only who the matchmaker sent here, under this name, not too late.
  ...(tokens === undefined ? {} : {
    checkToken: (name: string, token: string | undefined) =>
      token === undefined ? { ok: false as const, why: "no TOKEN: ask the matchmaker for a seat" } : tokens.check(token, name, flags.id, address, Date.now()),
  }),
  onJoin: (client) => void registration?.confirm(client.name),
  stopWhenInputEnds: flags.agent !== "",
  stats: (): string => {
    const s = loop.stats;
    const lags: number[] = [...server.clients.values()].flatMap((c) => (c.data.lag === undefined ? [] : [c.data.lag]));
    const lag = lags.length === 0 ? "" : ` view-lag-ticks=${Math.min(...lags)}/${Math.max(...lags)}`;
    // Full snapshots (no acknowledged baseline held) and ticks clipped to the 1200-byte budget, all clients.
    const d = { full: 0, clipped: 0 };
    for (const c of server.clients.values()) {
      d.full += c.data.snapshots.counts.full;
      d.clipped += c.data.snapshots.counts.clipped;
    }
    return ` ticks=${s.ticks} late=${s.late} skipped=${s.skipped} tick-ms=${s.workAvgMs.toFixed(2)}/${s.workMaxMs.toFixed(2)} sight-ms=${sight.avgMs.toFixed(2)}/${sight.maxMs.toFixed(2)} stale-inputs=${staleInputs} phase=${room.game.phase.kind}${lag} full-snapshots=${d.full} clipped-ticks=${d.clipped}`;
  },
  timers: () => (loop.running ? 1 : 0),
  onStop: async () => {
    loop.stop();
    // Out of the listing before the sockets close: no matchmaker sends anyone here any more.
    await registration?.stop();
    redis?.close();
  },
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
    sent: {
      help: "sent <name> <tick>: the squares that player holds for that tick if its datagram arrived, as text",
      run: ([name, tick, ...more]) => [sentCommand(name, tick, more.length)],
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

/** The console's `sent`: the snapshot a client holds for a tick (delta.ts), in the text form of a
 *  STATE's list, so that a person (or a test) can set it beside what the client shows. */
function sentCommand(name: string | undefined, tick: string | undefined, extra: number): string {
  if (name === undefined || tick === undefined || extra > 0) return "sent needs a name and a tick: sent <name> <tick>";
  const client = server.clients.get(name);
  if (client === undefined) return `nobody plays as ${name} (try list)`;
  if (!/^\d{1,9}$/.test(tick)) return `a tick is a whole number, got ${JSON.stringify(tick)}`;
  const snapshot = client.data.snapshots.snapshotOf(Number(tick));
  if (snapshot === undefined) return `no snapshot of tick ${tick} for ${name}: only the last ${HISTORY_TICKS} ticks sent are kept`;
  return `sent ${name} tick ${tick}: ${formatPlayers(snapshot)}`;
}

/** One binary datagram per client: the changes since the tick it acknowledged (delta.ts) of the
 *  squares it sees, with the phase and its input ACK. No shadows travel: the client draws them from
 *  its own square (step 08), and knows when from the phase and its team's colour. */
function broadcast(tick: number): void {
  const game = room.game;
  squares.update(game.world.players, (name) => game.members.get(name)?.ready === true);
  const phase = tickPhaseOf(game);
  const around = !sightApplies(game) && flags.view > 0 ? new Neighbourhood(game.world.players, flags.view) : undefined;
  const started = performance.now();
  for (const client of server.clients.values()) {
    if (!client.proven) continue; // nothing is sent to it yet: no snapshot to make, none to record
    const view = squares.snapshotOf(around?.near(client.name) ?? visibleTo(game, client.name));
    server.send(client, client.data.snapshots.encode({ tick, ack: client.data.seq, phase }, view, client.name));
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

address = `${flags.host}:${server.port}`;
/** The heartbeat (registry.ts): the room as it is at each beat. Its players count those still
 *  proving themselves too: their seats are taken. */
const registration = redis === undefined ? undefined : new RoomRegistration(redis, () => ({
  id: flags.id, host: flags.host, port: server.port, players: server.clients.size, capacity: flags["max-players"],
  phase: room.game.phase.kind, agent: flags.agent, pid: process.pid,
}), { beatMs: flags["beat-ms"], ttlMs: flags["ttl-ms"] });

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
    void registration?.beat(); // the matchmakers learn now, not within a second, that it left the lobby
  }
  broadcast(tick);
});
log.info(`ticking at ${flags.tick} Hz; rounds of ${flags["game-seconds"]} s on the manor (${MANOR.walls.length} walls)`);
log.info(flags["no-lag-comp"] ? "lag compensation off: catches judged on the present" : `lag compensation: catches judged where the seeker saw the hider, at most ${flags["max-rewind-ms"]} ms (${maxRewindTicks} ticks) back`);
// Listed last, once the room ticks: a matchmaker may send players the moment the record exists.
await registration?.start();
