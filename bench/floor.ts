// The floor: what the same traffic costs with no game behind it. A bare sender is a Bun process
// with one UDP socket per client (the article's dedicated ports) that sends the datagrams a step's
// server sent in a rung, as many a second and of the same size, and does nothing else: no
// sessions, no tick, no formatting, no parsing. Its CPU is the least any server of this design can
// spend on this runtime, so the server's CPU over the floor's says how much the server adds to the
// sending itself. For the TCP steps a bare writer does the same over TCP connections (step 03's:
// one per client; step 02's: a new connection per message, written and closed).
//
// The datagrams go to sinks: sockets that read and drop them, in another process (the light bots'
// runner), so reading them is charged there, as it is to the bots in the rung.
//   bun bench/floor.ts --transport udp --ports 40001,40002 --sockets 2 --per-second 60 --bytes 900
//   stdin: `go` starts sending, `end` stops and prints `REPORT {json}`, then the process exits.
import type { Socket, udp } from "bun";
import { cli, flag, hostFlag } from "../shared/plumbing/cli.ts";

export type FloorTransport = "udp" | "tcp" | "tcp-per-message";

export interface FloorPlan {
  readonly transport: FloorTransport;
  readonly host: string;
  /** The sinks: UDP ports, or the one TCP port. */
  readonly ports: readonly number[];
  /** Sockets (UDP) or connections (persistent TCP) to send from: one per client of the rung. */
  readonly sockets: number;
  readonly perSecond: number;
  /** Bytes of each datagram or message. */
  readonly bytes: number;
  /** Wakes per second; a server's tick sends in bursts at this rate too. */
  readonly hz: number;
}

export interface FloorReport {
  readonly sent: number;
  readonly bytes: number;
  readonly seconds: number;
}

/** A bare sender or writer, ready to start. */
export class Floor {
  private sent = 0;
  private bytesSent = 0;
  private startedAt = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly payload: Buffer;

  private constructor(private readonly plan: FloorPlan, private readonly udpSockets: udp.Socket<"buffer">[], private readonly tcpSockets: Socket[]) {
    // Text like a STATE's, though nobody reads it.
    this.payload = Buffer.alloc(plan.bytes, "(Ghost,(60,110,240),(123,456),(20,20)),");
  }

  static async open(plan: FloorPlan): Promise<Floor> {
    const udpSockets: udp.Socket<"buffer">[] = [];
    const tcpSockets: Socket[] = [];
    if (plan.transport === "udp") {
      for (let i = 0; i < plan.sockets; i++) udpSockets.push(await Bun.udpSocket({ hostname: plan.host, socket: { error: () => {} } }));
    } else if (plan.transport === "tcp") {
      for (let i = 0; i < plan.sockets; i++) tcpSockets.push(await Bun.connect({ hostname: plan.host, port: plan.ports[0]!, socket: { data() {}, error() {} } }));
    }
    return new Floor(plan, udpSockets, tcpSockets);
  }

  /** Sends on a clock: each wake sends what is due by then, so the rate holds whatever the wakes. */
  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.plan.perSecond);
      while (this.sent < due) this.sendOne(this.sent);
    }, 1000 / this.plan.hz);
  }

  stop(): FloorReport {
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedAt) / 1000;
    for (const s of this.udpSockets) s.close();
    for (const s of this.tcpSockets) s.end();
    return { sent: this.sent, bytes: this.bytesSent, seconds };
  }

  private sendOne(i: number): void {
    const { plan, payload } = this;
    this.sent++;
    if (plan.transport === "udp") {
      try {
        this.udpSockets[i % plan.sockets]!.send(payload, plan.ports[i % plan.ports.length]!, plan.host);
        this.bytesSent += payload.length;
      } catch {
        // a sink gone: lost, as a server's datagram to a client that left
      }
    } else if (plan.transport === "tcp") {
      this.bytesSent += Math.max(0, this.tcpSockets[i % plan.sockets]!.write(payload));
    } else {
      // Step 02's way: a connection for one message, closed once written.
      void Bun.connect({ hostname: plan.host, port: plan.ports[0]!, socket: { open: (s) => void s.end(payload), data() {}, error() {}, connectError() {} } })
        .then(() => (this.bytesSent += payload.length))
        .catch(() => {});
    }
  }
}

/** Sockets that read and drop what they get, counting it: the floor's receivers. */
export class Sinks {
  received = { messages: 0, bytes: 0 };
  /** Sizes of the datagrams received (UDP), each with how many: a test checks the floor's sizes. */
  readonly sizes = new Map<number, number>();
  private constructor(readonly ports: number[], private readonly closers: (() => void)[]) {}

  static async udp(count: number, host = "127.0.0.1"): Promise<Sinks> {
    const sinks = new Sinks([], []);
    for (let i = 0; i < count; i++) {
      const socket = await Bun.udpSocket({
        hostname: host,
        socket: {
          data: (_s, bytes) => {
            sinks.received.messages++;
            sinks.received.bytes += bytes.length;
            sinks.sizes.set(bytes.length, (sinks.sizes.get(bytes.length) ?? 0) + 1);
          },
          error: () => {},
        },
      });
      sinks.ports.push(socket.port);
      sinks.closers.push(() => socket.close());
    }
    return sinks;
  }

  static tcp(host = "127.0.0.1"): Sinks {
    const sinks = new Sinks([], []);
    const server = Bun.listen({
      hostname: host,
      port: 0,
      socket: {
        open: () => void sinks.received.messages++, // a connection (step 02: one per message)
        data: (_s, bytes) => void (sinks.received.bytes += bytes.length),
        error: () => {},
      },
    });
    sinks.ports.push(server.port);
    sinks.closers.push(() => server.stop(true));
    return sinks;
  }

  close(): void {
    for (const close of this.closers) close();
  }
}

if (import.meta.main) {
  const flags = cli({
    usage: "bun bench/floor.ts --transport udp|tcp|tcp-per-message --ports P1,P2 --sockets N --per-second D --bytes B [--hz 30]",
    summary: "A bare sender (or writer): the same datagrams as a server, with nothing else. stdin: go, end.",
    flags: {
      transport: flag("string", "udp", "udp, tcp (persistent connections) or tcp-per-message"),
      host: hostFlag,
      ports: flag("string", "", "the sinks: UDP ports, or the TCP port"),
      sockets: flag("number", 1, "sockets or connections to send from"),
      "per-second": flag("number", 30, "datagrams (or messages) a second"),
      bytes: flag("number", 100, "bytes of each"),
      hz: flag("number", 30, "wakes a second"),
    },
  });
  const transport = flags.transport as FloorTransport;
  if (!["udp", "tcp", "tcp-per-message"].includes(transport)) throw new Error(`unknown --transport ${flags.transport}`);
  const ports = flags.ports.split(",").filter((p) => p !== "").map(Number);
  const floor = await Floor.open({ transport, host: flags.host, ports, sockets: Math.max(1, flags.sockets), perSecond: flags["per-second"], bytes: flags.bytes, hz: flags.hz });
  console.log("ready");
  for await (const line of console) {
    if (line.trim() === "go") floor.start();
    else if (line.trim() === "end") break;
  }
  console.log(`REPORT ${JSON.stringify(floor.stop())}`);
  process.exit(0);
}
