// A UDP relay with a bad network inside: clients send to the relay, the relay sends on to the
// server after the conditions decided each datagram's fate, and the same for the replies.
//
//   client A ─┐                  ┌─ upstream socket of A ─┐
//             ├─ relay port(s) ──┤                        ├─ server port(s)
//   client B ─┘                  └─ upstream socket of B ─┘
//
// Each client gets its own upstream socket, so the server sees one address per client and its
// replies can be told apart. With `followConnected`, a `CONNECTED <port> ...` reply opens a relay
// port for that dedicated port and announces it instead (see connected-rewrite.ts), and a reply
// from a server port nobody announced opens a relay port for it too, as a NAT would.
import type { udp } from "bun";
import { conditions as withDefaults, decideFate, type Conditions } from "./conditions.ts";
import { announcedPort, replaceAnnouncedPort } from "./connected-rewrite.ts";
import { countFate, newDirectionCounters, type DirectionCounters } from "./counters.ts";
import { DelayLine } from "./delay-line.ts";
import { InOrder } from "./in-order.ts";
import { deriveSeed, mulberry32, type Random } from "../../shared/plumbing/prng.ts";

type UdpSocket = udp.Socket<"uint8array">;

export interface Address {
  readonly hostname: string;
  readonly port: number;
}

export interface UdpRelayOptions {
  /** The server. */
  readonly to: Address;
  /** Where clients send; defaults to 127.0.0.1 and a port chosen by the OS. */
  readonly listen?: Partial<Address>;
  /** Applied to each direction; fields left out are perfect. */
  readonly conditions?: Partial<Conditions>;
  /** Same seed, same clients sending the same datagrams: same fates. Default 1. */
  readonly seed?: number;
  /** Relay the dedicated ports announced by `CONNECTED <port> ...` replies. Default true. */
  readonly followConnected?: boolean;
  /** Forget a client (closing its upstream socket) after this long without traffic. Default 60 s. */
  readonly idleMs?: number;
}

export interface UdpRelay {
  readonly hostname: string;
  /** The main relay port: clients send here instead of to the server's port. */
  readonly port: number;
  /** Client to server. Live counters. */
  readonly up: Readonly<DirectionCounters>;
  /** Server to client. Live counters. */
  readonly down: Readonly<DirectionCounters>;
  /** Server port → relay port, the main one first and then one per dedicated port seen. */
  relayPorts(): Map<number, number>;
  /** ICMP "port unreachable" reports: a datagram went to a peer that is gone. It is lost and the
   *  relay goes on. Live counter. */
  readonly sendErrors: number;
  /** Datagrams delayed and not delivered yet. */
  inFlight(): number;
  close(): void;
}

/** A datagram on its way, and the socket that will send it where. */
interface Outgoing {
  readonly bytes: Uint8Array;
  readonly via: UdpSocket;
  readonly port: number;
  readonly address: string;
}

interface Client {
  readonly address: string;
  readonly port: number;
  /** The client's own socket towards the server. */
  readonly upstream: UdpSocket;
  readonly up: DelayLine<Outgoing>;
  readonly down: DelayLine<Outgoing>;
  /** One random stream per direction and client: a seeded run replays whatever the timing. */
  readonly upRandom: Random;
  readonly downRandom: Random;
  lastHeard: number;
}

export async function startUdpRelay(options: UdpRelayOptions): Promise<UdpRelay> {
  const conditions = withDefaults(options.conditions);
  const seed = options.seed ?? 1;
  const followConnected = options.followConnected ?? true;
  const idleMs = options.idleMs ?? 60_000;
  const listenHost = options.listen?.hostname ?? "127.0.0.1";
  const server: Address = { hostname: await resolveIPv4(options.to.hostname), port: options.to.port };
  const up = newDirectionCounters();
  const down = newDirectionCounters();
  const relaySockets = new Map<number, UdpSocket>(); // server port → socket the clients talk to
  const clients = new Map<string, Client>(); // "address:port" of the client → its state
  const arrivals = new InOrder();
  let clientsSeen = 0;
  let closed = false;

  // A peer that is gone (a client killed, a server stopped) answers with an ICMP "port unreachable".
  // Bun reports it to the socket's `error` handler, which counts it, and, when it has not polled it
  // yet, also throws it from the socket's next send, which may be to another peer: that datagram
  // was not sent, so it is sent again once. A relay must never die of one peer.
  let sendErrors = 0;
  const unreachable = () => void sendErrors++;
  const send = (counters: DirectionCounters) => (out: Outgoing) => {
    if (out.via.closed) return;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        out.via.send(out.bytes, out.port, out.address);
        counters.delivered++;
        return;
      } catch {
        // reported by `unreachable` as well; a second failure drops the datagram, as a network would
      }
    }
  };
  const sendUp = send(up);
  const sendDown = send(down);

  async function openRelaySocket(serverPort: number, port: number): Promise<UdpSocket> {
    const socket = await Bun.udpSocket({
      hostname: listenHost,
      port,
      binaryType: "uint8array",
      socket: {
        data: (_socket, bytes, clientPort, clientAddress) =>
          arrivals.run(() => fromClient(serverPort, bytes, clientPort, clientAddress)),
        error: unreachable, // a client that left
      },
    });
    if (closed) socket.close();
    relaySockets.set(serverPort, socket);
    return socket;
  }

  async function openClient(key: string, address: string, port: number): Promise<Client> {
    const index = clientsSeen++;
    const upstream = await Bun.udpSocket({
      ...(server.hostname.startsWith("127.") ? { hostname: "127.0.0.1" } : {}),
      binaryType: "uint8array",
      socket: {
        data: (_socket, bytes, serverPort) => arrivals.run(() => fromServer(client, bytes, serverPort)),
        error: unreachable, // the server is not (or no longer) there
      },
    });
    const client: Client = {
      address,
      port,
      upstream,
      up: new DelayLine(sendUp),
      down: new DelayLine(sendDown),
      upRandom: mulberry32(deriveSeed(seed, 2 * index)),
      downRandom: mulberry32(deriveSeed(seed, 2 * index + 1)),
      lastHeard: performance.now(),
    };
    if (closed) upstream.close();
    clients.set(key, client);
    return client;
  }

  function fromClient(serverPort: number, bytes: Uint8Array, port: number, address: string): void | Promise<void> {
    if (closed) return;
    const key = `${address}:${port}`;
    const client = clients.get(key);
    if (client === undefined) return openClient(key, address, port).then((c) => toServer(c, serverPort, bytes));
    toServer(client, serverPort, bytes);
  }

  function toServer(client: Client, serverPort: number, bytes: Uint8Array): void {
    client.lastHeard = performance.now();
    const fate = decideFate(conditions, client.upRandom);
    countFate(up, fate);
    const out: Outgoing = { bytes, via: client.upstream, port: serverPort, address: server.hostname };
    for (const copy of fate.copies) client.up.push(out, copy.delayMs, copy.keepsOrder);
  }

  function fromServer(client: Client, bytes: Uint8Array, serverPort: number): void | Promise<void> {
    if (closed) return;
    const dedicated = followConnected && serverPort === server.port ? announcedPort(bytes) : undefined;
    if (dedicated === undefined) {
      // A reply from a server port no client was told about (a server may answer from a new port,
      // and its client then talks to wherever the reply came from, as step 10's sealed ACCEPT asks):
      // like a NAT, open a relay port for it, so the reply comes from the relay and the answers go through it.
      if (followConnected && !relaySockets.has(serverPort)) return openRelaySocket(serverPort, 0).then(() => toClient(client, serverPort, bytes));
      return toClient(client, serverPort, bytes);
    }
    // `CONNECTED <dedicated> ...`: announce our relay port for it instead, opening it the first time.
    const relay = relaySockets.get(dedicated);
    if (relay !== undefined) return toClient(client, serverPort, replaceAnnouncedPort(bytes, relay.port));
    return openRelaySocket(dedicated, 0).then((r) => toClient(client, serverPort, replaceAnnouncedPort(bytes, r.port)));
  }

  function toClient(client: Client, serverPort: number, bytes: Uint8Array): void {
    const via = relaySockets.get(serverPort);
    if (via === undefined) return; // a server port without a relay port (only without followConnected): not relayed
    client.lastHeard = performance.now();
    const fate = decideFate(conditions, client.downRandom);
    countFate(down, fate);
    const out: Outgoing = { bytes, via, port: client.port, address: client.address };
    for (const copy of fate.copies) client.down.push(out, copy.delayMs, copy.keepsOrder);
  }

  function forget(key: string, client: Client): void {
    client.up.close();
    client.down.close();
    client.upstream.close();
    clients.delete(key);
  }

  const main = await openRelaySocket(server.port, options.listen?.port ?? 0);
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [key, client] of clients) if (now - client.lastHeard > idleMs) forget(key, client);
  }, Math.max(1000, idleMs / 2));
  sweep.unref();

  return {
    hostname: main.hostname,
    port: main.port,
    up,
    down,
    get sendErrors() {
      return sendErrors;
    },
    relayPorts: () => new Map([...relaySockets].map(([serverPort, socket]) => [serverPort, socket.port])),
    inFlight: () => [...clients.values()].reduce((sum, c) => sum + c.up.inFlight + c.down.inFlight, 0),
    close() {
      closed = true;
      clearInterval(sweep);
      for (const [key, client] of clients) forget(key, client);
      for (const socket of relaySockets.values()) socket.close();
    },
  };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Bun's UDP send takes an IP address, not a name like `localhost`. */
async function resolveIPv4(hostname: string): Promise<string> {
  if (IPV4.test(hostname)) return hostname;
  const [first] = await Bun.dns.lookup(hostname, { family: 4 });
  if (first === undefined) throw new Error(`netsim: cannot resolve ${hostname}`);
  return first.address;
}
