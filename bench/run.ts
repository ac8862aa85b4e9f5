// The benchmark: every step's real server under load, to see where each SERVER breaks, and why.
// A rung of N players is N - P light bots (bench/light-bots.ts: thousands per process, each doing
// only what a player must) and P probes: the step's own clients (bench/bot-runner.ts), which
// measure what a player feels, from a key press to the state (or, for 06 and 07, the drawn view)
// that shows it. For each rung: the server's CPU, its ticks (rate, late, skipped), the bytes a
// client gets a second, the probes' p50/p99, and beside them the bots' own CPU, so a reader can
// tell a server that ran out from bots that did. Then, the players gone, the floor (bench/floor.ts):
// a bare sender of the same datagrams, and the server's CPU over the floor's, as a ratio.
// A step's ladder stops where its server breaks (or where the bots run out first: said so).
//   bun run bench [--quick] [--steps 02,05] [--ladder 1,10,100] [--seconds S] [--out DIR]
//     [--still 0,0.5,1]: each rung again with that share of the light bots standing still;
//     [--in lobby]: the game steps (07-10) measured in their lobby, where everyone walks and sees everyone
// Only a full run (no --quick, --steps or --ladder) writes to bench/results/ by default; any other
// writes to a temporary folder unless --out names one.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { cli, flag } from "../shared/plumbing/cli.ts";
import { percentile } from "../shared/client/bot.ts";
import type { RunnerReport } from "./bot-runner.ts";
import { ticking, type FleetReport, type Transport } from "./light-bots.ts";
import type { FloorReport, FloorTransport } from "./floor.ts";
import { latencyChart } from "./chart.ts";
import { Child, cpuSeconds, rssBytes, waitSeconds } from "./child.ts";
import { codecFigures, type CodecFigures } from "./codec.ts";

/** The steps the benchmark knows: one line each. `transport`: how its clients talk (and so which
 *  light bots and which floor it gets). `draws`: its probes time the view drawn, not the state
 *  (prediction). `game`: a lobby first (step 07): the bots pick teams and get ready, the server
 *  gets a short countdown and a round longer than the rung, and the rung is measured in the round. */
interface StepEntry {
  readonly id: string;
  readonly dir: string;
  /** Where its server.ts is, when not in `dir` (--server-dir). */
  readonly serverDir?: string;
  readonly transport: Transport;
  readonly draws?: boolean;
  readonly game?: boolean;
}
const STEPS: readonly StepEntry[] = [
  { id: "02", dir: "steps/02-per-message-tcp", transport: "tcp-per-message" },
  { id: "03", dir: "steps/03-persistent-tcp-threads", transport: "tcp-persistent" },
  { id: "04", dir: "steps/04-udp-dedicated-ports", transport: "udp-request" },
  { id: "05", dir: "steps/05-broadcast-loop", transport: "udp-tick" },
  { id: "06", dir: "steps/06-client-prediction", transport: "udp-tick", draws: true },
  { id: "07", dir: "steps/07-haunted-chronicles", transport: "udp-tick", draws: true, game: true },
  { id: "08", dir: "steps/08-lag-compensation", transport: "udp-view", draws: true, game: true },
  { id: "09", dir: "steps/09-delta-snapshots", transport: "udp-delta", draws: true, game: true },
  { id: "10", dir: "steps/10-secure-connect", transport: "udp-sealed", draws: true, game: true },
];
const DEFAULT_LADDER = "1,10,30,100,300,1000,2000";
/** Inputs a second of the request/response clients, and ticks a second of the ticking servers. */
const RATE = 30;
/** A floor under this CPU% is mostly Bun's own idle cost and /proc's 10 ms grain: no ratio is given. */
const FLOOR_MIN = 5;

const flags = cli({
  usage: "bun run bench [--quick] [--steps 02,05] [--ladder 1,10,100] [--still 0,0.5,1] [--in round|lobby] [--seconds S] [--out DIR] [--probes P] [--profile]",
  summary: "Light bots and a few real clients against every step's server, on a ladder of players: where each server breaks, and its CPU against the floor.",
  flags: {
    quick: flag("boolean", false, "a smoke run: steps 03 and 05, ladder 1,3, one-second rungs, into a temporary folder"),
    steps: flag("string", STEPS.map((s) => s.id).join(","), "steps to run, by number"),
    ladder: flag("string", DEFAULT_LADDER, "players on each rung (light bots and probes together)"),
    seconds: flag("number", 8, "seconds measured on each rung"),
    "floor-seconds": flag("number", 4, "seconds the floor (the bare sender) is measured on each rung"),
    out: flag("string", "", "folder for results.json, results.md and the charts latency.svg, cpu.svg (default: --published for a full run, else a temporary folder)"),
    published: flag("string", "bench/results", "the published run's folder: only a full run writes there unless --out names it"),
    probes: flag("number", 4, "probes per rung: the step's own clients, timing what a player feels (0: none, and no latency)"),
    still: flag("string", "0", "shares of the light bots that stand still: each rung is measured once for each (0,0.5,1: everyone moving, half still, all still)"),
    "server-flags": flag("string", "", "more flags for every server, as one string: --server-flags=\"--view 100\" (with `=`, as it starts with a dash): in the lobby, each client is sent only the squares within 100 px"),
    in: flag("string", "round", "where the game steps (07-10) are measured: `round` (teams, ready, sight) or `lobby` (everyone walks and sees everyone)"),
    "bots-per-process": flag("number", 2000, "light bots in one process at most"),
    nice: flag("number", 0, "niceness of the light bots and probes"),
    "server-nice": flag("number", -5, "niceness of the server: it comes first, as on a machine of its own (below 0 needs root; without it, nice warns and runs it at 0)"),
    "p99-limit": flag("number", 1000, "a rung whose probes' p99 passes this many ms ends the step's ladder"),
    "no-pin": flag("boolean", false, "do not pin the server (and the floor) to the first core and the bots to the others (taskset, when there are 2 cores or more)"),
    "server-dir": flag("string", "", "with one step in --steps: run this folder's server.ts in its place (a changed copy: measure a change before making it)"),
    profile: flag("boolean", false, "run each server under bun --cpu-prof; the profiles (and a markdown summary) go to <out>/profiles"),
  },
});

const quick = flags.quick;
const ladder = (quick ? "1,3" : flags.ladder).split(",").map(Number);
const seconds = quick ? 1 : flags.seconds;
const floorSeconds = quick ? 1 : flags["floor-seconds"];
const probesWanted = quick ? 2 : flags.probes;
const wanted = (quick ? "03,05" : flags.steps).split(",").map((s) => s.trim());
const known = wanted.map((id) => STEPS.find((s) => s.id === id) ?? fail(`unknown step ${id} (known: ${STEPS.map((s) => s.id).join(", ")})`));
if (flags["server-dir"] !== "" && known.length !== 1) fail("--server-dir replaces the server of one step: name it alone in --steps");
/** The probes still play with the step's own client: only the server is the copy's. */
const steps = known.map((s) => (flags["server-dir"] === "" ? s : { ...s, serverDir: flags["server-dir"] }));
if (ladder.some((n) => !Number.isInteger(n) || n < 1)) fail("--ladder takes whole numbers of players, like 1,10,100");
if (!Number.isInteger(probesWanted) || probesWanted < 0) fail("--probes takes a whole number, 0 or more");
const stills = flags.still.split(",").map(Number);
if (stills.some((s) => !(s >= 0 && s <= 1))) fail("--still takes shares from 0 to 1, like 0,0.5,1");
if (flags.in !== "round" && flags.in !== "lobby") fail("--in takes round or lobby");
/** A game step played in a round: teams, READY, the countdown, then sight (else in its lobby). */
const inRound = (step: StepEntry): boolean => step.game === true && flags.in === "round";
/** The published run is replaced only on purpose: by a full run, or by naming the folder. */
const fullRun = !quick && flags.steps === STEPS.map((s) => s.id).join(",") && flags.ladder === DEFAULT_LADDER && flags["server-dir"] === "";
const out = flags.out !== "" ? flags.out : fullRun ? flags.published : mkdtempSync(join(tmpdir(), "bench-"));

/** A command prefix that runs a program at this niceness (nothing for 0). */
const niced = (n: number): string[] => (n === 0 ? [] : ["nice", "-n", String(n)]);
/** Unless --no-pin: the server's core (the first), or the bots' (all the others), so that the load
 *  never takes the server's core; the floor gets the server's core too. */
const pin = !flags["no-pin"] && cpus().length >= 2 && Bun.which("taskset") !== null;
const pinned = (to: "server" | "bots"): string[] => (pin ? ["taskset", "-c", to === "server" ? "0" : `1-${cpus().length - 1}`] : []);

function fail(why: string): never {
  console.error(why);
  process.exit(2);
}

// ---------------------------------------------------------------- one rung

/** Every figure of one rung. Missing measurements are null (a rung where no probe moved has no p50). */
export interface Rung {
  readonly step: string;
  readonly players: number;
  /** The share of the light bots that stood still (--still). */
  readonly still: number;
  readonly seconds: number;
  /** Light bots and probes together. */
  readonly joined: number;
  readonly failedToJoin: number;
  /** Bots dropped by the server during the rung (or told ERROR). */
  readonly errors: number;
  readonly reasons: Record<string, number>;
  /** The probes: presses whose move never showed within 5 s, presses another square blocked, moves timed. */
  readonly timeouts: number;
  readonly blocked: number;
  readonly moves: number;
  /** What the probes felt (the step's own clients). */
  readonly latencyMs: { readonly p50: number | null; readonly p90: number | null; readonly p99: number | null; readonly max: number | null };
  /** States (or replies) a light bot received a second: 30 when it gets every one. A rung of probes
   *  only counts theirs, except for 06 and 07 (their clients count views drawn, not states): null. */
  readonly statesPerBotPerSecond: number | null;
  readonly traffic: {
    readonly messagesInPerSecond: number;
    readonly messagesOutPerSecond: number;
    readonly bytesInPerSecond: number;
    readonly bytesOutPerSecond: number;
    readonly bytesPerClientPerSecond: number;
    /** UDP servers: sends that failed during the window (a STATE too big for a datagram, say). */
    readonly sendErrors: number;
  };
  /** waitPercent: the share of the window the server was ready to run but waited for a core (other
   *  processes had them): a server that waited was short of CPU, not of capacity. */
  readonly server: { readonly cpuPercent: number; readonly waitPercent: number; readonly rssMB: number };
  /** The load's own cost, for the reader to judge: light bots and probes, CPU% of one core each. */
  readonly bots: {
    readonly light: number;
    readonly probes: number;
    readonly processes: number;
    readonly lightCpuPercent: number;
    /** The most any light-bot process waited for a core, % of the window. */
    readonly lightWaitPercent: number;
    readonly probesCpuPercent: number;
    readonly cpuPercent: number;
    readonly rssMB: number;
    /** Light bots' squares seen moving (they walk as players do). */
    readonly movedBots: number;
  };
  /** Ticking steps only. workAvgMs/workMaxMs: the tick's work (the server's `tick-ms`, read every
   *  second of the window: the average, and the worst). */
  readonly tick: { readonly ticksPerSecond: number; readonly late: number; readonly lateFraction: number; readonly skipped: number; readonly workAvgMs: number; readonly workMaxMs: number } | null;
  /** Game steps only: the phase when the window ended, and the part of each tick spent on who sees
   *  what (the server's `sight-ms`, read every second of the window: the average, and the worst). */
  readonly game: { readonly phase: string; readonly sightAvgMs: number; readonly sightMaxMs: number } | null;
  /** The bare sender (or writer) of the same traffic, and the server's CPU over its CPU. ratio is
   *  null when the floor is too small to measure (under FLOOR_MIN% of a core). */
  readonly floor: {
    readonly transport: FloorTransport;
    readonly sockets: number;
    readonly perSecond: number;
    readonly bytes: number;
    readonly sentPerSecond: number;
    readonly cpuPercent: number;
    readonly ratio: number | null;
  } | null;
  /** Why this rung ends the step's ladder, or null; and who ran out: the server (it used 90% of a
   *  core, or nothing else ran short); the machine (the server waited a tenth of the window for a
   *  core: other processes had them); or the bots (a light-bot process used 90% of a core, or
   *  waited a quarter of the window for one). */
  readonly brokeDown: string | null;
  readonly limit: "server" | "machine" | "bots" | null;
  /** This rung was measured twice: the first time broke down because other work took the server's core. */
  readonly busyFirst?: string;
}

/** The server's `stats` line, whichever server it is, as numbers. */
interface ServerStats {
  readonly players: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** UDP: sends the kernel refused (a datagram over 65,507 bytes, a client's port gone). */
  readonly sendErrors?: number;
  readonly ticks?: number;
  readonly late?: number;
  readonly skipped?: number;
  readonly workAvgMs?: number;
  readonly workMaxMs?: number;
  readonly sightAvgMs?: number;
  readonly sightMaxMs?: number;
  readonly phase?: string;
}

const STATS_LINE = /(players \d+, sockets.*)|stats: (.*)/;

/** The server's figures; a server too busy to answer its console within `timeoutMs` throws. */
async function askStats(server: Child, timeoutMs = 20_000): Promise<ServerStats> {
  server.skipBuffered();
  server.type("stats");
  const m = await server.next(STATS_LINE, timeoutMs);
  if (m === null) throw new Error(`the server did not answer its console's stats within ${timeoutMs / 1000} s${server.exited ? " (it exited)" : ""}${server.stderr ? `: ${server.stderr.slice(-300)}` : ""}`);
  if (m[1] !== undefined) {
    // TCP: players 3, sockets 3, timers 1, in 20 messages 800 bytes, out 20 messages 9000 bytes
    const t = m[1].match(/players (\d+).*in (\d+) messages (\d+) bytes, out (\d+) messages (\d+) bytes/);
    if (!t) throw new Error(`unexpected stats line: ${m[1]}`);
    const [players, messagesIn, bytesIn, messagesOut, bytesOut] = t.slice(1).map(Number) as [number, number, number, number, number];
    return { players, messagesIn, bytesIn, messagesOut, bytesOut };
  }
  // UDP: stats: players=3 ... in=20 out=20 bytes-in=.. bytes-out=.. [ticks=.. late=.. skipped=.. tick-ms=avg/max]
  //   [sight-ms=avg/max ... phase=game]
  const kv = new Map<string, string>();
  for (const [, key, value] of m[2]!.matchAll(/([\w-]+)=(\S+)/g)) kv.set(key!, value!);
  const n = (key: string) => Number(kv.get(key));
  const work = kv.get("tick-ms")?.split("/").map(Number);
  const sight = kv.get("sight-ms")?.split("/").map(Number);
  return {
    players: n("players"),
    messagesIn: n("in"),
    messagesOut: n("out"),
    bytesIn: n("bytes-in"),
    bytesOut: n("bytes-out"),
    ...(kv.has("send-errors") ? { sendErrors: n("send-errors") } : {}),
    ...(kv.has("ticks") ? { ticks: n("ticks"), late: n("late"), skipped: n("skipped"), workAvgMs: work?.[0] ?? NaN, workMaxMs: work?.[1] ?? NaN } : {}),
    ...(sight ? { sightAvgMs: sight[0] ?? NaN, sightMaxMs: sight[1] ?? NaN } : {}),
    ...(kv.has("phase") ? { phase: kv.get("phase")! } : {}),
  };
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;
const orNull = (v: number): number | null => (Number.isFinite(v) ? round(v) : null);
const sum = <T>(items: readonly T[], pick: (t: T) => number): number => items.reduce((n, t) => n + pick(t), 0);
const mean = (values: readonly number[]): number => sum(values, (v) => v) / values.length;
/** `total` spread over `parts`: the share of part `i`. */
const share = (total: number, parts: number, i: number): number => Math.floor(total / parts) + (i < total % parts ? 1 : 0);

/** The processes of one rung: light bots, probes, and later the floor. */
interface Load {
  readonly lights: Child[];
  readonly probes: Child | undefined;
}

function startLoad(step: StepEntry, port: number, players: number, still: number, rungIndex: number, joinSeconds: number): { load: Load; probeCount: number; lightCount: number } {
  // A game's probes play rounds: in its lobby they would stand still, ready, and time nothing.
  const probeCount = step.game && !inRound(step) ? 0 : Math.min(players, probesWanted);
  const lightCount = players - probeCount;
  // One light process even with no light bot: it holds the floor's sinks.
  const processes = Math.max(1, Math.ceil(lightCount / flags["bots-per-process"]));
  const maxSeconds = joinSeconds + seconds + floorSeconds + 120;
  let first = 0;
  const lights = Array.from({ length: processes }, (_, p) => {
    const count = share(lightCount, processes, p);
    first += count;
    return new Child(`light ${p}`, [
      ...pinned("bots"),
      ...niced(flags.nice),
      "bun", join(import.meta.dir, "light-runner.ts"),
      "--transport", step.transport, ...(inRound(step) ? ["--game"] : []), "--still", String(still),
      "--port", String(port), "--count", String(count), "--prefix", `R${rungIndex}L${p}b`, "--first", String(first - count),
      "--spread-ms", String(Math.min(3000, count * 2)), "--seed", String(100 * rungIndex + p + 1), "--max-seconds", String(maxSeconds),
    ]);
  });
  // A game's probes get ready as soon as they join: they start once the light bots are in (startProbes).
  const probes = probeCount === 0 || step.game ? undefined : probeRunner(step, port, probeCount, rungIndex, joinSeconds, maxSeconds);
  return { load: { lights, probes }, probeCount, lightCount };
}

function probeRunner(step: StepEntry, port: number, count: number, rungIndex: number, joinSeconds: number, maxSeconds: number): Child {
  return new Child("probes", [
    ...pinned("bots"),
    ...niced(flags.nice),
    "bun", join(import.meta.dir, "bot-runner.ts"),
    "--step", step.dir, "--port", String(port), "--count", String(count), "--prefix", `R${rungIndex}P`,
    "--spread-ms", String(count * 50), "--join-seconds", String(joinSeconds), "--max-seconds", String(maxSeconds),
  ]);
}

async function runRung(step: StepEntry, port: number, server: Child, players: number, still: number, rungIndex: number, progress: (s: string) => void): Promise<Rung> {
  const joinSeconds = 10 + players / 50; // joining 1000 over UDP takes a few seconds on 2 cores
  const started = startLoad(step, port, players, still, rungIndex, joinSeconds);
  let { load } = started;
  const { probeCount, lightCount } = started;
  const everyone = () => [...load.lights, ...(load.probes ? [load.probes] : [])];
  let floorChild: Child | undefined;
  try {
    progress(`joining ${lightCount} light bots and ${probeCount} probes`);
    await readyOrThrow(load.lights, joinSeconds);
    if (step.game && probeCount > 0) load = { ...load, probes: probeRunner(step, port, probeCount, rungIndex, joinSeconds, joinSeconds + seconds + floorSeconds + 120) };
    if (load.probes) await readyOrThrow([load.probes], joinSeconds);
    if (inRound(step)) {
      for (const r of load.lights) r.type("play");
      await roundStarted(server, joinSeconds, progress);
    } else if (step.game) {
      // From step 09 a newcomer is brought everyone over its first ticks (1200 bytes a tick), and
      // everyone is told of it: in a round the countdown covers that; in the lobby, a second does.
      await Bun.sleep(1000);
    }

    const before = await askStats(server);
    const pids = [server.pid, ...everyone().map((c) => c.pid)];
    const cpu0 = await Promise.all(pids.map(cpuSeconds));
    const wait0 = await Promise.all(pids.map(waitSeconds));
    const t0 = performance.now();
    for (const c of everyone()) c.type("go");
    let serverRss = 0;
    let botsRss = 0;
    const everySecond: ServerStats[] = []; // the server's figures of each second (tick-ms, sight-ms)
    let tooBusy = false;
    for (let s = 0; s < seconds * 4; s++) {
      await Bun.sleep(250);
      serverRss = Math.max(serverRss, await rssBytes(server.pid));
      botsRss = Math.max(botsRss, sum(await Promise.all(everyone().map((c) => rssBytes(c.pid))), (b) => b));
      // A server too busy to answer at once loses those figures, not the rung; it is not asked
      // again until the window's end (a late answer must not pass for the last one).
      if (s % 4 === 3 && s + 1 < seconds * 4 && !tooBusy) {
        const figures = await askStats(server, 1000).catch(() => undefined);
        if (figures === undefined) tooBusy = true;
        else everySecond.push(figures);
      }
      if (s % 4 === 3) progress(`measuring ${players} players: ${(s + 1) / 4}/${seconds} s`);
    }
    if (tooBusy) await Bun.sleep(3000); // its late answer comes, and is skipped
    const after = await askStats(server, 20_000);
    everySecond.push(after);
    const cpu1 = await Promise.all(pids.map(cpuSeconds));
    const wait1 = await Promise.all(pids.map(waitSeconds));
    const elapsed = (performance.now() - t0) / 1000;
    for (const c of everyone()) c.type("end");
    progress(`collecting ${players} players' reports`);
    const lightReports = await Promise.all(load.lights.map(async (r) => JSON.parse((await r.next(/^REPORT (.*)$/, 15_000))?.[1] ?? "null") as FleetReport | null));
    const probeReport = load.probes ? await probeReportOf(load.probes) : undefined;

    // The players leave; the floor then runs on an idle server.
    progress("the players leave");
    for (const r of load.lights) r.type("leave");
    await Promise.all(load.lights.map((r) => r.next(/^LEFT /, 15_000)));
    await emptied(server, step);

    const cpuPercent = (i: number) => (100 * (cpu1[i]! - cpu0[i]!)) / elapsed;
    const waitPercent = (i: number) => (100 * (wait1[i]! - wait0[i]!)) / elapsed;
    const lightCpu = load.lights.map((_, i) => cpuPercent(i + 1));
    const lightWait = load.lights.map((_, i) => waitPercent(i + 1));
    const probesCpu = load.probes ? cpuPercent(load.lights.length + 1) : 0;
    const perSecond = (pick: (s: ServerStats) => number) => round((pick(after) - pick(before)) / elapsed, 1);
    const lights = lightReports.filter((r): r is FleetReport => r !== null);
    const lightJoined = sum(lights, (r) => r.joined);
    const probesJoined = probeReport?.joined ?? 0;
    const latencies = probeReport?.latencies ?? [];
    const reasons: Record<string, number> = {};
    for (const r of [...lights, ...(probeReport ? [probeReport] : [])]) for (const [why, n] of Object.entries(r.reasons)) reasons[why] = (reasons[why] ?? 0) + n;
    if (lights.length < load.lights.length) reasons["a light-bot process sent no report"] = load.lights.length - lights.length;
    const states = lightJoined > 0 ? sum(lights, (r) => r.states) / lightJoined : probesJoined > 0 && !step.draws ? probeReport!.states / probesJoined : null;
    const ticks = after.ticks !== undefined && before.ticks !== undefined ? after.ticks - before.ticks : undefined;
    const late = (after.late ?? 0) - (before.late ?? 0);
    const traffic = {
      messagesInPerSecond: perSecond((s) => s.messagesIn),
      messagesOutPerSecond: perSecond((s) => s.messagesOut),
      bytesInPerSecond: perSecond((s) => s.bytesIn),
      bytesOutPerSecond: perSecond((s) => s.bytesOut),
      bytesPerClientPerSecond: round((after.bytesOut - before.bytesOut) / elapsed / players, 0),
      sendErrors: (after.sendErrors ?? 0) - (before.sendErrors ?? 0),
    };
    const serverCpu = round(cpuPercent(0), 1);

    progress(`the floor: ${Math.round(traffic.messagesOutPerSecond)} messages a second from ${players} sockets`);
    const floorRun = await runFloor(step, load.lights[0]!, players, traffic, (c) => (floorChild = c));
    const rung: Omit<Rung, "brokeDown" | "limit"> = {
      step: step.id,
      players,
      still,
      seconds: round(elapsed),
      joined: lightJoined + probesJoined,
      failedToJoin: players - lightJoined - probesJoined,
      errors: sum(lights, (r) => r.dropped) + (probeReport?.errors ?? 0),
      reasons,
      timeouts: probeReport?.timeouts ?? 0,
      blocked: probeReport?.blocked ?? 0,
      moves: latencies.length,
      latencyMs: { p50: orNull(percentile(latencies, 50)), p90: orNull(percentile(latencies, 90)), p99: orNull(percentile(latencies, 99)), max: orNull(Math.max(...latencies)) },
      statesPerBotPerSecond: states === null ? null : round(states / elapsed, 1),
      traffic,
      server: { cpuPercent: serverCpu, waitPercent: round(waitPercent(0), 1), rssMB: round(serverRss / 2 ** 20, 1) },
      bots: {
        light: lightCount,
        probes: probeCount,
        processes: everyone().length,
        lightCpuPercent: round(sum(lightCpu, (c) => c), 1),
        lightWaitPercent: round(Math.max(...lightWait), 1),
        probesCpuPercent: round(probesCpu, 1),
        cpuPercent: round(sum(lightCpu, (c) => c) + probesCpu, 1),
        rssMB: round(botsRss / 2 ** 20, 1),
        movedBots: sum(lights, (r) => r.movedBots),
      },
      tick:
        ticks === undefined
          ? null
          : {
              ticksPerSecond: round(ticks / elapsed, 1),
              late,
              lateFraction: round(ticks === 0 ? 1 : late / ticks, 4),
              skipped: (after.skipped ?? 0) - (before.skipped ?? 0),
              workAvgMs: round(mean(everySecond.map((s) => s.workAvgMs ?? NaN))),
              workMaxMs: round(Math.max(...everySecond.map((s) => s.workMaxMs ?? NaN))),
            },
      game: step.game
        ? { phase: after.phase ?? "?", sightAvgMs: round(mean(everySecond.map((s) => s.sightAvgMs ?? NaN))), sightMaxMs: round(Math.max(...everySecond.map((s) => s.sightMaxMs ?? NaN))) }
        : null,
      floor: floorRun === null ? null : { ...floorRun, ratio: floorRun.cpuPercent >= FLOOR_MIN ? round(serverCpu / floorRun.cpuPercent, 2) : null },
    };
    return { ...rung, ...breakdown(rung, lightCpu, lightWait) };
  } finally {
    for (const r of load.lights) r.type("quit");
    await Promise.all([...everyone(), ...(floorChild ? [floorChild] : [])].map((c) => c.stop(5000)));
  }
}

/** Waits for each process's `ready` (every bot joined or gave up); one that never says it ends the ladder. */
async function readyOrThrow(children: readonly Child[], joinSeconds: number): Promise<void> {
  const said = await Promise.all(children.map((c) => c.next(/^ready /, (joinSeconds + 10) * 1000)));
  const silent = children.filter((_, i) => said[i] === null);
  if (silent.length > 0) throw new Error(`${silent.map((c) => c.label).join(", ")}: bots still joining after ${joinSeconds + 10} s${silent[0]!.stderr ? `: ${silent[0]!.stderr.slice(-200)}` : ""}`);
}

async function probeReportOf(probes: Child): Promise<RunnerReport | undefined> {
  const m = await probes.next(/^REPORT (.*)$/, 15_000);
  return m === null ? undefined : (JSON.parse(m[1]!) as RunnerReport);
}

/** The bare sender (or writer) of the traffic just measured: the same count of messages a second,
 *  of the same average size, from as many sockets as the server had clients, to sinks in the light
 *  bots' process. Its CPU over `floorSeconds`. */
async function runFloor(step: StepEntry, sinkHolder: Child, players: number, traffic: Rung["traffic"], started: (c: Child) => void): Promise<Omit<NonNullable<Rung["floor"]>, "ratio"> | null> {
  const perSecond = Math.round(traffic.messagesOutPerSecond);
  if (perSecond <= 0) return null;
  const bytes = Math.max(1, Math.round(traffic.bytesOutPerSecond / traffic.messagesOutPerSecond));
  const transport: FloorTransport = step.transport.startsWith("udp") ? "udp" : step.transport === "tcp-persistent" ? "tcp" : "tcp-per-message";
  sinkHolder.type(transport === "udp" ? `sink udp ${players}` : "sink tcp");
  const sinks = await sinkHolder.next(/^SINK (.*)$/, 15_000);
  if (sinks === null) throw new Error(`the sinks did not open: ${sinkHolder.stderr.slice(-300)}`);
  const floor = new Child("floor", [
    ...pinned("server"),
    "bun", join(import.meta.dir, "floor.ts"), "--transport", transport, "--ports", (JSON.parse(sinks[1]!) as number[]).join(","),
    "--sockets", String(players), "--per-second", String(perSecond), "--bytes", String(bytes),
    // A ticking server sends in a burst every tick; a request/response server as requests come.
    "--hz", String(ticking(step.transport) ? RATE : 200),
  ]);
  started(floor);
  if ((await floor.next(/^ready$/, 30_000)) === null) throw new Error(`the floor did not start: ${floor.stderr.slice(-300)}`);
  const cpu0 = await cpuSeconds(floor.pid);
  const t0 = performance.now();
  floor.type("go");
  await Bun.sleep(floorSeconds * 1000);
  const cpu1 = await cpuSeconds(floor.pid);
  const elapsed = (performance.now() - t0) / 1000;
  floor.type("end");
  const report = await floor.next(/^REPORT (.*)$/, 10_000);
  const sent = report === null ? NaN : (JSON.parse(report[1]!) as FloorReport).sent;
  return { transport, sockets: players, perSecond, bytes, sentPerSecond: round(sent / elapsed, 1), cpuPercent: round((100 * (cpu1 - cpu0)) / elapsed, 1) };
}

/** A game's bots pick teams and get ready once they have joined; the window starts with the round
 *  (after the server's countdown). Bounded: a round that never starts ends the step's ladder. */
async function roundStarted(server: Child, joinSeconds: number, progress: (s: string) => void): Promise<void> {
  progress("waiting for the round to start");
  const deadline = performance.now() + (joinSeconds + 10) * 1000;
  while ((await askStats(server)).phase !== "game") {
    if (performance.now() > deadline) throw new Error("the round never started (the bots did not all get ready)");
    await Bun.sleep(100);
  }
}

/** Waits (bounded) until the last rung's players have gone; a game's round must be over too (its
 *  results last --transition-seconds), as players join only in the lobby. */
async function emptied(server: Child, step: StepEntry): Promise<void> {
  const empty = (s: ServerStats) => s.players === 0 && (s.phase === undefined || s.phase === "lobby");
  for (let wait = 0; wait < (step.game ? 100 : 40) && !empty(await askStats(server)); wait++) await Bun.sleep(100);
}

/** Clearly broken: players cannot join or stay, the probes feel more than the limit, the server
 *  keeps fewer than 9 ticks in 10 on time, or the bots get under 80% of the states (or answers)
 *  they should. Who ran out: late or slow ticks are the server's own (bots cannot slow a UDP
 *  server's tick but by taking its core: then it waited, and the machine ran out). Anything else:
 *  the server when it used 90% of a core; else the machine when the server waited for a core a
 *  tenth of the window; else the bots when a light-bot process used 90% of a core or waited a
 *  quarter of the window; else the server all the same. */
function breakdown(r: Omit<Rung, "brokeDown" | "limit">, lightCpu: readonly number[], lightWait: readonly number[]): Pick<Rung, "brokeDown" | "limit"> {
  const failedSends = r.traffic.sendErrors > 0 ? ` (${r.traffic.sendErrors} sends failed)` : "";
  const waited = r.server.waitPercent >= 10;
  const botsShort = lightCpu.some((c) => c >= 90) || lightWait.some((w) => w >= 25);
  const byLoad = (why: string) => ({ brokeDown: why, limit: r.server.cpuPercent >= 90 ? "server" : waited ? "machine" : botsShort ? "bots" : "server" }) as const;
  const byTicks = (why: string) => ({ brokeDown: why, limit: waited ? "machine" : "server" }) as const;
  if (r.failedToJoin + r.errors > r.players / 10) return byLoad(`${r.failedToJoin} players failed to join, ${r.errors} dropped out${failedSends}`);
  if (r.moves === 0 && r.bots.probes > 0) return byLoad("no probe saw its move");
  if (r.timeouts > r.moves / 10) return byLoad(`${r.timeouts} presses never showed (vs ${r.moves} that did)`);
  if (r.tick !== null && r.tick.lateFraction > 0.1) return byTicks(`${(100 * r.tick.lateFraction).toFixed(0)}% of the ticks late`);
  if (r.tick !== null && r.tick.ticksPerSecond < 0.9 * RATE) return byTicks(`${r.tick.ticksPerSecond} ticks a second of ${RATE}`);
  if (r.bots.probes > 0 && (r.latencyMs.p99 ?? Infinity) > flags["p99-limit"]) return byLoad(`probes' p99 ${r.latencyMs.p99} ms > ${flags["p99-limit"]} ms`);
  if (r.statesPerBotPerSecond !== null && r.statesPerBotPerSecond < 0.8 * RATE) return byLoad(`a bot got ${r.statesPerBotPerSecond} ${r.tick ? "states" : "answers"} a second of ${RATE}${failedSends}`);
  return { brokeDown: null, limit: null };
}

// ---------------------------------------------------------------- one step

/** The servers' limits are set for people playing, not for a thousand bots on one address: each
 *  cap below that the server's --help lists is raised out of the way (the game's own rules, such
 *  as step 02/03's --move-rate, stay). */
async function raisedCaps(script: string): Promise<string[]> {
  const most = String(Math.max(...ladder) + 100);
  const caps: Record<string, string> = { "--max-players": most, "--max-connections": most, "--max-per-address": most, "--pending-per-address": most, "--rate-limit": "0" };
  const help = Bun.spawnSync(["bun", script, "--help"]).stdout.toString();
  return Object.entries(caps).flatMap(([name, value]) => (help.includes(`${name} `) ? [name, value] : []));
}

async function runStep(step: StepEntry, rungs: Rung[], progress: (s: string) => void): Promise<void> {
  const script = join(step.serverDir ?? step.dir, "server.ts");
  const args = ["--port", "0", ...(await raisedCaps(script)), ...flags["server-flags"].split(" ").filter((f) => f !== "")];
  // A round that outlasts the rung, after a short countdown (its results, between rungs, as short).
  if (step.game) args.push("--game-seconds", String(seconds + floorSeconds + 120), "--transition-seconds", "2");
  const profile = flags.profile ? ["--cpu-prof", "--cpu-prof-md", "--cpu-prof-dir", join(out, "profiles", step.id)] : [];
  const server = new Child(`server ${step.id}`, [...pinned("server"), ...niced(flags["server-nice"]), "bun", ...profile, script, ...args]);
  try {
    const listening = await server.next(/listening on [\d.]+:(\d+)/, 10_000);
    if (listening === null) throw new Error(`step ${step.id}'s server did not start: ${server.stderr.slice(-300)}`);
    const port = Number(listening[1]);
    // Each count of players is measured once for each share of still bots (--still).
    const rungsPerCount = stills.length;
    ladder: for (const [i, players] of ladder.entries()) {
      if (inRound(step) && players < 2) {
        progress(`step ${step.id}: ${players} player: skipped (a round needs a seeker and a hider)`);
        continue;
      }
      for (const [j, still] of stills.entries()) {
        const index = i * rungsPerCount + j;
        const who = `${players} players${stills.length > 1 || still > 0 ? `, ${100 * still}% still` : ""}`;
        let rung: Rung;
        try {
          rung = await runRung(step, port, server, players, still, index, (s) => progress(`step ${step.id}: ${s}`));
          // Other work took the server's core: that says nothing of the server, so it is measured
          // once more (the table says so); a second busy rung stands as it is.
          if (rung.limit === "machine") {
            progress(`step ${step.id}: ${who}: the server waited ${rung.server.waitPercent}% of the time for its core: measuring again`);
            const first = rung;
            rung = { ...(await runRung(step, port, server, players, still, index + ladder.length * rungsPerCount, (s) => progress(`step ${step.id}: ${s}`))), busyFirst: `${first.brokeDown} (the server waited ${first.server.waitPercent}% of the time)` };
          }
        } catch (e) {
          // An overloaded server that cannot even answer its console has broken down too.
          brokenRungs.push(`step ${step.id} at ${who}: ${(e as Error).message}`);
          break ladder;
        }
        rungs.push(rung);
        const ratio = rung.floor?.ratio === null || rung.floor === null ? "" : `, ${rung.floor.ratio}x the floor`;
        progress(`step ${step.id}: ${who}: server ${rung.server.cpuPercent}% CPU${ratio}, probes p50 ${rung.latencyMs.p50} / p99 ${rung.latencyMs.p99} ms${rung.brokeDown ? `, broke down (${rung.brokeDown}; ${rung.limit} first)` : ""}`);
        if (rung.brokeDown !== null) break ladder;
      }
    }
  } finally {
    server.type("stop");
    await server.stop(flags.profile ? 15_000 : 3000); // a profile is written on the way out
  }
}

// ---------------------------------------------------------------- output

const kb = (bytes: number): string => (bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0);
const fixed = (v: number | null, digits = 1): string => (v === null ? "-" : v.toFixed(digits));

function table(rungs: readonly Rung[]): string {
  const head = [
    "step", "players", "still %", "light+probes", "joined", "fail", "drop", "srv CPU%", "srv wait%", "floor CPU%", "x floor", "tick Hz", "late %", "skipped",
    "tick ms", "sight ms", "KB/client/s", "states/s", "p50 ms", "p99 ms", "light CPU%", "light wait%", "probes CPU%", "ends here",
  ];
  const rows = rungs.map((r) => [
    r.step, String(r.players), (100 * r.still).toFixed(0), `${r.bots.light}+${r.bots.probes}`, String(r.joined), String(r.failedToJoin), String(r.errors),
    r.server.cpuPercent.toFixed(0), r.server.waitPercent.toFixed(0), r.floor ? r.floor.cpuPercent.toFixed(0) : "-", r.floor?.ratio != null ? r.floor.ratio.toFixed(1) : "-",
    r.tick ? r.tick.ticksPerSecond.toFixed(1) : "-", r.tick ? (100 * r.tick.lateFraction).toFixed(1) : "-", r.tick ? String(r.tick.skipped) : "-",
    r.tick ? fixed(orNull(r.tick.workAvgMs)) : "-", r.game?.phase === "game" ? fixed(orNull(r.game.sightAvgMs)) : "-",
    kb(r.traffic.bytesPerClientPerSecond), fixed(r.statesPerBotPerSecond), fixed(r.latencyMs.p50, 2), fixed(r.latencyMs.p99, 2),
    r.bots.lightCpuPercent.toFixed(0), r.bots.lightWaitPercent.toFixed(0), r.bots.probesCpuPercent.toFixed(0), [r.brokeDown === null ? "" : `${r.limit}: ${r.brokeDown}`, r.busyFirst === undefined ? "" : `(measured again: the first time, ${r.busyFirst})`].filter((t) => t !== "").join(" "),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  return [line(head), `|${widths.map((w, i) => "-".repeat(w + 1) + (i === widths.length - 1 ? "-" : ":")).join("|")}|`, ...rows.map(line)].join("\n");
}

function codecTable(codec: readonly CodecFigures[]): string {
  const rows = codec.map((c) => `| ${c.players} | ${c.bytesUtf8} | ${c.bytesUtf16} | ${Math.round(c.formatPerSecond).toLocaleString("en")} | ${Math.round(c.parsePerSecond).toLocaleString("en")} |`);
  return ["| players in STATE | bytes utf-8 | bytes utf-16 | formatted /s | parsed /s |", "|---:|---:|---:|---:|---:|", ...rows].join("\n");
}

function machine(): { cores: number; cpu: string; bun: string; date: string; loadAverage: number[] } {
  let cpu = "unknown";
  try {
    cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? cpu;
  } catch {
    // not Linux: the model stays unknown
  }
  // Other work on the machine shares its cores with the run: its load (1, 5, 15 minutes) says how much.
  return { cores: cpus().length, cpu, bun: Bun.version, date: new Date().toISOString(), loadAverage: loadavg().map((l) => round(l)) };
}

// ---------------------------------------------------------------- main

const isTty = process.stdout.isTTY;
const progress = (line: string) => {
  if (isTty) process.stdout.write(`\r\x1b[2K${line}`);
  else console.log(line);
};

const startedAt = performance.now();
const loadAtStart = loadavg().map((l) => round(l));
const rungs: Rung[] = [];
const failures: string[] = [];
/** Rungs that could not be measured at all (the server stopped answering): the ladder ends there. */
const brokenRungs: string[] = [];
for (const step of steps) {
  try {
    await runStep(step, rungs, progress);
  } catch (e) {
    failures.push(`step ${step.id}: ${(e as Error).message}`);
    progress(`step ${step.id} failed: ${(e as Error).message}\n`);
  }
}
progress("codec micro-benchmark");
const codec = codecFigures([1, 10, 100, 1000], quick ? 20 : 200);
if (isTty) process.stdout.write("\r\x1b[2K");

const about = machine();
const settings = { ladder, seconds, floorSeconds, pin, steps: steps.map((s) => s.id), probes: probesWanted, botsPerProcess: flags["bots-per-process"], nice: flags.nice, serverNice: flags["server-nice"], quick, p99LimitMs: flags["p99-limit"], still: stills, gameStepsIn: flags.in, serverFlags: flags["server-flags"] };
const results = { machine: { ...about, loadAverageAtStart: loadAtStart }, settings, durationSeconds: round((performance.now() - startedAt) / 1000, 1), rungs, brokenRungs, codec, failures };
const chartTitle = `What the probes felt against players (${about.cores} cores, loopback, ${seconds} s per rung)`;
const svg = latencyChart(
  steps.map((s) => ({
    label: `step ${s.id}`,
    points: rungs.filter((r) => r.step === s.id && r.latencyMs.p50 !== null && r.latencyMs.p99 !== null).map((r) => [r.players, r.latencyMs.p50!, r.latencyMs.p99!] as const),
  })),
  chartTitle,
);
const cpuSvg = latencyChart(
  steps.map((s) => ({
    label: `step ${s.id}`,
    points: rungs.filter((r) => r.step === s.id && r.floor !== null && r.floor.cpuPercent > 0).map((r) => [r.players, r.floor!.cpuPercent, Math.max(r.server.cpuPercent, 0.1)] as const),
  })),
  `The server's CPU and its floor's against players (${about.cores} cores, loopback)`,
  { y: "CPU, % of one core (log)", legend: "solid: server, dashed: floor", yRange: [1, 100] },
);
const markdown = [
  "# Benchmark results",
  "",
  `Machine: ${about.cores} cores (\`nproc\`), ${about.cpu}, Bun ${about.bun}, ${about.date.slice(0, 10)}. Loopback only. Load average at the start ${loadAtStart.join(", ")}, at the end ${about.loadAverage.join(", ")} (1, 5, 15 min: work besides the run).`,
  `Settings: ladder ${ladder.join(", ")}; ${seconds} s measured per rung, then ${floorSeconds} s of floor; ${probesWanted} probes a rung; ${stills.map((s) => `${100 * s}%`).join(", ")} of the light bots still; the game steps (07-10) measured in ${flags.in === "round" ? "a round" : "the lobby (no probes there: they play rounds)"}${flags["server-flags"] === "" ? "" : `; every server run with \`${flags["server-flags"]}\``}; server niced ${flags["server-nice"]}, bots ${flags.nice}${pin ? `; the server and the floor on core 0, the bots on the others (taskset)` : ""}. Run took ${results.durationSeconds} s.`,
  "",
  "![probe latency against players](latency.svg) ![server and floor CPU against players](cpu.svg)",
  "",
  "A rung of N players is N - P light bots (`bench/light-bots.ts`: thousands in one process; they join, send inputs when they change, keep alive, leave,",
  "and find their own square in a state with a byte search, never parsing it) and P probes: the step's own clients (`--bot`), whose",
  "input-to-state latency is `p50`/`p99` (for 06 and 07, which predict, to the view drawn). The light bots cost the server what players do",
  "and cost their own machine as little as the protocol allows; their CPU (`light CPU%`) and the probes' are shown beside the server's.",
  "",
  "`srv CPU%`: the server's user + system CPU over the window, % of one core (the machine has " + about.cores + "); `srv wait%`: the part of the window",
  "it was ready to run but waited for a core (other processes had them: then it was short of CPU, not of capacity). `floor CPU%`: a bare Bun sender",
  "(`bench/floor.ts`) of the same messages (count a second, average size, one socket per client; for 03 a writer on one TCP connection per client,",
  "for 02 a new connection per message), run after the players left. `x floor` = server over floor: what the server spends beyond sending.",
  "`tick Hz`, `late %` (a tick starting over a quarter of a tick late), `skipped`, `tick ms` (the tick's work, average of its last second),",
  "`sight ms` (07-10: who sees what, per tick). `still %`: the light bots that stood still. `KB/client/s`: what the server sends each client a second. `states/s`: states (or answers) a light",
  "bot received a second, 30 when none is missed. `fail`: never joined; `drop`: dropped or refused after joining. `light wait%`: the most a",
  "light-bot process waited for a core. `ends here`: why the step's ladder stops at that rung, and who ran out first: the `server` (it used",
  "90% of a core, or nothing else ran short); the `machine` (the server waited for a core a tenth of the window); or the `bots` (a light-bot",
  "process used 90% of a core or waited a quarter of the window). A rung the machine stopped is measured once more, and says so.",
  "",
  table(rungs),
  "",
  "## Codec",
  "",
  codecTable(codec),
  ...(brokenRungs.length > 0 ? ["", "Rungs that could not be measured (the ladder stopped there):", "", ...brokenRungs.map((b) => `- ${b}`)] : []),
  ...(failures.length > 0 ? ["", "## Failures", "", ...failures.map((f) => `- ${f}`)] : []),
  "",
].join("\n");

mkdirSync(out, { recursive: true });
writeFileSync(join(out, "results.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(out, "latency.svg"), svg);
writeFileSync(join(out, "cpu.svg"), cpuSvg);
writeFileSync(join(out, "results.md"), markdown);
console.log(table(rungs));
console.log();
console.log(codecTable(codec));
console.log(`\nwrote ${join(out, "results.json")}, latency.svg, cpu.svg, results.md (${results.durationSeconds} s)`);
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
