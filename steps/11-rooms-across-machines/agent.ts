// A fleet agent: one per machine, it starts and stops that machine's room servers. Agones does this
// on Kubernetes (a Fleet keeps Ready game servers, the allocator marks one Allocated, the game server
// calls Shutdown); here it is one process and Redis:
//
//   Ready     a room it started registers itself (registry.ts): the matchmaker can now fill it
//   warm      it keeps `warm` rooms empty and ready, so a player never waits for a process to start
//   Allocate  a matchmaker that finds no seat pushes a request (fleet:requests); the first agent with
//             space takes it and starts one more room
//   Shutdown  an extra room empty for `idleMs` is retired (atomically: only if nobody is there and
//             no seat is promised) and stopped with SIGTERM
//   Health    a room that dies is replaced at once, and taken out of the listing without waiting for
//             its record to expire
//
// What it decides is one pure function of what it sees and the time (`plan`); the rest is processes.
import { randomBytes } from "node:crypto";
import type { Subprocess } from "bun";
import { cli, flag, hostFlag } from "../../shared/plumbing/cli.ts";
import { log } from "../../shared/plumbing/log.ts";
import { RedisAway, RedisLink } from "./redis-link.ts";
import { deregister, readRoom, removeAgent, reportAgent, retireIfEmpty, seatsHeld, takeRequest } from "./store.ts";
import { tokensFromEnv } from "./token.ts";

// ---------------------------------------------------------------- what to do (pure)

export interface RoomView {
  readonly id: string;
  /** starting: launched, not listed yet; empty: listed, in the lobby, nobody there and no seat
   *  promised; busy: anything else (players, a promised seat, a round). */
  readonly state: "starting" | "empty" | "busy";
  /** For an empty room: since when (ms). */
  readonly emptySince?: number;
}

export interface FleetPolicy {
  /** Rooms kept empty and ready on this machine. */
  readonly warm: number;
  /** Rooms this machine can hold. */
  readonly max: number;
  /** How long an extra empty room lives before it is stopped. */
  readonly idleMs: number;
}

export interface Plan {
  readonly start: number;
  readonly retire: readonly string[];
}

/** What the agent does now: start rooms to keep `warm` spare ones plus one per request (within
 *  `max`, and not before `startsAllowedAt`: a room that dies before it registers is a failed start,
 *  retried later, not in a loop), or stop the extra empty rooms that idled for `idleMs`. */
export function plan(rooms: readonly RoomView[], policy: FleetPolicy, requested: number, now: number, startsAllowedAt = 0): Plan {
  const spare = rooms.filter((r) => r.state !== "busy").length; // a starting room will be empty soon
  const wanted = Math.max(0, policy.warm - spare) + requested;
  const start = now < startsAllowedAt ? 0 : Math.max(0, Math.min(wanted, policy.max - rooms.length));
  if (start > 0 || requested > 0 || rooms.some((r) => r.state === "starting")) return { start, retire: [] };
  const idle = rooms
    .filter((r) => r.state === "empty" && now - (r.emptySince ?? now) >= policy.idleMs)
    .sort((a, b) => (a.emptySince ?? 0) - (b.emptySince ?? 0));
  const extra = rooms.filter((r) => r.state === "empty").length - policy.warm;
  return { start: 0, retire: idle.slice(0, Math.max(0, extra)).map((r) => r.id) };
}

// ---------------------------------------------------------------- doing it (processes)

export interface AgentOptions extends FleetPolicy {
  readonly id: string;
  /** The address its rooms listen on and register: this machine's address as players reach it. */
  readonly host: string;
  readonly redis: string;
  /** The room program and its own flags; the agent adds --host --port --redis --id --max-players --agent. */
  readonly room: readonly string[];
  readonly capacity: number;
  /** How often it looks at its rooms. */
  readonly tickMs: number;
}

interface Child {
  readonly id: string;
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  /** It printed `listening on`: it started; dying after that is a crash, not a failed start. */
  listening: boolean;
  /** Its record was seen in Redis. */
  listed: boolean;
  stopping: boolean;
  emptySince?: number;
  players: number;
}

export class Agent {
  private readonly children = new Map<string, Child>();
  private readonly control: RedisLink;
  /** BLPOP blocks its connection, so requests are read on a link of their own. */
  private readonly requests: RedisLink;
  private requested = 0;
  private started = 0;
  private failedStarts = 0;
  private startsAllowedAt = 0;
  private running = true;
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking: Promise<void> | undefined;
  private readonly listening: Promise<void>;

  constructor(private readonly options: AgentOptions) {
    this.control = new RedisLink(options.redis, {
      away: (why) => log.error(`agent ${options.id}: ${why}; its rooms play on, it changes nothing until Redis answers`),
      back: () => log.info(`agent ${options.id}: Redis answers again`),
    });
    this.requests = new RedisLink(options.redis);
    this.timer = setInterval(() => void this.tick(), options.tickMs);
    void this.tick();
    this.listening = this.takeRequests();
  }

  /** One look at its rooms, and what the plan says; never two at once. */
  tick(): Promise<void> {
    this.ticking ??= this.look().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** Stops every room the clean way (each deregisters itself), then leaves the listing. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.requests.close();
    await Promise.all([this.ticking, this.listening]);
    await Promise.all([...this.children.values()].map((c) => this.end(c)));
    await removeAgent(this.control, this.options.id).catch(() => {});
    this.control.close();
  }

  private async look(): Promise<void> {
    if (!this.running) return;
    const now = performance.now();
    let views: RoomView[];
    try {
      views = await Promise.all([...this.children.values()].map((c) => this.view(c, now)));
    } catch (e) {
      if (e instanceof RedisAway) return; // blind: change nothing (its link said so once)
      throw e;
    }
    const todo = plan(views, this.options, this.requested, now, this.startsAllowedAt);
    this.requested = Math.max(0, this.requested - todo.start);
    for (let i = 0; i < todo.start; i++) this.launch();
    for (const id of todo.retire) {
      const child = this.children.get(id);
      if (child !== undefined && (await retireIfEmpty(this.control, id).catch(() => false))) {
        log.leave(`agent ${this.options.id}: room ${id} idle, stopping it`);
        void this.end(child);
      }
    }
    const players = [...this.children.values()].reduce((sum, c) => sum + c.players, 0);
    await reportAgent(this.control, { id: this.options.id, host: this.options.host, rooms: this.children.size, players, max: this.options.max }, 3 * this.options.tickMs + 2000).catch(() => {});
  }

  private async view(child: Child, now: number): Promise<RoomView> {
    if (child.stopping) return { id: child.id, state: "busy" };
    const record = await readRoom(this.control, child.id);
    if (record === undefined) return { id: child.id, state: child.listed ? "busy" : "starting" };
    child.listed = true;
    child.players = record.players;
    const empty = record.phase === "lobby" && record.players === 0 && (await seatsHeld(this.control, child.id)) === 0;
    child.emptySince = empty ? (child.emptySince ?? now) : undefined;
    return empty ? { id: child.id, state: "empty", emptySince: child.emptySince } : { id: child.id, state: "busy" };
  }

  private launch(): void {
    const id = `${this.options.id}-${++this.started}`;
    const [program, ...args] = this.options.room;
    const flags = ["--host", this.options.host, "--port", "0", "--redis", this.options.redis, "--id", id, "--max-players", String(this.options.capacity), "--agent", this.options.id];
    // ROOM_SECRET passes in the environment, which this agent's children inherit. Their stdin is a
    // pipe from this agent: if the agent dies, it closes, and its rooms stop rather than run on
    // unmanaged (their players see `lost` and ask the matchmaker again).
    const proc = Bun.spawn([program!, ...args, ...flags], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const child: Child = { id, proc, listening: false, listed: false, stopping: false, players: 0 };
    this.children.set(id, child);
    const output = forwardLines(proc.stdout, `[${id}] `, (line) => {
      if (!child.listening && line.includes("listening on")) {
        child.listening = true;
        this.failedStarts = 0;
      }
      console.log(line);
    });
    void forwardLines(proc.stderr, `[${id}] `, (line) => console.error(line));
    // Its last lines are read before its death is judged: did it ever listen?
    void Promise.all([proc.exited, output]).then(() => this.exited(child));
  }

  private exited(child: Child): void {
    this.children.delete(child.id);
    if (child.stopping || !this.running) return;
    const how = child.proc.signalCode ?? `code ${child.proc.exitCode}`;
    // It cannot deregister itself any more: do it for it, rather than let players be sent there
    // until its record expires.
    void deregister(this.control, child.id).catch(() => {});
    if (child.listening) {
      log.error(`agent ${this.options.id}: room ${child.id} died (${how}): starting a replacement`);
      this.requested++;
      void this.tick();
    } else {
      // Died before it even listened: probably a broken room command. Wait longer each time (the
      // warm rooms, or the matchmakers asking again, make the next try).
      this.failedStarts++;
      const waitMs = Math.min(10_000, 500 * 2 ** this.failedStarts);
      this.startsAllowedAt = performance.now() + waitMs;
      log.error(`agent ${this.options.id}: room ${child.id} exited (${how}) before it listened: next start in ${waitMs} ms`);
    }
  }

  /** SIGTERM, and SIGKILL if it has not exited within 3 s. */
  private async end(child: Child): Promise<void> {
    child.stopping = true;
    child.proc.kill("SIGTERM");
    const done = await Promise.race([child.proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
    if (!done) child.proc.kill("SIGKILL");
    await child.proc.exited;
  }

  /** Takes requests for one more room while this machine has space for one. */
  private async takeRequests(): Promise<void> {
    while (this.running) {
      if (this.children.size + this.requested >= this.options.max) {
        await Bun.sleep(this.options.tickMs);
        continue;
      }
      try {
        if (await takeRequest(this.requests, 1)) {
          this.requested++;
          void this.tick();
        }
      } catch (e) {
        if (!(e instanceof RedisAway)) throw e;
        await Bun.sleep(500); // Redis is away (or this agent is stopping)
      }
    }
  }
}

/** Each line of `stream`, with `prefix`, to `write`. */
export async function forwardLines(stream: ReadableStream<Uint8Array>, prefix: string, write: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) write(prefix + line);
  }
  if (rest !== "") write(prefix + rest);
}

if (import.meta.main) {
  const flags = cli({
    usage: "ROOM_SECRET=<hex> bun steps/11-rooms-across-machines/agent.ts --host 127.0.0.2 [--redis URL] [--warm N] [--max N]",
    summary: "A fleet agent: starts and stops this machine's room servers, keeps some warm, replaces dead ones.",
    flags: {
      host: hostFlag,
      id: flag("string", "", "this agent's id (default: its host and a random tag)"),
      redis: flag("string", "redis://127.0.0.1:6379", "the fleet's Redis"),
      warm: flag("number", 1, "rooms kept empty and ready"),
      max: flag("number", 8, "rooms this machine can hold"),
      capacity: flag("number", 8, "players per room"),
      "idle-ms": flag("number", 30_000, "an extra empty room is stopped after this long"),
      "tick-ms": flag("number", 250, "how often the agent looks at its rooms"),
      room: flag("string", `${process.execPath} ${import.meta.dir}/server.ts`, "the room server's command, split on spaces (the agent adds its flags)"),
    },
  });
  try {
    tokensFromEnv(); // its rooms need the secret: say so here, not once per room that fails
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const id = flags.id || `${flags.host}-${randomBytes(2).toString("hex")}`;
  const agent = new Agent({ ...flags, id, idleMs: flags["idle-ms"], tickMs: flags["tick-ms"], room: flags.room.split(" ").filter(Boolean) });
  log.info(`agent ${id} on ${flags.host}: keeps ${flags.warm} room(s) warm, at most ${flags.max}, ${flags.capacity} players each`);
  const stop = () => void agent.stop().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
