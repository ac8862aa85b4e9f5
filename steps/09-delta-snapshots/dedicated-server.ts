// The article's UDP server (step 04 on): a main socket where clients knock with
// `CONNECT`, and one dedicated socket per client, bound on a port from the pool and announced in
// `CONNECTED <port> ...`. What a step does with `INPUT` is the step's own business (its `onInput`);
// everything about sessions lives here: who is where, binding a client to its address, timeouts,
// refusals, the console's view. From step 05 a session streams nothing until its client has proved
// that it hears us, by echoing the number its welcome carried (see `proves`).
import { flag, hostFlag, portFlag, SECONDS, whole, type Parsed } from "../../shared/plumbing/cli.ts";
import { addressOf, log, quote, refusals } from "../../shared/plumbing/log.ts";
import { formatMessage, parseMessage, type ErrorCode, type Message } from "./messages.ts";
import type { Room } from "../../shared/server/room.ts";
import { startConsole, type ConsoleCommand } from "../../shared/server/console.ts";
import { encode, MAX_CLIENT_MESSAGE, MAX_MESSAGES_PER_DATAGRAM, readDatagram, type DatagramContent } from "../../shared/wire/datagram.ts";
import { listenOrExit } from "../../shared/server/listen-or-exit.ts";
import { ignoreUnreachable, parsePortRange, PortPool, type UdpSocket } from "./port-pool.ts";
import { RateLimiter } from "../../shared/server/rate-limit.ts";

/** The flags of both UDP servers. */
export const udpServerFlags = {
  host: hostFlag,
  port: portFlag(9904),
  ports: flag("string", "", "dedicated ports FIRST-LAST (default 11000-11999, or chosen by the OS when --port is 0)"),
  timeout: flag("number", 10, "seconds without a datagram before a client is dropped", SECONDS),
  "max-players": flag("number", 1000, "players at most (each needs a port of its own)", whole(1, 65_535)),
  "rate-limit": flag("number", 1000, "datagrams per second from one IP address before the rest are dropped (0: no limit)", whole(0, 1_000_000)),
  "max-per-address": flag("number", 16, "players from one IP address at the same time; past it a newcomer from there gets ERROR SERVER_FULL", whole(1, 65_535)),
};
export const DEFAULT_PORTS = "11000-11999";

/** A step's own main port and pool of dedicated ports, so every step's server can run beside the others. */
export const ownPorts = (port: number, pool: string) => ({
  port: portFlag(port),
  ports: flag("string", "", `dedicated ports FIRST-LAST (default ${pool}, or chosen by the OS when --port is 0)`),
});

/** The flags with the step's pool filled in, unless --ports names one or --port 0 lets the OS choose. */
export function withPool<F extends { readonly port: number; readonly ports: string }>(flags: F, pool: string): F {
  return flags.ports === "" && flags.port !== 0 ? { ...flags, ports: pool } : flags;
}

export interface Client<T> {
  readonly name: string;
  /** Where the client sends from: its dedicated socket answers this address only. */
  readonly address: string;
  readonly port: number;
  readonly socket: UdpSocket;
  /** The `CONNECTED` reply, kept to answer a repeated `CONNECT` the same way. */
  readonly welcome: Uint8Array;
  /** The random number in the welcome (`PROOF <n>`), and whether the client has echoed it. */
  readonly proof: number;
  proven: boolean;
  lastHeard: number;
  /** What the step keeps per client (its last input number, say). */
  readonly data: T;
}

/** What the sessions need of the game: joining (which may refuse), leaving, and what to welcome
 *  a newcomer with. shared/server/room.ts' Room is one; step 07's game with rules is another. */
export type SessionRoom = Pick<Room, "join" | "leave" | "state" | "players" | "count">;

export interface DedicatedServerOptions<T> {
  readonly host: string;
  readonly port: number;
  readonly pool: PortPool;
  readonly room: SessionRoom;
  readonly timeoutMs: number;
  /** Datagrams per second per IP address (0: no limit). */
  readonly rateLimit?: number;
  /** Players from one IP address at most (joins being bound count too): without it, one address
   *  could take every port of the pool and lock everybody else out. */
  readonly maxPerAddress?: number;
  readonly newData: () => T;
  /** An `INPUT` from a client, already checked to come from its address. */
  readonly onInput: (client: Client<T>, input: Extract<Message, { type: "INPUT" }>) => void;
  readonly onLeave?: (client: Client<T>) => void;
  /** An `ACK <tick>`: the client holds that tick's snapshot (step 09's deltas start from it). */
  readonly onAck?: (client: Client<T>, tick: number) => void;
}

/** Counters for `stats`: what arrived, and what was turned away. */
export interface Traffic {
  datagramsIn: number;
  datagramsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Datagrams on a dedicated port from another address than its client's (spoofed or stray). */
  strangers: number;
  /** Refusals sent (each an `ERROR <code> END`). */
  refused: number;
  /** Sends that failed: the kernel had heard that the client's port is closed. */
  sendErrors: number;
}

const PENDING = "pending"; // a CONNECT whose dedicated socket is being bound

export class DedicatedPortServer<T> {
  /** Connected clients by name, in join order. */
  readonly clients = new Map<string, Client<T>>();
  /** The same clients by address, plus the ones being bound. */
  private readonly byAddress = new Map<string, Client<T> | typeof PENDING>();
  /** How many of those come from each IP address (a client's port does not matter: a new one is free). */
  private readonly perIp = new Map<string, number>();
  readonly traffic: Traffic = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, strangers: 0, refused: 0, sendErrors: 0 };
  readonly limiter: RateLimiter;
  private main!: UdpSocket;
  private sweep: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly options: DedicatedServerOptions<T>) {
    this.limiter = new RateLimiter(options.rateLimit ?? 0);
  }

  get hostname(): string {
    return this.main.hostname;
  }
  get port(): number {
    return this.main.port;
  }

  async start(): Promise<void> {
    this.main = await Bun.udpSocket({
      hostname: this.options.host,
      port: this.options.port,
      binaryType: "uint8array",
      socket: {
        data: (_s, bytes, port, address) => this.fromMain(bytes, port, address),
        error: ignoreUnreachable,
      },
    });
    const every = Math.min(1000, this.options.timeoutMs / 2);
    this.sweep = setInterval(() => this.dropSilent(), every);
  }

  /** Sends on the client's dedicated socket, once the client has proved its address: before that,
   *  the address may be a victim's, forged in a CONNECT, and every tick's STATE would flood it. */
  send(client: Client<T>, bytes: Uint8Array): void {
    if (client.proven) this.sendTo(client.socket, client.address, client.port, bytes);
  }

  private sendTo(socket: UdpSocket, address: string, port: number, bytes: Uint8Array): void {
    try {
      socket.send(bytes, port, address);
      this.traffic.datagramsOut++;
      this.traffic.bytesOut += bytes.length;
    } catch {
      // Linux reports an earlier "port unreachable" on the socket's next send, which Bun throws
      // (ECONNREFUSED): that client has gone. This datagram is lost like any other; the timeout
      // will remove the client if it does not come back.
      this.traffic.sendErrors++;
    }
  }

  /** Removes a player and frees its port; tells it why unless it is already gone. */
  remove(client: Client<T>, why: string, tell = true): void {
    if (this.clients.get(client.name) !== client) return;
    if (tell) this.send(client, encode(formatMessage({ type: "DISCONNECTED", name: client.name })));
    this.clients.delete(client.name);
    this.byAddress.delete(addressOf(client.address, client.port));
    this.uncount(client.address);
    this.options.room.leave(client.name);
    this.options.onLeave?.(client);
    client.socket.close();
    this.options.pool.release(client.socket.port);
    log.leave(`${client.name} (${addressOf(client.address, client.port)}) ${why}, port ${client.socket.port} back in the pool`);
  }

  /** Says goodbye to everyone and closes every socket. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweep);
    this.sweep = undefined;
    for (const client of [...this.clients.values()]) this.remove(client, "dropped: the server stops");
    this.main.close();
  }

  /** Sockets this server holds open right now: the main one and one per client. */
  get openSockets(): number {
    let open = this.main.closed ? 0 : 1;
    for (const c of this.clients.values()) if (!c.socket.closed) open++;
    return open;
  }

  get timers(): number {
    return (this.sweep === undefined ? 0 : 1) + refusals.timers;
  }

  /** One line of figures (step-specific ones appended by the caller). */
  statsLine(): string {
    const t = this.traffic;
    const pool = this.options.pool;
    return [
      `players=${this.options.room.count}`,
      `sockets=${this.openSockets}`,
      `ports-free=${pool.available}/${pool.capacity}`,
      `in=${t.datagramsIn}`,
      `out=${t.datagramsOut}`,
      `bytes-in=${t.bytesIn}`,
      `bytes-out=${t.bytesOut}`,
      `strangers=${t.strangers}`,
      `refused=${t.refused}`,
      `rate-limited=${this.limiter.dropped}`,
      `per-address=${Math.max(0, ...this.perIp.values())}/${this.maxPerAddress}`,
      `send-errors=${t.sendErrors}`,
    ].join(" ");
  }

  /** `list`, `kick`, `stats` and `stop` for the console (`help` comes with it). */
  commands(step: Pick<StepHooks<T>, "stats" | "timers">, onStop: () => void): Record<string, ConsoleCommand> {
    return {
      list: {
        help: "the players: name, address, dedicated port, position, silence",
        run: () => {
          if (this.clients.size === 0) return ["nobody is connected"];
          const now = performance.now();
          const where = new Map(this.options.room.players.map((p) => [p.name, `(${p.x},${p.y})`]));
          return [...this.clients.values()].map((c) =>
            `${c.name} ${addressOf(c.address, c.port)} port ${c.socket.port} at ${where.get(c.name)} silent ${((now - c.lastHeard) / 1000).toFixed(1)} s`,
          );
        },
      },
      kick: {
        help: "kick <name>: disconnect a player",
        run: ([name]) => {
          if (name === undefined) return ["kick needs a name: kick <name> (list shows who plays)"];
          const client = this.clients.get(name);
          if (client === undefined) return [`no player ${JSON.stringify(name)} (try list)`];
          this.remove(client, "kicked");
          return [`kicked ${client.name}`];
        },
      },
      stats: {
        help: "one line of figures: players, sockets, free ports, timers, datagrams; the most players from one address / the cap",
        run: () => [`stats: ${this.statsLine()} timers=${this.timers + (step.timers?.() ?? 0)}${step.stats?.() ?? ""}`],
      },
      stop: {
        help: "tell every client, close every socket and exit",
        run: () => {
          onStop();
          return [];
        },
      },
    };
  }

  // ---------------------------------------------------------------- the main socket

  private fromMain(bytes: Uint8Array, port: number, address: string): void {
    this.traffic.datagramsIn++;
    if (!this.admit(this.main, address, port)) return;
    this.traffic.bytesIn += bytes.length;
    const content = readDatagram(bytes, MAX_CLIENT_MESSAGE, parseMessage, MAX_MESSAGES_PER_DATAGRAM);
    const refuse = this.refuseOnce(this.main, address, port);
    for (const parsed of content.messages) {
      if (!parsed.ok) refuse(parsed.code ?? "MALFORMED", parsed.error);
      else if (parsed.value.type === "CONNECT") void this.connect(parsed.value.name, address, port);
      else if (parsed.value.type === "PING") this.reply(this.main, address, port, parsed.value);
      else refuse("NOT_CONNECTED", `${parsed.value.type} on the main port`);
    }
    if (content.broken) refuse(content.broken, quote(new TextDecoder().decode(bytes)));
  }

  private async connect(name: string, address: string, port: number): Promise<void> {
    const key = addressOf(address, port);
    const known = this.byAddress.get(key);
    if (known === PENDING) return; // the answer to its first CONNECT is on its way
    if (known !== undefined) {
      // Its CONNECTED was lost and it asks again: same answer, not a second player.
      return this.sendTo(this.main, address, port, known.welcome);
    }
    if (this.stopped) return;
    if (this.options.pool.available === 0) return this.refuse(this.main, address, port, "SERVER_FULL", "no free port");
    const fromThere = this.perIp.get(address) ?? 0;
    if (fromThere >= this.maxPerAddress) {
      return this.refuse(this.main, address, port, "SERVER_FULL", `${fromThere} players from ${address}, --max-per-address is ${this.maxPerAddress}`);
    }
    const joined = this.options.room.join(name);
    if (!joined.ok) return this.refuse(this.main, address, port, joined.code, `CONNECT ${name}`);
    this.byAddress.set(key, PENDING);
    this.perIp.set(address, fromThere + 1);
    let client: Client<T> | undefined;
    const socket = await this.options.pool.bind(
      this.options.host,
      (_s, bytes, fromPort, fromAddress) => client && this.fromDedicated(client, bytes, fromPort, fromAddress),
    );
    if (socket === null || this.stopped) {
      socket?.close();
      if (socket) this.options.pool.release(socket.port);
      this.byAddress.delete(key);
      this.uncount(address);
      this.options.room.leave(name);
      return this.refuse(this.main, address, port, "SERVER_FULL", "no port could be bound");
    }
    const room = this.options.room;
    // Unguessable (crypto, not Math.random): whoever echoes it has read the welcome at that address.
    const proof = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
    // Only the newcomer's own square (the prediction starts from it): the first ticks bring
    // everyone, within the 1200-byte budget, where the text list of 1000 players was 42 KB in one datagram.
    const players = room.players.filter((p) => p.name === name);
    const welcome = encode(formatMessage({
      type: "CONNECTED",
      name,
      welcome: { port: socket.port, size: room.state.size, walls: room.state.walls, players, proof },
    }));
    client = { name, address, port, socket, welcome, proof, proven: false, lastHeard: performance.now(), data: this.options.newData() };
    this.clients.set(name, client);
    this.byAddress.set(key, client);
    this.sendTo(this.main, address, port, welcome);
    log.info(`${name} welcomed at ${key} on port ${socket.port}: it plays once it echoes the welcome's number`);
  }

  // ---------------------------------------------------------------- dedicated sockets

  private fromDedicated(client: Client<T>, bytes: Uint8Array, port: number, address: string): void {
    this.traffic.datagramsIn++;
    this.traffic.bytesIn += bytes.length;
    if (address !== client.address || port !== client.port) {
      // Not its client: ignored without an answer (answering would let anyone aim our replies).
      this.traffic.strangers++;
      refusals.refuse(address, `${addressOf(address, port)} is not ${client.name}: datagram on port ${client.socket.port} ignored`);
      return;
    }
    if (!this.admit(client.socket, address, port)) return;
    const content = readDatagram(bytes, MAX_CLIENT_MESSAGE, parseMessage, MAX_MESSAGES_PER_DATAGRAM);
    if (!client.proven && !this.proves(client, content)) return;
    client.lastHeard = performance.now();
    const refuse = this.refuseOnce(client.socket, address, port);
    for (const parsed of content.messages) {
      if (!this.clients.has(client.name)) return; // it left earlier in this datagram
      if (!parsed.ok) {
        refuse("MALFORMED", parsed.error);
        continue;
      }
      const m = parsed.value;
      if (m.type === "INPUT") this.options.onInput(client, m);
      else if (m.type === "ACK") this.options.onAck?.(client, m.tick);
      else if (m.type === "PING") this.reply(client.socket, address, port, m);
      else if (m.type === "CONNECT") this.send(client, client.welcome);
      else if (m.type !== "DISCONNECT") refuse("MALFORMED", `${m.type} is the server's message`);
      else if (m.name !== client.name) refuse("NOT_YOURS", `DISCONNECT ${m.name} from ${client.name}`);
      else this.remove(client, "left");
    }
    if (content.broken && this.clients.has(client.name)) refuse(content.broken, quote(new TextDecoder().decode(bytes)));
  }

  /** Whether these messages prove the client's address: `PING <proof>`, the number of its welcome,
   *  which only a client that received the welcome knows. Until then the session answers nothing
   *  but a repeated CONNECT (its welcome again) and stays silent to everything else, refusals
   *  included; and what it sends does not keep it alive, so a forged join times out. */
  private proves(client: Client<T>, content: DatagramContent<Message>): boolean {
    const sent = content.messages.flatMap((parsed) => (parsed.ok ? [parsed.value] : []));
    if (sent.some((m) => m.type === "PING" && m.stamp === client.proof)) {
      log.join(`${client.name} joined from ${addressOf(client.address, client.port)} on port ${client.socket.port} (${this.options.room.count} playing)`);
      return (client.proven = true);
    }
    if (sent.some((m) => m.type === "CONNECT")) this.sendTo(client.socket, client.address, client.port, client.welcome);
    return false;
  }

  private get maxPerAddress(): number {
    return this.options.maxPerAddress ?? Infinity;
  }

  private uncount(address: string): void {
    const left = (this.perIp.get(address) ?? 0) - 1;
    if (left > 0) this.perIp.set(address, left);
    else this.perIp.delete(address);
  }

  private dropSilent(): void {
    this.limiter.forgetIdle();
    const limit = performance.now() - this.options.timeoutMs;
    for (const client of [...this.clients.values()]) {
      if (client.lastHeard < limit) this.remove(client, `timed out (${this.options.timeoutMs / 1000} s silent)`);
    }
  }

  // ---------------------------------------------------------------- replies

  private reply(socket: UdpSocket, address: string, port: number, message: Message): void {
    this.sendTo(socket, address, port, encode(formatMessage(message)));
  }

  /** Refuses something a client sent on its dedicated socket. */
  refuseFrom(client: Client<T>, code: ErrorCode, detail: string): void {
    this.refuse(client.socket, client.address, client.port, code, detail);
  }

  /** Refuses at most once: a datagram of a thousand bad messages gets one ERROR, not a thousand. */
  private refuseOnce(socket: UdpSocket, address: string, port: number): (code: ErrorCode, detail: string) => void {
    let refused = false;
    return (code, detail) => {
      if (!refused) this.refuse(socket, address, port, code, detail);
      refused = true;
    };
  }

  private refuse(socket: UdpSocket, address: string, port: number, code: ErrorCode, detail: string): void {
    this.reply(socket, address, port, { type: "ERROR", code });
    this.traffic.refused++;
    refusals.refuse(address, `${addressOf(address, port)} refused ${code}: ${detail}`);
  }

  /** The rate limit, before anything is read: a flooder is told now and then, never per datagram. */
  private admit(socket: UdpSocket, address: string, port: number): boolean {
    const admission = this.limiter.admit(address);
    if (admission === "pass") return true;
    if (admission === "drop-and-warn") this.refuse(socket, address, port, "RATE_LIMITED", `more than ${this.options.rateLimit} datagrams a second, the rest dropped`);
    return false;
  }
}

/** The pool the flags ask for: a range of ports, or OS-chosen ports when the main port is. */
export function poolFromFlags(ports: string, mainPort: number, maxPlayers: number): PortPool | string {
  if (ports === "" && mainPort === 0) return new PortPool(null, maxPlayers);
  const range = parsePortRange(ports === "" ? DEFAULT_PORTS : ports);
  return typeof range === "string" ? range : new PortPool(range, maxPlayers);
}

export interface StepHooks<T> extends Pick<DedicatedServerOptions<T>, "newData" | "onInput" | "onLeave" | "onAck"> {
  /** Figures the step adds to `stats` (" key=value ..."). */
  readonly stats?: () => string;
  /** Timers the step runs (counted in `stats`, so a leak shows). */
  readonly timers?: () => number;
  /** Runs before the goodbyes when the server stops (a step stops its timers here). */
  readonly onStop?: () => void;
  /** Console commands the step adds. */
  readonly commands?: Record<string, ConsoleCommand>;
}

/** Starts the server the flags describe, with its console and Ctrl-C; prints `listening on HOST:PORT`.
 *  Exits the process (status 2) on a bad --ports, and (status 0) on `stop`. */
export async function serveFromFlags<T>(flags: Parsed<typeof udpServerFlags>, room: SessionRoom, hooks: StepHooks<T>): Promise<DedicatedPortServer<T>> {
  const pool = poolFromFlags(flags.ports, flags.port, flags["max-players"]);
  if (typeof pool === "string") {
    console.error(pool);
    process.exit(2);
  }
  const server = new DedicatedPortServer<T>({
    ...flags, pool, room, timeoutMs: flags.timeout * 1000, rateLimit: flags["rate-limit"], maxPerAddress: flags["max-per-address"], ...hooks,
  });
  await listenOrExit(flags.host, flags.port, () => server.start()); // a busy port: one line, exit 1
  const stop = () => {
    hooks.onStop?.();
    server.stop();
    log.info(`stopped: ${server.statsLine()}`);
    process.exit(0);
  };
  startConsole({ ...server.commands(hooks, stop), ...hooks.commands });
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  console.log(`listening on ${server.hostname}:${server.port} (dedicated ports ${pool.describe()}; type help for the console)`);
  return server;
}
