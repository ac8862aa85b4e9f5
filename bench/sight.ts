// What per-player sight costs step 07's server: bun bench/sight.ts [--players 10,25,50,100]
// 1. In one process, the work of one tick's sight as the server does it (shared/game/view.ts): for
//    every player, the squares it sees (canSee against each other square) and its SHADES, formatted;
//    once with everybody moving (no shadow is cached) and once with the hiders keeping still.
// 2. The real server (steps/07-haunted-chronicles/server.ts) with N raw clients in a game, moving at
//    random: its `stats` line (tick-ms: the whole tick; sight-ms: who-sees-what and SHADES).
import { cli, flag } from "../shared/plumbing/cli.ts";
import { act, join, newGame, step, type Game } from "../steps/07-haunted-chronicles/rules.ts";
import { shadesOf, visibleTo } from "../steps/07-haunted-chronicles/view.ts";
import { MANOR } from "../steps/07-haunted-chronicles/grid-map.ts";
import { mulberry32 } from "../shared/plumbing/prng.ts";
import { formatPlayer, type Move } from "../shared/wire/protocol.ts";
import { formatShades } from "../steps/07-haunted-chronicles/shades.ts";
import { ServerLink } from "../steps/07-haunted-chronicles/server-link.ts";

const flags = cli({
  usage: "bun bench/sight.ts [--players 10,25,50,100] [--seconds S] [--no-server]",
  summary: "The cost of per-player sight in step 07: in process, and on the real server.",
  flags: {
    players: flag("string", "10,25,50,100", "player counts to measure"),
    seconds: flag("number", 3, "seconds the real server is measured at each count"),
    "no-server": flag("boolean", false, "only the in-process measurement"),
  },
});
const counts = flags.players.split(",").map(Number);
const DIRS: readonly Move[] = ["L", "R", "U", "D"];

/** A game on the manor with n players (one seeker in four), already running. */
function gameWith(n: number): Game {
  const random = mulberry32(n);
  let game = newGame(MANOR, { tickHz: 30, gameSeconds: 3600, transitionSeconds: 0.1, maxPlayers: 1000 });
  for (let i = 0; i < n; i++) {
    const joined = join(game, `P${i}`, random);
    if (!joined.ok) throw new Error(joined.code);
    game = act(act(joined.game, `P${i}`, i % 4 === 0 ? "RED" : "BLUE"), `P${i}`, "READY");
  }
  for (let i = 0; i < 5; i++) game = step(game, new Map(), random);
  return game;
}

/** One tick of sight as the server computes it; `cache` holds SHADES by standing place. */
function sightTick(game: Game, cache: Map<string, string>): number {
  const written = new Map(game.world.players.map((p) => [p, formatPlayer(p)]));
  let bytes = 0;
  for (const p of game.world.players) {
    const seen = visibleTo(game, p.name).map((q) => written.get(q));
    const key = `${p.x},${p.y}`;
    let shades = cache.get(key);
    if (shades === undefined) cache.set(key, (shades = formatShades(shadesOf(game, p.name) ?? [])));
    bytes += seen.join(",").length + shades.length;
  }
  return bytes;
}

function inProcess(n: number): { movingMs: number; stillMs: number; seen: number; bytes: number } {
  let game = gameWith(n);
  const random = mulberry32(7);
  const ticks = 60;
  let moving = 0;
  let bytes = 0;
  for (let t = 0; t < ticks; t++) {
    game = step(game, new Map(game.world.players.map((p) => [p.name, DIRS[Math.floor(random() * 4)]!])), random);
    const started = performance.now();
    bytes += sightTick(game, new Map());
    moving += performance.now() - started;
  }
  const cache = new Map<string, string>();
  sightTick(game, cache);
  let still = 0;
  for (let t = 0; t < ticks; t++) {
    const started = performance.now();
    sightTick(game, cache);
    still += performance.now() - started;
  }
  const seen = game.world.players.reduce((sum, p) => sum + visibleTo(game, p.name).length, 0) / n;
  return { movingMs: moving / ticks, stillMs: still / ticks, seen, bytes: bytes / ticks / n };
}

async function onServer(n: number): Promise<Record<string, number>> {
  const server = Bun.spawn(["bun", "steps/07-haunted-chronicles/server.ts", "--port", "0", "--game-seconds", "600", "--transition-seconds", "0.2", "--rate-limit", "0"], {
    stdin: "pipe", stdout: "pipe", stderr: "ignore", env: { ...process.env, NO_COLOR: "1" },
  });
  const reader = server.stdout.getReader();
  let out = "";
  const read = async (pattern: RegExp, ms = 10_000) => {
    const until = performance.now() + ms;
    while (!pattern.test(out) && performance.now() < until) {
      const chunk = await Promise.race([reader.read(), Bun.sleep(200).then(() => undefined)]);
      if (chunk?.value) out += new TextDecoder().decode(chunk.value);
    }
    return out.match(pattern);
  };
  const port = Number((await read(/listening on [\d.]+:(\d+)/))?.[1]);
  const links: ServerLink[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const link = await ServerLink.open("127.0.0.1", port);
      if (typeof (await link.connect(`P${i}`)) === "string") throw new Error(`P${i} could not join`);
      link.send(`INPUT ${i % 4 === 0 ? "RED" : "BLUE"} SEQ 1 END INPUT READY SEQ 2 END`);
      links.push(link);
    }
    await read(/countdown -> game/);
    const random = mulberry32(n);
    let seq = 3;
    const walk = setInterval(() => {
      seq++;
      for (const link of links) link.send(`INPUT ${DIRS[Math.floor(random() * 4)]} SEQ ${seq} END PING 1 END`);
    }, 250);
    await Bun.sleep(flags.seconds * 1000);
    clearInterval(walk);
    const from = out.length;
    server.stdin.write("stats\n");
    server.stdin.flush();
    await read(/stats: .*\n/);
    const line = out.slice(from).match(/stats: (.*)\n/)?.[1] ?? "";
    const stats: Record<string, number> = {};
    for (const [, key, value] of line.matchAll(/([\w-]+)=([\d.]+)/g)) stats[key!] = Number(value);
    for (const [, key, avg, max] of line.matchAll(/([\w-]+)=([\d.]+)\/([\d.]+)/g)) [stats[`${key}-avg`], stats[`${key}-max`]] = [Number(avg), Number(max)];
    return stats;
  } finally {
    for (const link of links) link.close();
    server.kill();
    await server.exited;
  }
}

console.log("players | in process: sight per tick, all moving / hiders still | squares seen per player | bytes per STATE" + (flags["no-server"] ? "" : " | server: tick-ms avg/max, sight-ms avg/max, late ticks"));
inProcess(counts[0] ?? 10); // warm up: the first run pays for compiling the geometry
for (const n of counts) {
  const p = inProcess(n);
  let line = `${String(n).padStart(7)} | ${p.movingMs.toFixed(2)} ms / ${p.stillMs.toFixed(2)} ms | ${p.seen.toFixed(1)} | ${Math.round(p.bytes)}`;
  if (!flags["no-server"]) {
    const s = await onServer(n);
    line += ` | ${s["tick-ms-avg"]?.toFixed(2)}/${s["tick-ms-max"]?.toFixed(2)} ms, ${s["sight-ms-avg"]?.toFixed(2)}/${s["sight-ms-max"]?.toFixed(2)} ms, ${s.late}/${s.ticks}`;
  }
  console.log(line);
}
