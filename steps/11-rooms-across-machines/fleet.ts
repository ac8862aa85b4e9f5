// `bun run fleet`: the whole of step 11 on one box. A private Redis, one agent per "machine" (the
// loopback addresses 127.0.0.1, 127.0.0.2, 127.0.0.3: Linux answers on all of 127.0.0.0/8, so each
// agent's rooms really listen on their own address), and a matchmaker. Every piece is its own
// process, started exactly as it would be on its own host; only the addresses are close together.
//
//              players ──GET /find──▶ matchmaker(s) ──EVAL──▶ Redis ◀──heartbeats── rooms
//                 │                                            ▲                      ▲
//                 └────────── UDP, game traffic only ──────────┼──────────────────────┘
//                                                    agents ───┘ (start/stop rooms, one per machine)
import { cli, flag } from "../../shared/plumbing/cli.ts";
import { log } from "../../shared/plumbing/log.ts";
import { forwardLines } from "./agent.ts";
import { RedisLink } from "./redis-link.ts";
import { INSTALL_HINT, startRedis, type PrivateRedis } from "./redis-server.ts";
import { listAgents, listRooms } from "./store.ts";
import { newSecret } from "./token.ts";

const flags = cli({
  usage: "bun run fleet [--agents 3] [--port 9911] [--redis URL] [--warm 1] [--max 8] [--capacity 8]",
  summary: "Many rooms on many (loopback) machines: a private Redis, an agent per address, a matchmaker.",
  flags: {
    agents: flag("number", 3, "agents, on 127.0.0.1, 127.0.0.2, ... (1 to 9)"),
    port: flag("number", 9911, "the matchmaker's port (0 lets the OS choose)"),
    redis: flag("string", "", "use this Redis instead of starting a private one (redis://HOST:PORT)"),
    warm: flag("number", 1, "empty rooms each agent keeps ready"),
    max: flag("number", 8, "rooms per agent at most"),
    capacity: flag("number", 8, "players per room"),
    room: flag("string", "", "the room server's command (default: this step's server.ts)"),
    "status-seconds": flag("number", 5, "how often to print the fleet as Redis sees it (0: never)"),
  },
});
if (!Number.isInteger(flags.agents) || flags.agents < 1 || flags.agents > 9) {
  console.error("--agents takes 1 to 9");
  process.exit(2);
}

/** The "machines": loopback addresses this system lets us bind (macOS has only 127.0.0.1 unless told). */
async function machines(count: number): Promise<string[]> {
  const hosts: string[] = [];
  for (let i = 1; i <= count; i++) {
    const host = `127.0.0.${i}`;
    try {
      (await Bun.udpSocket({ hostname: host })).close();
      hosts.push(host);
    } catch {
      log.error(`cannot bind ${host}: that agent runs on 127.0.0.1 instead (on macOS: sudo ifconfig lo0 alias ${host})`);
      hosts.push("127.0.0.1");
    }
  }
  return hosts;
}

let redis: PrivateRedis | undefined;
let url = flags.redis;
if (url === "") {
  try {
    redis = await startRedis();
  } catch (e) {
    console.error((e as Error).message === INSTALL_HINT ? INSTALL_HINT : `could not start redis-server: ${(e as Error).message}`);
    process.exit(1);
  }
  url = redis.url;
  log.info(`private Redis on ${url} (nothing saved to disk)`);
}
// One secret for the whole fleet: matchmakers sign with it, rooms check with it.
const env = { ...process.env, ROOM_SECRET: process.env.ROOM_SECRET ?? newSecret(), FORCE_COLOR: "0" };

type Child = Bun.Subprocess<"ignore", "pipe", "pipe">;
const children: Child[] = [];
/** Starts one piece of the fleet; its lines are printed with `[label]` in front, and also given to `onLine`. */
function run(label: string, script: string, args: string[], onLine: (line: string) => void = () => {}): Child {
  const proc = Bun.spawn([process.execPath, `${import.meta.dir}/${script}`, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.push(proc);
  void forwardLines(proc.stdout, `[${label}] `, (line) => {
    console.log(line);
    onLine(line);
  });
  void forwardLines(proc.stderr, `[${label}] `, (line) => console.error(line));
  return proc;
}

let status: ReturnType<typeof setInterval> | undefined;
let stopping = false;
/** The matchmaker first (no new matches), then the agents (each stops its rooms), then Redis. */
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(status);
  for (const c of [...children].reverse()) c.kill("SIGTERM");
  await Promise.race([Promise.all(children.map((c) => c.exited)), Bun.sleep(5000)]);
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await redis?.stop();
  process.exit(code);
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());

const room = flags.room === "" ? [] : ["--room", flags.room];
for (const host of await machines(flags.agents)) {
  run(`agent ${host}`, "agent.ts", ["--host", host, "--redis", url, "--warm", String(flags.warm), "--max", String(flags.max), "--capacity", String(flags.capacity), ...room]);
}
const listening = Promise.withResolvers<number>();
const matchmaker = run("matchmaker", "matchmaker.ts", ["--port", String(flags.port), "--redis", url], (line) => {
  const m = line.match(/listening on [\d.]+:(\d+)/);
  if (m) listening.resolve(Number(m[1]));
});
void matchmaker.exited.then((code) => listening.reject(new Error(`the matchmaker exited (${code}) before listening`)));
const port = await listening.promise.catch(async (e: Error) => {
  log.error(e.message);
  await stop(1);
  return 0;
});
const base = `http://127.0.0.1:${port}`;
console.log(`
the fleet is up. Players ask the matchmaker first:
  curl '${base}/find?name=Zyno'
  bun ${import.meta.dir}/client.ts --matchmaker ${base}               # play
  bun ${import.meta.dir}/player.ts --matchmaker ${base} --players 20  # light players
Ctrl-C stops everything.
`);

// What Redis knows, every few seconds: the fleet as the matchmakers see it.
const watcher = new RedisLink(url);
if (flags["status-seconds"] > 0) {
  status = setInterval(async () => {
    try {
      const [agents, rooms] = await Promise.all([listAgents(watcher), listRooms(watcher)]);
      const players = rooms.reduce((sum, r) => sum + r.players, 0);
      log.info(`fleet: ${agents.length} agents, ${rooms.length} rooms, ${players} players | ${rooms.map((r) => `${r.id} ${r.players}/${r.capacity}`).join(", ")}`);
    } catch (e) {
      log.error(`fleet: ${(e as Error).message}`);
    }
  }, flags["status-seconds"] * 1000);
}
