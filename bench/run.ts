// The benchmark: every step's real server against a ladder of bot players, to see where each step
// breaks down. For each step: start its server; for each rung N of the ladder, start N bots in a
// few bot-runner processes (the step's own client code), wait until they have joined, measure for
// --seconds, collect the bots' reports and the server's `stats`, CPU and memory. A step's ladder
// stops once it has clearly broken down. Writes a table, results.json, latency.svg and results.md.
//   bun run bench [--quick] [--steps 02,05] [--ladder 1,3,10] [--seconds S] [--out DIR]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { cli, flag } from "../shared/plumbing/cli.ts";
import { percentile } from "../shared/client/bot.ts";
import type { RunnerReport } from "./bot-runner.ts";
import { latencyChart } from "./chart.ts";
import { Child, cpuSeconds, rssBytes } from "./child.ts";
import { codecFigures, type CodecFigures } from "./codec.ts";

/** The steps the benchmark knows: one line each. `game`: a
 *  game with a lobby (step 07): its client exports its own bots, which take both teams and get
 *  ready; the server gets a short countdown and a round longer than the rung, and the rung is
 *  measured once the round is on. */
interface StepEntry {
  readonly id: string;
  readonly dir: string;
  readonly game?: boolean;
}
const STEPS: readonly StepEntry[] = [
  { id: "02", dir: "steps/02-per-message-tcp" },
  { id: "03", dir: "steps/03-persistent-tcp-threads" },
  { id: "04", dir: "steps/04-udp-dedicated-ports" },
  { id: "05", dir: "steps/05-broadcast-loop" },
  { id: "06", dir: "steps/06-client-prediction" },
  { id: "07", dir: "steps/07-haunted-chronicles", game: true },
];

const flags = cli({
  usage: "bun run bench [--quick] [--steps 02,05] [--ladder 1,3,10] [--seconds S] [--out DIR] [--runners R]",
  summary: "Bots against every step's real server, on a ladder of player counts: latency, traffic, CPU, memory.",
  flags: {
    quick: flag("boolean", false, "a smoke run: steps 03 and 05, ladder 1,3, one-second rungs"),
    steps: flag("string", STEPS.map((s) => s.id).join(","), "steps to run, by number"),
    ladder: flag("string", "1,3,10,30,100,300,1000", "players on each rung"),
    seconds: flag("number", 4, "seconds measured on each rung"),
    out: flag("string", "bench/results", "folder for results.json, latency.svg, results.md"),
    runners: flag("number", cpus().length, "bot-runner processes at most (bots are spread over them)"),
    nice: flag("number", 10, "niceness of the bot processes: the server comes first, as on a machine of its own (0: equal)"),
    "p99-limit": flag("number", 1000, "a rung whose p99 latency passes this many ms ends the step's ladder"),
  },
});

const quick = flags.quick;
const ladder = (quick ? "1,3" : flags.ladder).split(",").map(Number);
const seconds = quick ? 1 : flags.seconds;
const wanted = (quick ? "03,05" : flags.steps).split(",").map((s) => s.trim());
const steps = wanted.map((id) => STEPS.find((s) => s.id === id) ?? fail(`unknown step ${id} (known: ${STEPS.map((s) => s.id).join(", ")})`));
if (ladder.some((n) => !Number.isInteger(n) || n < 1)) fail("--ladder takes whole numbers of players, like 1,3,10");

function fail(why: string): never {
  console.error(why);
  process.exit(2);
}

// ---------------------------------------------------------------- one rung

/** Every figure of one rung. Missing measurements are null (a rung where nobody moved has no p50). */
export interface Rung extends Pick<RunnerReport, "joined" | "failedToJoin" | "errors" | "reasons" | "timeouts" | "blocked"> {
  readonly step: string;
  readonly players: number;
  readonly seconds: number;
  readonly moves: number;
  readonly latencyMs: { readonly p50: number | null; readonly p90: number | null; readonly p99: number | null; readonly max: number | null };
  readonly statesPerBotPerSecond: number;
  readonly traffic: { readonly messagesInPerSecond: number; readonly messagesOutPerSecond: number; readonly bytesInPerSecond: number; readonly bytesOutPerSecond: number };
  readonly server: { readonly cpuPercent: number; readonly rssMB: number };
  readonly bots: { readonly processes: number; readonly cpuPercent: number; readonly rssMB: number };
  /** Ticking steps only. */
  readonly tick: { readonly ticksPerSecond: number; readonly late: number; readonly lateFraction: number; readonly skipped: number; readonly workAvgMs: number; readonly workMaxMs: number } | null;
  /** Game steps only: the phase when the window ended, and the part of each tick spent on who sees
   *  what (the server's `sight-ms`: its last second of the round, average and worst). */
  readonly game: { readonly phase: string; readonly sightAvgMs: number; readonly sightMaxMs: number } | null;
  /** Why this rung ends the step's ladder, or null. */
  readonly brokeDown: string | null;
}

/** The server's `stats` line, whichever server it is, as numbers. */
interface ServerStats {
  readonly players: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
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

async function askStats(server: Child): Promise<ServerStats> {
  server.skipBuffered();
  server.type("stats");
  const m = await server.next(STATS_LINE, 5000);
  if (m === null) throw new Error(`the server did not answer stats${server.exited ? " (it exited)" : ""}: ${server.stderr.slice(-300)}`);
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
    ...(kv.has("ticks") ? { ticks: n("ticks"), late: n("late"), skipped: n("skipped"), workAvgMs: work?.[0] ?? NaN, workMaxMs: work?.[1] ?? NaN } : {}),
    ...(sight ? { sightAvgMs: sight[0] ?? NaN, sightMaxMs: sight[1] ?? NaN } : {}),
    ...(kv.has("phase") ? { phase: kv.get("phase")! } : {}),
  };
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;
const orNull = (v: number): number | null => (Number.isFinite(v) ? round(v) : null);

async function runRung(step: StepEntry, port: number, server: Child, players: number, rungIndex: number, progress: (s: string) => void): Promise<Rung> {
  const processes = Math.min(players, Math.max(1, flags.runners));
  const joinSeconds = 10 + players / 50; // joining 1000 over UDP takes a few seconds on 2 cores
  const countOf = (r: number) => Math.floor(players / processes) + (r < players % processes ? 1 : 0);
  let first = 0; // the rung-wide number of each runner's first bot: a game's teams alternate with it
  const runners = Array.from({ length: processes }, (_, r) => {
    const count = countOf(r);
    first += count;
    return new Child(`runner ${r}`, [
      ...(flags.nice > 0 ? ["nice", "-n", String(flags.nice)] : []),
      "bun", join(import.meta.dir, "bot-runner.ts"),
      "--step", step.dir, "--port", String(port), "--count", String(count),
      "--prefix", `R${rungIndex}p${r}b`, "--first", String(first - count), "--spread-ms", String(Math.min(2000, players * 2)),
      "--join-seconds", String(joinSeconds), "--max-seconds", String(joinSeconds + seconds + 60),
    ]);
  });
  try {
    progress(`joining ${players} bots in ${processes} processes`);
    await Promise.all(runners.map((r) => r.next(/^ready /, (joinSeconds + 10) * 1000)));
    if (step.game) await roundStarted(server, joinSeconds, progress);

    const before = await askStats(server);
    const cpu0 = await Promise.all([server.pid, ...runners.map((r) => r.pid)].map(cpuSeconds));
    const t0 = performance.now();
    for (const r of runners) r.type("go");
    let serverRss = 0;
    let botsRss = 0;
    for (let s = 0; s < seconds * 4; s++) {
      await Bun.sleep(250);
      serverRss = Math.max(serverRss, await rssBytes(server.pid));
      botsRss = Math.max(botsRss, (await Promise.all(runners.map((r) => rssBytes(r.pid)))).reduce((a, b) => a + b, 0));
      if (s % 4 === 3) progress(`measuring ${players} bots: ${(s + 1) / 4}/${seconds} s`);
    }
    const after = await askStats(server);
    const cpu1 = await Promise.all([server.pid, ...runners.map((r) => r.pid)].map(cpuSeconds));
    const elapsed = (performance.now() - t0) / 1000;
    for (const r of runners) r.type("end");
    progress(`collecting ${players} bots' reports`);
    const replies = await Promise.all(runners.map((r) => r.next(/^REPORT (.*)$/, 15_000)));
    const reports: RunnerReport[] = replies.map((m, i) =>
      m === null
        ? { bots: 0, joined: 0, failedToJoin: 0, errors: 0, reasons: { [`runner ${i} sent no report: ${runners[i]!.stderr.slice(-200)}`]: 1 }, timeouts: 0, blocked: 0, states: 0, latencies: [] }
        : (JSON.parse(m[1]!) as RunnerReport),
    );

    const sum = (pick: (r: RunnerReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
    const latencies = reports.flatMap((r) => r.latencies);
    const joined = sum((r) => r.joined);
    const reasons: Record<string, number> = {};
    for (const r of reports) for (const [why, n] of Object.entries(r.reasons)) reasons[why] = (reasons[why] ?? 0) + n;
    const cpuPercent = (i: number) => (100 * (cpu1[i]! - cpu0[i]!)) / elapsed;
    const perSecond = (pick: (s: ServerStats) => number) => round((pick(after) - pick(before)) / elapsed, 1);
    const ticks = after.ticks !== undefined && before.ticks !== undefined ? after.ticks - before.ticks : undefined;
    const late = (after.late ?? 0) - (before.late ?? 0);
    const rung: Omit<Rung, "brokeDown"> = {
      step: step.id,
      players,
      seconds: round(elapsed),
      joined,
      failedToJoin: players - joined,
      errors: sum((r) => r.errors),
      reasons,
      timeouts: sum((r) => r.timeouts),
      blocked: sum((r) => r.blocked ?? 0),
      moves: latencies.length,
      latencyMs: { p50: orNull(percentile(latencies, 50)), p90: orNull(percentile(latencies, 90)), p99: orNull(percentile(latencies, 99)), max: orNull(Math.max(...latencies)) },
      statesPerBotPerSecond: joined === 0 ? 0 : round(sum((r) => r.states) / joined / elapsed, 1),
      traffic: {
        messagesInPerSecond: perSecond((s) => s.messagesIn),
        messagesOutPerSecond: perSecond((s) => s.messagesOut),
        bytesInPerSecond: perSecond((s) => s.bytesIn),
        bytesOutPerSecond: perSecond((s) => s.bytesOut),
      },
      server: { cpuPercent: round(cpuPercent(0), 1), rssMB: round(serverRss / 2 ** 20, 1) },
      bots: { processes, cpuPercent: round(runners.reduce((n, _, i) => n + cpuPercent(i + 1), 0), 1), rssMB: round(botsRss / 2 ** 20, 1) },
      tick:
        ticks === undefined
          ? null
          : {
              ticksPerSecond: round(ticks / elapsed, 1),
              late,
              lateFraction: round(ticks === 0 ? 1 : late / ticks, 4),
              skipped: (after.skipped ?? 0) - (before.skipped ?? 0),
              workAvgMs: after.workAvgMs ?? NaN,
              workMaxMs: after.workMaxMs ?? NaN,
            },
      game: step.game ? { phase: after.phase ?? "?", sightAvgMs: after.sightAvgMs ?? NaN, sightMaxMs: after.sightMaxMs ?? NaN } : null,
    };
    return { ...rung, brokeDown: breakdown(rung) };
  } finally {
    await Promise.all(runners.map((r) => r.stop(5000)));
  }
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

/** Clearly broken: players feel more than the limit, or more than a tenth of them cannot play. A
 *  game predicts the player's own square (felt latency stays low whatever the load), so there the
 *  server keeping fewer than half its ticks on time is a breakdown too. */
function breakdown(r: Omit<Rung, "brokeDown">): string | null {
  if (r.failedToJoin + r.errors > r.players / 10) return `${r.failedToJoin} bots failed to join, ${r.errors} dropped out`;
  if (r.moves === 0) return "no bot saw its move";
  if (r.timeouts > r.moves / 10) return `${r.timeouts} presses never showed (vs ${r.moves} that did)`;
  if ((r.latencyMs.p99 ?? Infinity) > flags["p99-limit"]) return `p99 ${r.latencyMs.p99} ms > ${flags["p99-limit"]} ms`;
  if (r.game !== null && r.tick !== null && r.tick.lateFraction > 0.5) return `${(100 * r.tick.lateFraction).toFixed(0)}% of the ticks late`;
  return null;
}

// ---------------------------------------------------------------- one step

/** The servers' limits are set for people playing, not for a thousand bots on one address: each
 *  cap below that the server's --help lists is raised out of the way. */
async function raisedCaps(script: string): Promise<string[]> {
  const most = String(Math.max(...ladder) + 100);
  const caps: Record<string, string> = { "--max-players": most, "--max-connections": most, "--max-per-address": most, "--rate-limit": "0" };
  const help = Bun.spawnSync(["bun", script, "--help"]).stdout.toString();
  return Object.entries(caps).flatMap(([name, value]) => (help.includes(`${name} `) ? [name, value] : []));
}

async function runStep(step: StepEntry, rungs: Rung[], progress: (s: string) => void): Promise<void> {
  const script = join(step.dir, "server.ts");
  const args = ["--port", "0", ...(await raisedCaps(script))];
  // A round that outlasts the rung, after a short countdown (its results, between rungs, as short).
  if (step.game) args.push("--game-seconds", String(seconds + 60), "--transition-seconds", "2");
  const server = new Child(`server ${step.id}`, ["bun", script, ...args]);
  try {
    const listening = await server.next(/listening on [\d.]+:(\d+)/, 10_000);
    if (listening === null) throw new Error(`step ${step.id}'s server did not start: ${server.stderr.slice(-300)}`);
    const port = Number(listening[1]);
    for (const [i, players] of ladder.entries()) {
      if (step.game && players < 2) {
        progress(`step ${step.id}: ${players} player: skipped (a round needs a seeker and a hider)`);
        continue;
      }
      let rung: Rung;
      try {
        rung = await runRung(step, port, server, players, i, (s) => progress(`step ${step.id}: ${s}`));
      } catch (e) {
        // An overloaded server that cannot even answer its console has broken down too.
        brokenRungs.push(`step ${step.id} at ${players} players: ${(e as Error).message}`);
        break;
      }
      rungs.push(rung);
      progress(`step ${step.id}: ${players} players: p50 ${rung.latencyMs.p50} ms, p99 ${rung.latencyMs.p99} ms${rung.brokeDown ? `, broke down (${rung.brokeDown})` : ""}`);
      if (rung.brokeDown !== null) break;
      // Let the last rung's bots leave (bounded) so the next rung starts on an empty server; a game's
      // round must be over too (its results last --transition-seconds), as players join only in the lobby.
      const emptied = (s: ServerStats) => s.players === 0 && (s.phase === undefined || s.phase === "lobby");
      for (let wait = 0; wait < (step.game ? 100 : 40) && !emptied(await askStats(server)); wait++) await Bun.sleep(100);
    }
  } finally {
    server.type("stop");
    await server.stop(3000);
  }
}

// ---------------------------------------------------------------- output

const kb = (bytes: number): string => (bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0);
const fixed = (v: number | null, digits = 1): string => (v === null ? "-" : v.toFixed(digits));

function table(rungs: readonly Rung[]): string {
  const head = ["step", "players", "joined", "fail", "err", "t/o", "blocked", "moves", "p50 ms", "p99 ms", "msg/s in", "msg/s out", "KB/s in", "KB/s out", "srv CPU%", "srv MB", "bots CPU%", "tick Hz", "late %", "sight ms"];
  const rows = rungs.map((r) => [
    r.step, String(r.players), String(r.joined), String(r.failedToJoin), String(r.errors), String(r.timeouts), String(r.blocked), String(r.moves),
    fixed(r.latencyMs.p50, 2), fixed(r.latencyMs.p99, 2),
    r.traffic.messagesInPerSecond.toFixed(0), r.traffic.messagesOutPerSecond.toFixed(0),
    kb(r.traffic.bytesInPerSecond), kb(r.traffic.bytesOutPerSecond),
    r.server.cpuPercent.toFixed(0), r.server.rssMB.toFixed(0), r.bots.cpuPercent.toFixed(0),
    r.tick ? r.tick.ticksPerSecond.toFixed(1) : "-", r.tick ? (100 * r.tick.lateFraction).toFixed(1) : "-",
    r.game ? fixed(orNull(r.game.sightAvgMs)) : "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 1) + ":").join("|")}|`, ...rows.map(line)].join("\n");
}

function codecTable(codec: readonly CodecFigures[]): string {
  const rows = codec.map((c) => `| ${c.players} | ${c.bytesUtf8} | ${c.bytesUtf16} | ${Math.round(c.formatPerSecond).toLocaleString("en")} | ${Math.round(c.parsePerSecond).toLocaleString("en")} |`);
  return ["| players in STATE | bytes utf-8 | bytes utf-16 | formatted /s | parsed /s |", "|---:|---:|---:|---:|---:|", ...rows].join("\n");
}

function machine(): { cores: number; cpu: string; bun: string; date: string } {
  let cpu = "unknown";
  try {
    cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? cpu;
  } catch {
    // not Linux: the model stays unknown
  }
  return { cores: cpus().length, cpu, bun: Bun.version, date: new Date().toISOString() };
}

// ---------------------------------------------------------------- main

const isTty = process.stdout.isTTY;
const progress = (line: string) => {
  if (isTty) process.stdout.write(`\r\x1b[2K${line}`);
  else console.log(line);
};

const startedAt = performance.now();
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
const settings = { ladder, seconds, steps: steps.map((s) => s.id), runners: flags.runners, quick, p99LimitMs: flags["p99-limit"] };
const results = { machine: about, settings, durationSeconds: round((performance.now() - startedAt) / 1000, 1), rungs, brokenRungs, codec, failures };
const chartTitle = `Input-to-state latency against players (${about.cores} cores, loopback, ${seconds} s per rung)`;
const svg = latencyChart(
  steps.map((s) => ({
    label: `step ${s.id}`,
    points: rungs.filter((r) => r.step === s.id && r.latencyMs.p50 !== null && r.latencyMs.p99 !== null).map((r) => [r.players, r.latencyMs.p50!, r.latencyMs.p99!] as const),
  })),
  chartTitle,
);
const markdown = [
  "# Benchmark results",
  "",
  `Machine: ${about.cores} cores (\`nproc\`), ${about.cpu}, Bun ${about.bun}, ${about.date.slice(0, 10)}. Loopback only.`,
  `Settings: ladder ${ladder.join(", ")}; ${seconds} s measured per rung; bots in up to ${flags.runners} processes. Run took ${results.durationSeconds} s.`,
  "",
  "![latency against players](latency.svg)",
  "",
  "Latency is input-to-state: from a bot pressing a key to the first state that shows its square moving that way.",
  "For 06 it is the felt latency of the own square: from the press to the first view drawn that shows it moving, which prediction draws at once.",
  "For 07 too (its client predicts as 06's), measured by the step's own game bots during a round: half seekers chasing, half hiders fleeing, timed only",
  "for presses that could move (a direction free in the bot's view; a press dropped first, say by a catch or the round's end, counts nowhere). It stays",
  "within a tick and a frame whatever the load, so for 07 the server's side says more: `tick Hz`, `late %`, and `sight ms`, the part of each tick spent",
  "on who sees what (the server's average over the last second of the window). A rung of 1 player is skipped for 07: a round needs both teams.",
  "`fail`: bots that never joined; `err`: bots dropped during the rung; `t/o`: presses never seen within 5 s; `blocked`: presses left out of the latency because another square stepped into the way before the move showed (the crowd's wait, not the network's).",
  "msg/s and KB/s are the server's, `in` = from clients. CPU% is of one core (the machine has " + about.cores + ").",
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

mkdirSync(flags.out, { recursive: true });
writeFileSync(join(flags.out, "results.json"), JSON.stringify(results, null, 2) + "\n");
writeFileSync(join(flags.out, "latency.svg"), svg);
writeFileSync(join(flags.out, "results.md"), markdown);
console.log(table(rungs));
console.log();
console.log(codecTable(codec));
console.log(`\nwrote ${join(flags.out, "results.json")}, latency.svg, results.md (${results.durationSeconds} s)`);
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
