// The rooms rung of the bench: many light players through the matchmakers into many rooms on three
// loopback "machines", then rooms killed with SIGKILL. It measures what a fleet promises:
//   match    from asking a matchmaker to its answer (p50 / p99), target under 50 ms p99
//   overfill rooms that ever held more players than their capacity, target 0
//   rejoin   from a room's SIGKILL to its players' CONNECTED elsewhere (p50 / p99), target under 3 s
//   lost     players of killed rooms not playing again at the end, target 0
//   Redis    commands per second over the run (INFO's total_commands_processed)
// Everything runs on this machine: the figures say how the pieces behave, not how a datacentre would.
// The rooms are the step's real manors (server.ts), the players light ones (player.ts: step 10's
// handshake with the token, then PINGs; they read no tick). Every player here sends from 127.0.0.1,
// so the rooms' per-address caps and rate limit, meant for strangers on the internet, are lifted.
// Writes the table to bench/results/rooms.md (`--out`), and with `--json` every figure.
import { cli, flag } from "../../shared/plumbing/cli.ts";
import { forwardLines } from "./agent.ts";
import { LightPlayer } from "./player.ts";
import { RedisLink } from "./redis-link.ts";
import { startRedis } from "./redis-server.ts";
import { listRooms, type RoomRecord } from "./store.ts";
import { newSecret } from "./token.ts";

const flags = cli({
  usage: "bun steps/11-rooms-across-machines/bench-rooms.ts [--players 1000] [--capacity 50] [--kill 2] [--json PATH]",
  summary: "The rooms rung: light players through two matchmakers into rooms on three loopback machines; rooms killed; figures.",
  flags: {
    players: flag("number", 1000, "light players, all in this process"),
    capacity: flag("number", 50, "players per room"),
    agents: flag("number", 3, "agents, on 127.0.0.1, 127.0.0.2, ..."),
    kill: flag("number", 2, "rooms killed with SIGKILL once everyone plays"),
    "ramp-ms": flag("number", 10_000, "players arrive spread over this long"),
    json: flag("string", "", "also write the figures to this JSON file"),
    out: flag("string", `${import.meta.dir}/../../bench/results/rooms.md`, "where the Markdown table goes"),
    tick: flag("number", 30, "the rooms' ticks per second", { min: 1, max: 1000 }),
  },
});

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "n/a");

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await ok())) {
    if (performance.now() > end) throw new Error(`gave up waiting ${timeoutMs} ms for ${what}`);
    await Bun.sleep(100);
  }
}

const redis = await startRedis();
const link = new RedisLink(redis.url);
const env = { ...process.env, ROOM_SECRET: newSecret(), FORCE_COLOR: "0" };
const children: Bun.Subprocess<"ignore", "pipe", "pipe">[] = [];
const errors: string[] = [];
function run(script: string, args: string[], onLine: (line: string) => void = () => {}) {
  const proc = Bun.spawn([process.execPath, `${import.meta.dir}/${script}`, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.push(proc);
  void forwardLines(proc.stdout, "", onLine);
  void forwardLines(proc.stderr, `${script}: `, (line) => errors.push(line));
  return proc;
}

const maxRooms = Math.ceil((flags.players / flags.capacity + flags.kill + 2) / flags.agents) + 2;
for (let i = 1; i <= flags.agents; i++) {
  const room = `${process.execPath} ${import.meta.dir}/server.ts --tick ${flags.tick} --max-per-address 65535 --pending-per-address 65535 --rate-limit 0`;
  run("agent.ts", ["--host", `127.0.0.${i}`, "--id", `m${i}`, "--redis", redis.url, "--warm", "1", "--max", String(maxRooms), "--capacity", String(flags.capacity), "--tick-ms", "100", "--room", room]);
}
const matchmakers = await Promise.all(
  [0, 1].map(
    () =>
      new Promise<string>((resolve) =>
        run("matchmaker.ts", ["--port", "0", "--redis", redis.url], (line) => {
          const m = line.match(/listening on ([\d.]+:\d+)/);
          if (m) resolve(`http://${m[1]}`);
        }),
      ),
  ),
);
await until("a warm room per agent", async () => (await listRooms(link)).length >= flags.agents, 20_000);
const commandsAt = async () => Number(((await link.send("INFO", ["stats"])) as string).match(/total_commands_processed:(\d+)/)?.[1]);
const [commands0, started] = [await commandsAt(), performance.now()];

// The players: one clock for all of them (a timer each would cost more than the players).
const players: LightPlayer[] = [];
const clock = setInterval(() => {
  const now = performance.now();
  for (const p of players) p.tick(now);
}, 50);
for (let i = 0; i < flags.players; i++) {
  players.push(await LightPlayer.create(`P${i}`, { matchmaker: matchmakers[i % matchmakers.length]!, pingMs: 500, lostAfterMs: 1000 }));
  await Bun.sleep(flags["ramp-ms"] / flags.players);
}
await until("every player playing", () => players.every((p) => p.status === "playing"), 60_000);
const joined = performance.now();

// Overfill, seen two ways: what the rooms report to Redis, and where the players say they are.
const overfilled = new Set<string>();
const checkOverfill = async () => {
  for (const r of await listRooms(link)) if (r.players > r.capacity) overfilled.add(r.id);
  for (const [room, inside] of Map.groupBy(players.filter((p) => p.room !== undefined), (p) => p.room!)) {
    if (inside.length > flags.capacity) overfilled.add(room);
  }
};
await checkOverfill();
const roomsFilled = new Set(players.map((p) => p.room)).size;

// Kill the fullest rooms; their players must find seats elsewhere.
const rooms: RoomRecord[] = (await listRooms(link)).sort((a, b) => b.players - a.players).slice(0, flags.kill);
const victims = players.filter((p) => rooms.some((r) => r.id === p.room));
const killedAt = performance.now();
for (const r of rooms) process.kill(r.pid, "SIGKILL");
const doomed = new Set(rooms.map((r) => r.id));
await until("the killed rooms' players back", () => victims.every((p) => p.status === "playing" && !doomed.has(p.room!)), 20_000).catch(() => {});
const rejoins = victims.flatMap((p) => (p.status === "playing" && !doomed.has(p.room!) ? [p.joins.at(-1)!.at - killedAt] : []));
await checkOverfill();
const commands = (await commandsAt()) - commands0;
const seconds = (performance.now() - started) / 1000;

const first = players.map((p) => p.joins[0]!);
const figures = {
  players: flags.players,
  agents: flags.agents,
  matchmakers: matchmakers.length,
  capacity: flags.capacity,
  roomsFilled,
  roomsAtEnd: (await listRooms(link)).length,
  matchMs: { p50: quantile(first.map((j) => j.matchMs), 0.5), p99: quantile(first.map((j) => j.matchMs), 0.99) },
  joinMs: { p50: quantile(first.map((j) => j.joinMs), 0.5), p99: quantile(first.map((j) => j.joinMs), 0.99) },
  joinedAllSeconds: (joined - started) / 1000,
  overfilledRooms: overfilled.size,
  roomsKilled: rooms.length,
  playersOfKilledRooms: victims.length,
  rejoinMs: { p50: quantile(rejoins, 0.5), p99: quantile(rejoins, 0.99) },
  playersLost: victims.length - rejoins.length,
  redisCommandsPerSecond: Math.round(commands / seconds),
};

clearInterval(clock);
for (const p of players) p.stop();
for (const c of children) c.kill("SIGTERM");
await Promise.race([Promise.all(children.map((c) => c.exited)), Bun.sleep(5000)]);
for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
link.close();
await redis.stop();

const table = `| players | rooms filled | match p50 / p99 | join p50 / p99 | overfilled rooms | rooms killed (players) | rejoin p50 / p99 | players lost | Redis commands/s |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| ${figures.players} | ${figures.roomsFilled} on ${figures.agents} agents | ${ms(figures.matchMs.p50)} / ${ms(figures.matchMs.p99)} | ${ms(figures.joinMs.p50)} / ${ms(figures.joinMs.p99)} | ${figures.overfilledRooms} | ${figures.roomsKilled} (${figures.playersOfKilledRooms}) | ${ms(figures.rejoinMs.p50)} / ${ms(figures.rejoinMs.p99)} | ${figures.playersLost} | ${figures.redisCommandsPerSecond} |`;
console.log(table);
await Bun.write(flags.out, `# The rooms rung (step 11)\n\n${flags.players} light players through ${matchmakers.length} matchmakers into manors of ${flags.capacity} (ticking at ${flags.tick} Hz) on ${flags.agents} loopback agents; ${flags.kill} rooms then killed with SIGKILL. \`bun steps/11-rooms-across-machines/bench-rooms.ts\`, ${new Date().toISOString().slice(0, 10)}.\n\n${table}\n`);
if (errors.length > 0) console.log(`\n${errors.length} lines on the children's stderr, the first: ${errors.slice(0, 5).join(" / ")}`);
if (flags.json !== "") await Bun.write(flags.json, `${JSON.stringify(figures, null, 2)}\n`);
process.exit(0);
