// The network simulator as a command: put it between any client and server of the course to feel
// lag, jitter and loss. Example, step 05 with 100 ms each way and 5% loss:
//   bun steps/05-broadcast-loop/server.ts               (listens on 9905)
//   bun run netsim -- --to 127.0.0.1:9905 --listen 9915 --udp --delay 100 --jitter 20 --loss 5
//   bun steps/05-broadcast-loop/client.ts --port 9915
import { cli, flag, whole, type Parsed } from "../shared/plumbing/cli.ts";
import type { Conditions } from "./netsim/conditions.ts";
import { formatDirection } from "./netsim/counters.ts";
import { startTcpRelay, type StreamCounters, type TcpRelay } from "./netsim/tcp-relay.ts";
import { startUdpRelay, type Address, type UdpRelay } from "./netsim/udp-relay.ts";
import { listenOrExit } from "../shared/server/listen-or-exit.ts";

const flags = {
  to: flag("string", "", "the server, HOST:PORT (required)"),
  listen: flag("number", 0, "port the clients use instead (0 lets the OS choose)", whole(0, 65_535)),
  host: flag("string", "127.0.0.1", "address to listen on"),
  delay: flag("number", 0, "one-way delay in ms, each direction", { min: 0, max: 60_000 }),
  jitter: flag("number", 0, "extra random delay in ms, 0 to this, each direction", { min: 0, max: 60_000 }),
  loss: flag("number", 0, "percent of datagrams lost (TCP: delayed by a 200 ms retransmission)"),
  dup: flag("number", 0, "percent of datagrams duplicated (UDP only)"),
  reorder: flag("number", 0, "percent of datagrams held back so later ones overtake (UDP only)"),
  "reorder-by": flag("number", 50, "how long a reordered datagram is held back, ms", { min: 0, max: 60_000 }),
  seed: flag("number", 1, "seed of the random choices: same seed, same run", whole(0, 2 ** 32 - 1)),
  udp: flag("boolean", false, "relay UDP only"),
  tcp: flag("boolean", false, "relay TCP only (default: both)"),
  "no-rewrite": flag("boolean", false, "UDP: leave `CONNECTED <port>` alone (its dedicated port is then not relayed)"),
  stats: flag("number", 5, "print the counters every this many seconds when they changed (0: only on exit)", { min: 0, max: 86_400 }),
};

const options = cli({
  usage: "bun run netsim -- --to HOST:PORT [--listen PORT] [--delay MS] [--jitter MS] [--loss %] [--dup %] [--reorder %] [--udp|--tcp] [--seed N]",
  summary:
    "A UDP and TCP relay that adds delay, jitter, loss, duplication and reordering (seeded). Clients talk\n" +
    "to the relay's port instead of the server's. Ctrl-C prints the counters and stops.",
  flags,
});

function fail(text: string): never {
  console.error(`${text}\n(try --help)`);
  process.exit(2);
}

function parseTarget(text: string): Address {
  const match = /^(.+):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) fail(`--to expects HOST:PORT, got ${JSON.stringify(text)}`);
  return { hostname: match[1]!, port };
}

function conditionsFrom(o: Parsed<typeof flags>): Conditions {
  for (const name of ["loss", "dup", "reorder"] as const) {
    if (o[name] < 0 || o[name] > 100) fail(`--${name} is a percentage, 0 to 100`);
  }
  return {
    delayMs: o.delay,
    jitterMs: o.jitter,
    lossPercent: o.loss,
    duplicatePercent: o.dup,
    reorderPercent: o.reorder,
    reorderDelayMs: o["reorder-by"],
  };
}

const to = parseTarget(options.to);
const conditions = conditionsFrom(options);
const listen = { hostname: options.host, port: options.listen };
const wantUdp = options.udp || !options.tcp;
const wantTcp = options.tcp || !options.udp;

const udp: UdpRelay | undefined = wantUdp
  ? await listenOrExit(listen.hostname, listen.port, () => startUdpRelay({ to, listen, conditions, seed: options.seed, followConnected: !options["no-rewrite"] }), "--listen")
  : undefined;
const tcp: TcpRelay | undefined = wantTcp ? await listenOrExit(listen.hostname, listen.port, () => startTcpRelay({ to, listen, conditions, seed: options.seed }), "--listen") : undefined;

console.log(
  `netsim to ${to.hostname}:${to.port}: delay ${conditions.delayMs} ms + jitter 0-${conditions.jitterMs} ms each way, ` +
    `loss ${conditions.lossPercent}%, dup ${conditions.duplicatePercent}%, reorder ${conditions.reorderPercent}% ` +
    `(by ${conditions.reorderDelayMs} ms), seed ${options.seed}`,
);
if (udp !== undefined) console.log(`udp listening on ${udp.hostname}:${udp.port}`);
if (tcp !== undefined) console.log(`tcp listening on ${tcp.hostname}:${tcp.port}`);

const stream = (s: StreamCounters): string => `${s.bytes} B in ${s.chunks} chunks, ${s.retransmitted} retransmitted`;

function counters(): string {
  const lines: string[] = [];
  if (udp !== undefined) {
    const dedicated = [...udp.relayPorts()].slice(1).map(([server, relay]) => `${relay}->${server}`);
    lines.push(`udp up: ${formatDirection(udp.up)} | down: ${formatDirection(udp.down)} | ${udp.sendErrors} sends to a peer gone`);
    if (dedicated.length > 0) lines.push(`udp dedicated ports relayed: ${dedicated.join(" ")}`);
  }
  if (tcp !== undefined) {
    lines.push(
      `tcp ${tcp.connections.open} open / ${tcp.connections.accepted} accepted | up: ${stream(tcp.up)} | down: ${stream(tcp.down)}`,
    );
  }
  return lines.join("\n");
}

let printed = counters();
if (options.stats > 0) {
  setInterval(() => {
    const now = counters();
    if (now !== printed) console.log(now);
    printed = now;
  }, options.stats * 1000);
}

function stop(): void {
  console.log(counters());
  udp?.close();
  tcp?.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
