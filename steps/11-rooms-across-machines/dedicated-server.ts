// The article's UDP server (step 04 on): a main socket where clients knock with
// `CONNECT`, and one dedicated socket per client, bound on a port from the pool and announced in
// `CONNECTED <port> ...`. What a step does with `INPUT` is the step's own business (its `onInput`);
// everything about sessions lives here: who is where, binding a client to its address, timeouts,
// refusals, the console's view. From step 10 the main port answers a knock only with a challenge no
// larger than it (cookie.ts), a session is made only for a proof of that cookie (handshake.ts), and
// every datagram on a dedicated port is sealed (sealed.ts); a session streams nothing until a
// datagram of its client's has opened. From step 11 a room of a fleet also checks the matchmaker's
// token in the proof (`checkToken`), says when a player arrived (`onJoin`), and may stop when its
// agent is gone (the end of its standard input) or after async work (`onStop`: leaving Redis).
import { flag, hostFlag, portFlag, SECONDS, whole, type Parsed } from "../../shared/plumbing/cli.ts";
import { addressOf, log, quote, refusals } from "../../shared/plumbing/log.ts";
import { formatMessage, parseMessage, type ErrorCode, type Message } from "./messages.ts";
import type { Room } from "../../shared/server/room.ts";
import { startConsole, type ConsoleCommand } from "../../shared/server/console.ts";
import { encode, MAX_CLIENT_MESSAGE, MAX_MESSAGES_PER_DATAGRAM, readDatagram } from "../../shared/wire/datagram.ts";
import { listenOrExit } from "../../shared/server/listen-or-exit.ts";
import { ignoreUnreachable, parsePortRange, PortPool, type UdpSocket } from "./port-pool.ts";
import { RateLimiter } from "../../shared/server/rate-limit.ts";
import { randomBytes } from "node:crypto";
import { COOKIE_SECONDS, Cookies } from "./cookie.ts";
import { atMainPort, serverSession, type TokenChecker } from "./handshake.ts";
import { IpLimits } from "./ip-limits.ts";
import type { SealedChannel } from "./sealed.ts";

/** The flags of both UDP servers. */
export const udpServerFlags = {
  host: hostFlag,
  port: portFlag(9904),
  ports: flag("string", "", "dedicated ports FIRST-LAST (default 11000-11999, or chosen by the OS when --port is 0)"),
  timeout: flag("number", 10, "seconds without a datagram before a client is dropped", SECONDS),
  "max-players": flag("number", 1000, "players at most (each needs a port of its own)", whole(1, 65_535)),
  "rate-limit": flag("number", 1000, "datagrams per second from one IP address before the rest are dropped (0: no limit)", whole(0, 1_000_000)),
  "max-per-address": flag("number", 16, "players from one IP address at the same time; past it a newcomer from there gets ERROR SERVER_FULL", whole(1, 65_535)),
  "pending-per-address": flag("number", 8, "handshakes from one IP address not yet confirmed by a sealed datagram; past it a newcomer from there gets ERROR RATE_LIMITED", whole(1, 65_535)),
  "cookie-seconds": flag("number", COOKIE_SECONDS, "seconds a CHALLENGE cookie stays good, and a new session waits for its first sealed datagram", whole(1, 60)),
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
  /** The ACCEPT (the `CONNECTED` reply, sealed), kept to answer a repeated proof the same way. */
  readonly welcome: Uint8Array;
  /** Seals what is sent to it and opens what it sends (sealed.ts). */
  readonly channel: SealedChannel;
  /** Its public key: a proof repeated with the same key gets the same ACCEPT. */
  readonly clientKey: Uint8Array;
  /** Whether a datagram from it has opened: it holds the keys. Until then its proof may be someone's
   *  replay, so nothing but the ACCEPT is sent to it. */
  proven: boolean;
  /** ACCEPTs sent again for repeated proofs (MAX_RESENDS at most). */
  resends: number;
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
  /** Sessions from one IP address not yet confirmed by a sealed datagram. */
  readonly pendingPerAddress?: number;
  /** How long a cookie is good, and a new session waits for its first sealed datagram. */
  readonly cookieSeconds?: number;
  readonly newData: () => T;
  /** An `INPUT` from a client, already opened: it comes from the client that holds the keys. */
  readonly onInput: (client: Client<T>, input: Extract<Message, { type: "INPUT" }>) => void;
  readonly onLeave?: (client: Client<T>) => void;
  /** An `ACK <tick>`: the client holds that tick's snapshot (step 09's deltas start from it). */
  readonly onAck?: (client: Client<T>, tick: number) => void;
  /** Step 11: the matchmaker's token, checked right after the cookie (undefined: anyone may join). */
  readonly checkToken?: TokenChecker;
  /** A player is in: its first sealed datagram opened (step 11 confirms its seat in Redis). */
  readonly onJoin?: (client: Client<T>) => void;
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
  /** CHALLENGEs sent, each no larger than the CONNECT it answers. */
  challenges: number;
  /** Datagrams on the main port answered with nothing: not a handshake, too small to answer, a bad cookie or key. */
  unanswered: number;
  /** Datagrams from a client that did not open: forged, damaged or replayed. */
  unopened: number;
}

const PENDING = "pending"; // a proof whose dedicated socket is being bound
/** A lost ACCEPT is sent again for a repeated proof, this many times at most: each one goes to an
 *  address whose owner may not be the one asking (a proof seen on the path can be replayed). */
const MAX_RESENDS = 3;

export class DedicatedPortServer<T> {
  /** Connected clients by name, in join order. */
  readonly clients = new Map<string, Client<T>>();
  /** The same clients by address, plus the ones being bound. */
  private readonly byAddress = new Map<string, Client<T> | typeof PENDING>();
  /** How many of those each IP address holds, waiting for their first sealed datagram or playing
   *  (a client's port does not matter: a new one is free). */
  private readonly limits: IpLimits;
  /** Made with a new secret at every start: an earlier run's cookies are worthless. */
  private readonly cookies: Cookies;
  readonly traffic: Traffic = { datagramsIn: 0, datagramsOut: 0, bytesIn: 0, bytesOut: 0, strangers: 0, refused: 0, sendErrors: 0, challenges: 0, unanswered: 0, unopened: 0 };
  readonly limiter: RateLimiter;
  private main!: UdpSocket;
  private sweep: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly options: DedicatedServerOptions<T>) {
    this.limiter = new RateLimiter(options.rateLimit ?? 0);
    this.limits = new IpLimits(options.maxPerAddress ?? 0, options.pendingPerAddress ?? 0);
    this.cookies = new Cookies(randomBytes(32), options.cookieSeconds ?? COOKIE_SECONDS);
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

  /** Sends on the client's dedicated socket, sealed, once a datagram of its own has opened: before
   *  that, its proof may be a replay by someone on the path, and every tick would go to an address
   *  whose owner never asked. */
  send(client: Client<T>, bytes: Uint8Array): void {
    if (client.proven) this.sendTo(client.socket, client.address, client.port, client.channel.seal(bytes));
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
    this.limits.end(client.address, client.proven ? "playing" : "pending");
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
      `per-address=${this.limits.busiest}/${this.options.maxPerAddress ?? Infinity}`,
      `pending=${[...this.clients.values()].filter((c) => !c.proven).length}`,
      `challenges=${t.challenges}`,
      `unanswered=${t.unanswered}`,
      `unopened=${t.unopened}`,
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
    // Over the rate limit: dropped without a word. This address has proved nothing, so it gets no
    // answer at all, not even ERROR RATE_LIMITED.
    if (this.limiter.admit(address) !== "pass") return;
    this.traffic.bytesIn += bytes.length;
    const action = atMainPort(this.cookies, bytes, address, port, performance.now(), this.options.checkToken);
    if (action.kind === "challenge") {
      this.traffic.challenges++;
      this.sendTo(this.main, address, port, action.reply);
    } else if (action.kind === "join") void this.connect(action.name, action.clientKey, address, port);
    else if (action.kind === "refuse") this.refuse(this.main, address, port, action.code, action.why); // proven: 25 bytes back
    else this.unanswered(address, port, action.why);
  }

  /** A datagram that gets no answer: counted, and said in the (rate-limited) refusal log. */
  private unanswered(address: string, port: number, why: string): void {
    this.traffic.unanswered++;
    refusals.refuse(address, `${addressOf(address, port)} not answered: ${why}`);
  }

  /** A proven CONNECT: its cookie came back from its own address, with the client's public key. */
  private async connect(name: string, clientKey: Uint8Array, address: string, port: number): Promise<void> {
    const key = addressOf(address, port);
    const known = this.byAddress.get(key);
    if (known === PENDING) return; // the answer to its first proof is on its way
    if (known !== undefined) {
      // Its ACCEPT was lost and it proves itself again: the same ACCEPT, a few times at most and
      // only until it confirms. After that, or with another key, the proof is someone's replay.
      if (known.proven || known.resends >= MAX_RESENDS || !Buffer.from(known.clientKey).equals(clientKey)) {
        return this.unanswered(address, port, `a proof for ${known.name} again: a replay`);
      }
      known.resends++;
      return this.sendTo(known.socket, address, port, known.welcome);
    }
    if (this.stopped) return;
    // The keys first: a key that is no key costs nothing else, and gets no answer.
    const session = serverSession(clientKey, randomBytes(32));
    if (session === undefined) return this.unanswered(address, port, "its KEY is no X25519 public key");
    if (this.options.pool.available === 0) return this.refuse(this.main, address, port, "SERVER_FULL", "no free port");
    // Refusals from here on go in plain text to a proven address: 25 bytes against a proof of 96 or more.
    const verdict = this.limits.start(address);
    if (verdict === "too-many-pending") {
      return this.refuse(this.main, address, port, "RATE_LIMITED", `${this.limits.of(address).pending} handshakes from ${address} not confirmed yet, --pending-per-address is ${this.options.pendingPerAddress}`);
    }
    if (verdict === "too-many-players") {
      return this.refuse(this.main, address, port, "SERVER_FULL", `--max-per-address ${this.options.maxPerAddress} reached from ${address}`);
    }
    const joined = this.options.room.join(name);
    if (!joined.ok) {
      this.limits.end(address, "pending");
      return this.refuse(this.main, address, port, joined.code, `CONNECT ${name}`);
    }
    this.byAddress.set(key, PENDING);
    let client: Client<T> | undefined;
    const socket = await this.options.pool.bind(
      this.options.host,
      (_s, bytes, fromPort, fromAddress) => client && this.fromDedicated(client, bytes, fromPort, fromAddress),
    );
    if (socket === null || this.stopped) {
      socket?.close();
      if (socket) this.options.pool.release(socket.port);
      this.byAddress.delete(key);
      this.limits.end(address, "pending");
      this.options.room.leave(name);
      return this.refuse(this.main, address, port, "SERVER_FULL", "no port could be bound");
    }
    const room = this.options.room;
    // Only the newcomer's own square (the prediction starts from it): the first ticks bring
    // everyone, within the 1200-byte budget, where the text list of 1000 players was 42 KB in one datagram.
    const players = room.players.filter((p) => p.name === name);
    const welcome = session.accept(encode(formatMessage({
      type: "CONNECTED",
      name,
      welcome: { port: socket.port, size: room.state.size, walls: room.state.walls, players },
    })));
    client = {
      name, address, port, socket, welcome, channel: session.channel, clientKey, proven: false, resends: 0,
      lastHeard: performance.now(), data: this.options.newData(),
    };
    this.clients.set(name, client);
    this.byAddress.set(key, client);
    // From the dedicated socket: where the ACCEPT comes from is where the client talks from now on
    // (the port inside is sealed, so a relay or a NAT could not rewrite it).
    this.sendTo(socket, address, port, welcome);
    log.info(`${name} proved ${key}, port ${socket.port}: it plays once a sealed datagram of its own opens`);
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
    if (!this.admit(client)) return;
    const plaintext = client.channel.open(bytes);
    if (plaintext === undefined) {
      this.traffic.unopened++; // forged, damaged or replayed: no answer, and it keeps nothing alive
      return;
    }
    if (!client.proven) {
      client.proven = true;
      this.limits.confirm(client.address);
      log.join(`${client.name} joined from ${addressOf(client.address, client.port)} on port ${client.socket.port}, holding its keys (${this.options.room.count} playing)`);
      this.options.onJoin?.(client);
    }
    client.lastHeard = performance.now();
    const content = readDatagram(plaintext, MAX_CLIENT_MESSAGE, parseMessage, MAX_MESSAGES_PER_DATAGRAM);
    const refuse = this.refuseOnce(client);
    for (const parsed of content.messages) {
      if (!this.clients.has(client.name)) return; // it left earlier in this datagram
      if (!parsed.ok) {
        refuse("MALFORMED", parsed.error);
        continue;
      }
      const m = parsed.value;
      if (m.type === "INPUT") this.options.onInput(client, m);
      else if (m.type === "ACK") this.options.onAck?.(client, m.tick);
      else if (m.type === "PING") this.send(client, encode(formatMessage(m)));
      else if (m.type === "CONNECT") continue; // the handshake is over: nothing to answer
      else if (m.type !== "DISCONNECT") refuse("MALFORMED", `${m.type} is the server's message`);
      else if (m.name !== client.name) refuse("NOT_YOURS", `DISCONNECT ${m.name} from ${client.name}`);
      else this.remove(client, "left");
    }
    if (content.broken && this.clients.has(client.name)) refuse(content.broken, quote(new TextDecoder().decode(plaintext)));
  }

  /** Drops the silent. A session whose client never sent a datagram that opened is dropped after
   *  the cookie's lifetime, without a word: its proof may have been someone's replay. */
  private dropSilent(): void {
    this.limiter.forgetIdle();
    const now = performance.now();
    const limit = now - this.options.timeoutMs;
    const unproven = now - (this.options.cookieSeconds ?? COOKIE_SECONDS) * 1000;
    for (const client of [...this.clients.values()]) {
      if (!client.proven && client.lastHeard < unproven) this.remove(client, "never sent a datagram that opened (gone, or its proof was replayed)", false);
      else if (client.lastHeard < limit) this.remove(client, `timed out (${this.options.timeoutMs / 1000} s silent)`);
    }
  }

  // ---------------------------------------------------------------- replies

  private reply(socket: UdpSocket, address: string, port: number, message: Message): void {
    this.sendTo(socket, address, port, encode(formatMessage(message)));
  }

  /** Refuses something a client sent on its dedicated socket: the ERROR is sealed like the rest. */
  refuseFrom(client: Client<T>, code: ErrorCode, detail: string): void {
    this.send(client, encode(formatMessage({ type: "ERROR", code })));
    this.traffic.refused++;
    refusals.refuse(client.address, `${addressOf(client.address, client.port)} refused ${code}: ${detail}`);
  }

  /** Refuses at most once: a datagram of a thousand bad messages gets one ERROR, not a thousand. */
  private refuseOnce(client: Client<T>): (code: ErrorCode, detail: string) => void {
    let refused = false;
    return (code, detail) => {
      if (!refused) this.refuseFrom(client, code, detail);
      refused = true;
    };
  }

  private refuse(socket: UdpSocket, address: string, port: number, code: ErrorCode, detail: string): void {
    this.reply(socket, address, port, { type: "ERROR", code });
    this.traffic.refused++;
    refusals.refuse(address, `${addressOf(address, port)} refused ${code}: ${detail}`);
  }

  /** The rate limit, before anything is opened: a flooder is told now and then (sealed, so only a
   *  client that holds its keys), never per datagram. */
  private admit(client: Client<T>): boolean {
    const admission = this.limiter.admit(client.address);
    if (admission === "pass") return true;
    if (admission === "drop-and-warn") this.refuseFrom(client, "RATE_LIMITED", `more than ${this.options.rateLimit} datagrams a second, the rest dropped`);
    return false;
  }
}

/** The pool the flags ask for: a range of ports, or OS-chosen ports when the main port is. */
export function poolFromFlags(ports: string, mainPort: number, maxPlayers: number): PortPool | string {
  if (ports === "" && mainPort === 0) return new PortPool(null, maxPlayers);
  const range = parsePortRange(ports === "" ? DEFAULT_PORTS : ports);
  return typeof range === "string" ? range : new PortPool(range, maxPlayers);
}

export interface StepHooks<T> extends Pick<DedicatedServerOptions<T>, "newData" | "onInput" | "onLeave" | "onAck" | "checkToken" | "onJoin"> {
  /** Figures the step adds to `stats` (" key=value ..."). */
  readonly stats?: () => string;
  /** Timers the step runs (counted in `stats`, so a leak shows). */
  readonly timers?: () => number;
  /** Runs before the goodbyes when the server stops (a step stops its timers here, and step 11
   *  leaves the fleet's listing, which it waits for). */
  readonly onStop?: () => void | Promise<void>;
  /** Stop the clean way when standard input closes: a room started by an agent reads a pipe from
   *  it, which closes only when the agent is gone (step 11). */
  readonly stopWhenInputEnds?: boolean;
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
    ...flags, pool, room, timeoutMs: flags.timeout * 1000, rateLimit: flags["rate-limit"], maxPerAddress: flags["max-per-address"],
    pendingPerAddress: flags["pending-per-address"], cookieSeconds: flags["cookie-seconds"], ...hooks,
  });
  await listenOrExit(flags.host, flags.port, () => server.start()); // a busy port: one line, exit 1
  let stopping = false;
  const stop = async () => {
    if (stopping) return; // a second Ctrl-C while the first stop waits for Redis
    stopping = true;
    await hooks.onStop?.();
    server.stop();
    log.info(`stopped: ${server.statsLine()}`);
    process.exit(0);
  };
  startConsole({ ...server.commands(hooks, () => void stop()), ...hooks.commands }, hooks.stopWhenInputEnds ? () => void stop() : undefined);
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  console.log(`listening on ${server.hostname}:${server.port} (dedicated ports ${pool.describe()}; type help for the console)`);
  return server;
}
