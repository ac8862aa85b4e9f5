// Lag compensation, measured: bun bench/lag-comp.ts [--rounds N] [--delay MS] [--jitter MS] [--no-write]
//
// Step 08's real server, the netsim relay (75 ms each way and 10 ms jitter by default, seeded) and
// the step's own game bots: seekers chase hiders for N rounds, with `--no-lag-comp` (catches judged
// on the server's present, as step 07), with compensation (the default cap), and with a cap of
// 200 ms, less than this link needs. Each round starts with everyone placed in the manor's corridor
// (the console's `place`, at seeded random spots), so that the rounds are chases. What each side
// saw is read from the views the bots are shown, the frames a player would see:
// - the seeker's screen: every touch of its square on a hider not yet caught (a run of touching
//   frames; 100 ms apart start a new one), and whether the hider showed caught within WINDOW_MS;
// - the hider's screen: on the frame it learns it is caught, how far the nearest seeker still is;
// - the server's log: each catch, how far back it was judged, and how far apart the two squares
//   stood at the present: where the hider's own screen showed it (its prediction), a hider caught
//   while clear.
// Writes bench/results/lag-comp.md (`--no-write`: only prints). The tests never run this.
import type { Subprocess } from "bun";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, flag, whole } from "../shared/plumbing/cli.ts";
import { deriveSeed, mulberry32 } from "../shared/plumbing/prng.ts";
import { startUdpRelay } from "../tools/netsim/udp-relay.ts";
import { play } from "../steps/08-lag-compensation/client.ts";
import { gameBotSession, type GameView } from "../steps/08-lag-compensation/game-bot.ts";
import { teamOfColor, touches } from "../steps/08-lag-compensation/rules.ts";
import { apart, MAX_REWIND_MS } from "../steps/08-lag-compensation/rewind.ts";
import type { Player } from "../steps/08-lag-compensation/messages.ts";

const flags = cli({
  usage: "bun bench/lag-comp.ts [--rounds N] [--seekers N] [--hiders N] [--delay MS] [--jitter MS] [--game-seconds S] [--seed N] [--no-write]",
  summary: "Seekers chase hiders through the netsim, with and without lag compensation: what each screen showed.",
  flags: {
    rounds: flag("number", 12, "rounds played in each configuration", whole(1, 1000)),
    seekers: flag("number", 2, "seeker bots", whole(1, 8)),
    hiders: flag("number", 4, "hider bots", whole(1, 8)),
    delay: flag("number", 75, "one-way delay of the relay, ms, each direction", { min: 0, max: 5000 }),
    jitter: flag("number", 10, "extra random delay, 0 to this, ms, each direction", { min: 0, max: 5000 }),
    "game-seconds": flag("number", 10, "length of a round", { min: 1, max: 3600 }),
    seed: flag("number", 1, "seed of the relay, the server's spawns and the bots' choices", whole(1, 2 ** 32 - 1)),
    "no-write": flag("boolean", false, "print the figures, do not write bench/results/lag-comp.md"),
  },
});

/** A catch judged on the touch a seeker saw comes back to its screen after a round trip, up to a
 *  tick of the client's input clock and one of the server's, and the interpolation delay:
 *  at 75 + 10 ms each way, 170 + 67 + 100 ≈ 340 ms at worst; this, with a margin. A touch not
 *  followed by the catch on screen within it was not caught by that touch. */
const WINDOW_MS = 400;
/** Touching frames less than this apart are one touch (the drawn squares flicker at the edge). */
const SAME_TOUCH_MS = 100;
const SERVER = "steps/08-lag-compensation/server.ts";
const TRANSITION_SECONDS = 1;

interface Touch {
  readonly seeker: string;
  readonly hider: string;
  readonly at: number;
  /** The hider was moving on the seeker's screen when touched (it had moved in the last 100 ms). */
  readonly moving: boolean;
  last: number;
  /** When the seeker's screen first showed the hider caught, after the touch. */
  caughtAt?: number;
}

interface ServerCatch {
  readonly hider: string;
  readonly seeker: string;
  readonly backTicks: number;
  readonly viewLag?: number;
  readonly apartPx: number;
}

interface Run {
  readonly label: string;
  readonly touches: Touch[];
  /** On the hider's screen, the frame it learnt it was caught: the nearest seeker's distance, px. */
  readonly hiderSaw: number[];
  readonly catches: ServerCatch[];
  readonly rounds: number;
  readonly seconds: number;
}

const me = (view: GameView): Player | undefined => view.players.find((p) => p.name === view.me);
const statusOf = (p: Player) => teamOfColor(p.color);

/** What a seeker's screen shows: its touches on hiders not yet caught, and when each shows caught. */
function seekerEyes(name: string, touches_: Touch[]) {
  const open = new Map<string, Touch>();
  const drawn = new Map<string, { x: number; y: number; movedAt: number }>();
  return (view: GameView) => {
    const now = performance.now();
    if (view.phase?.type === "LOBBY") return open.clear(); // everyone uncaught again: a new round
    const mine = me(view);
    if (mine === undefined) return;
    for (const p of view.players) {
      const status = statusOf(p);
      if (p === mine || status?.team !== "HIDERS") continue;
      const before = drawn.get(p.name);
      const movedAt = before === undefined || before.x !== p.x || before.y !== p.y ? now : before.movedAt;
      drawn.set(p.name, { x: p.x, y: p.y, movedAt });
      if (status.caught) {
        for (const t of touches_) if (t.seeker === name && t.hider === p.name && t.caughtAt === undefined) t.caughtAt = now;
        continue;
      }
      if (view.phase?.type !== "GAME" || statusOf(mine)?.caught || !touches(mine, p)) continue;
      const run = open.get(p.name);
      if (run !== undefined && now - run.last < SAME_TOUCH_MS) run.last = now;
      else {
        const touch: Touch = { seeker: name, hider: p.name, at: now, last: now, moving: now - movedAt < SAME_TOUCH_MS };
        touches_.push(touch);
        open.set(p.name, touch);
      }
    }
  };
}

/** What a hider's screen shows on the frame it learns it is caught: how far the nearest seeker is. */
function hiderEyes(saw: number[]) {
  let caught = false;
  return (view: GameView) => {
    const mine = me(view);
    if (mine === undefined) return;
    const isCaught = statusOf(mine)?.caught === true;
    if (isCaught && !caught) {
      const seekers = view.players.filter((p) => statusOf(p)?.team === "SEEKERS");
      saw.push(Math.min(...seekers.map((s) => apart(mine, s))));
    }
    caught = isCaught;
  };
}

/** Step 08's server on an OS-chosen port; every stdout line goes to `onLine`. */
async function startServer(args: string[], onLine: (line: string) => void): Promise<{ proc: Subprocess<"pipe", "pipe", "inherit">; port: number }> {
  const proc = Bun.spawn(["bun", SERVER, "--port", "0", ...args], { stdin: "pipe", stdout: "pipe", stderr: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  const { promise: port, resolve } = Promise.withResolvers<number>();
  void (async () => {
    let rest = "";
    for await (const chunk of proc.stdout) {
      const lines = (rest + new TextDecoder().decode(chunk)).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const m = /listening on [\d.]+:(\d+)/.exec(line);
        if (m) resolve(Number(m[1]));
        onLine(line);
      }
    }
  })();
  const heard = await Promise.race([port, Bun.sleep(15_000).then(() => undefined)]);
  if (heard === undefined) throw new Error("the step 08 server did not say where it listens");
  return { proc, port: heard };
}

const CATCH_LINE = /(\S+) caught by (\S+): judged (?:on the present|(\d+) ticks \(\d+ ms\) back), (?:no VIEW yet|its view (\d+) ticks behind); (\d+) px apart/;

/** The corridor across the manor (y 405 to 567), between its pillars: seekers in the middle band,
 *  hiders 60 to 200 px to either side of one of them. A spot taken is skipped by the server. */
function corridorSpots(names: { name: string; team: "RED" | "BLUE" }[], random: () => number): string[] {
  const x = (from: number, to: number) => Math.round(from + random() * (to - from));
  const seekers = names.filter((n) => n.team === "RED").map(() => x(450, 1250));
  return names.map(({ name, team }, i) => {
    if (team === "RED") return `place ${name} ${seekers[i]} ${x(460, 500)}`;
    const near = seekers[i % seekers.length] ?? 800;
    const side = random() < 0.5 ? -1 : 1;
    return `place ${name} ${Math.max(40, Math.min(1650, near + side * x(60, 200)))} ${x(410, 540)}`;
  });
}

async function measure(label: string, serverArgs: string[]): Promise<Run> {
  const catches: ServerCatch[] = [];
  const random = mulberry32(deriveSeed(flags.seed, 1000));
  const players = [
    ...Array.from({ length: flags.seekers }, (_, i) => ({ name: `Seeker${i + 1}`, team: "RED" as const })),
    ...Array.from({ length: flags.hiders }, (_, i) => ({ name: `Hider${i + 1}`, team: "BLUE" as const })),
  ];
  const server = await startServer(
    ["--game-seconds", String(flags["game-seconds"]), "--transition-seconds", String(TRANSITION_SECONDS), "--seed", String(flags.seed), ...serverArgs],
    (line) => {
      const m = CATCH_LINE.exec(line);
      if (m) catches.push({ hider: m[1]!, seeker: m[2]!, backTicks: Number(m[3] ?? 0), ...(m[4] === undefined ? {} : { viewLag: Number(m[4]) }), apartPx: Number(m[5]) });
      if (/lobby -> countdown/.test(line)) {
        server.proc.stdin.write(`${corridorSpots(players, random).join("\n")}\n`);
        server.proc.stdin.flush();
      }
    },
  );
  const relay = await startUdpRelay({ to: { hostname: "127.0.0.1", port: server.port }, seed: flags.seed, conditions: { delayMs: flags.delay, jitterMs: flags.jitter } });
  const touchList: Touch[] = [];
  const hiderSaw: number[] = [];
  const roundSeconds = flags["game-seconds"] + 2 * TRANSITION_SECONDS + 2;
  const duration = flags.rounds * roundSeconds + 60;
  const bots = players.map(({ name, team }, i) => {
    const session = gameBotSession(name, { duration, team, rounds: flags.rounds, quiet: true, random: mulberry32(deriveSeed(flags.seed, i)) });
    const eyes = team === "RED" ? seekerEyes(name, touchList) : hiderEyes(hiderSaw);
    return { ...session, show: (view: GameView) => (eyes(view), session.show(view)) };
  });
  const started = performance.now();
  const playing = bots.map((bot) => play({ host: "127.0.0.1", port: relay.port, rate: 30 }, bot));
  const played = () => Math.min(...bots.map((b) => b.bot.report.results.length));
  let shown = -1;
  while (played() < flags.rounds && performance.now() - started < duration * 1000) {
    if (played() !== shown) console.log(`  ${label}: ${(shown = played())} of ${flags.rounds} rounds played`);
    await Bun.sleep(500);
  }
  for (const bot of bots) bot.controls.stop();
  await Promise.all(playing);
  relay.close();
  server.proc.kill();
  return { label, touches: touchList, hiderSaw, catches, rounds: played(), seconds: (performance.now() - started) / 1000 };
}

const median = (xs: readonly number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (n: number | undefined, unit = ""): string => (n === undefined ? "-" : `${Math.round(n)}${unit}`);
const share = (part: number, whole: number): string => (whole === 0 ? "0" : `${part} (${Math.round((100 * part) / whole)}%)`);
const tickMs = 1000 / 30;

function seekerRow(r: Run, moving: boolean): string {
  const touches = r.touches.filter((t) => t.moving === moving);
  const missed = touches.filter((t) => t.caughtAt === undefined || t.caughtAt - t.at > WINDOW_MS);
  const never = touches.filter((t) => t.caughtAt === undefined).length;
  const delays = touches.flatMap((t) => (t.caughtAt === undefined ? [] : [t.caughtAt - t.at]));
  return `| ${r.label} | ${moving ? "moving" : "still"} | ${touches.length} | ${share(missed.length, touches.length)} | ${never} | ${fmt(median(delays), " ms")} |`;
}

function hiderRow(r: Run): string {
  const clear = r.catches.filter((c) => c.apartPx > 0);
  const lags = r.catches.flatMap((c) => (c.viewLag === undefined ? [] : [c.viewLag * tickMs]));
  return `| ${r.label} | ${r.catches.length} | ${share(clear.length, r.catches.length)} | ${fmt(median(clear.map((c) => c.apartPx)), " px")} | ${fmt(median(r.catches.map((c) => c.backTicks * tickMs)), " ms")} | ${fmt(median(lags), " ms")}${lags.length === 0 ? "" : ` (${fmt(Math.min(...lags))}-${fmt(Math.max(...lags))})`} | ${fmt(median(r.hiderSaw), " px")} |`;
}

const configs: [string, string[]][] = [
  ["`--no-lag-comp`", ["--no-lag-comp"]],
  [`compensated (default cap, ${MAX_REWIND_MS} ms)`, []],
  ["compensated, `--max-rewind-ms 200`", ["--max-rewind-ms", "200"]],
];
console.log(`lag compensation: ${flags.rounds} rounds each, ${flags.seekers} seekers and ${flags.hiders} hiders, ${flags.delay} ms + 0-${flags.jitter} ms each way`);
const runs: Run[] = [];
for (const [label, args] of configs) runs.push(await measure(label, args));

const report = [
  "# Lag compensation, measured",
  "",
  `\`bun bench/lag-comp.ts\` (${new Date().toISOString().slice(0, 10)}, Bun ${Bun.version}): step 08's server, the netsim relay at ${flags.delay} ms each way`,
  `with 0-${flags.jitter} ms of jitter (seed ${flags.seed}), and the step's game bots, ${flags.seekers} seekers chasing ${flags.hiders} hiders, rounds of ${flags["game-seconds"]} s;`,
  `${flags.rounds} rounds with each server. Run took ${Math.round(runs.reduce((s, r) => s + r.seconds, 0))} s.`,
  "",
  "**The seeker's screen.** A touch: the seeker's square touching a hider not yet caught, on the frames it was shown",
  `(touching frames less than ${SAME_TOUCH_MS} ms apart are one touch). Not caught: the hider did not show caught on that screen`,
  `within ${WINDOW_MS} ms (a catch judged on the touch needs at most ~340 ms to come back: a round trip, two ticks, the interpolation).`,
  "",
  `| server | hider on the seeker's screen | touches | not caught within ${WINDOW_MS} ms | never caught after | touch to catch on screen, median |`,
  "|---|---|--:|--:|--:|--:|",
  ...runs.flatMap((r) => [seekerRow(r, true), seekerRow(r, false)]),
  "",
  "**The hider's side.** Each catch as the server logged it. Apart at the present: the two squares did not touch in the tick",
  "of the catch; the hider stood where its own screen showed it (its prediction), clear of the seeker, and was caught",
  "for where the seeker saw it. The last column is the hider's screen on the frame it learnt it was caught: the nearest",
  "seeker drawn there (the others are drawn in the past, so a hider always sees its seeker late).",
  "",
  "| server | catches | caught while apart at the present | how far apart, median | judged back, median | seeker's view behind the present, median (range) | seeker on the hider's screen when it learnt, median |",
  "|---|--:|--:|--:|--:|--:|--:|",
  ...runs.map(hiderRow),
  "",
].join("\n");
console.log(`\n${report}`);
if (!flags["no-write"]) {
  const out = join(import.meta.dir, "results", "lag-comp.md");
  writeFileSync(out, report);
  console.log(`written: ${out}`);
}
process.exit(0);
