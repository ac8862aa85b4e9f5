// What the network simulator itself costs, with perfect conditions: the extra round-trip time of a
// datagram through the relay, and how many datagrams / bytes per second it can carry.
// The relay runs as its own process (tools/netsim.ts), as a learner runs it. `bun bench/netsim.ts`
import type { Subprocess } from "bun";
import { Writer } from "../tools/netsim/writer.ts";

const HOST = "127.0.0.1";

async function startNetsim(to: number, protocol: "--udp" | "--tcp"): Promise<{ proc: Subprocess; port: number }> {
  const proc = Bun.spawn(["bun", "tools/netsim.ts", "--to", `${HOST}:${to}`, protocol, "--stats", "0"], { stdout: "pipe", stderr: "inherit" });
  const decoder = new TextDecoder();
  let out = "";
  for await (const chunk of proc.stdout) {
    out += decoder.decode(chunk);
    const m = /listening on [\d.]+:(\d+)/.exec(out);
    if (m) return { proc, port: Number(m[1]) };
  }
  throw new Error(`netsim did not start: ${out}`);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** Round trips of a 32-byte datagram to an echo socket at `port`, one at a time; µs p50/p99. */
async function udpPingPong(port: number, count: number): Promise<{ p50: number; p99: number }> {
  let resolve = () => {};
  const client = await Bun.udpSocket({ hostname: HOST, socket: { data: () => resolve(), error() {} } });
  const payload = new Uint8Array(32);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const back = new Promise<void>((r) => (resolve = r));
    const start = performance.now();
    client.send(payload, port, HOST);
    await Promise.race([back, Bun.sleep(200)]); // a datagram lost on loopback must not hang the bench
    times.push((performance.now() - start) * 1000);
  }
  client.close();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/** Datagrams per second that reach a sink through `port`, sent in bursts for `ms`; and the share lost. */
async function udpThroughput(port: number, sink: { received: number }, ms: number): Promise<{ perSecond: number; lost: number }> {
  const client = await Bun.udpSocket({ hostname: HOST, socket: { error() {} } });
  const burst = Array.from({ length: 32 }, () => [new Uint8Array(32), port, HOST]).flat();
  const before = sink.received;
  let sent = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    sent += client.sendMany(burst);
    await Bun.sleep(0); // let the relay's process and the sink breathe: a paced sender, not a flood
  }
  await Bun.sleep(200);
  client.close();
  const received = sink.received - before;
  return { perSecond: (received * 1000) / ms, lost: 1 - received / sent };
}

/** MB/s echoed back over one TCP connection to `port`. */
async function tcpEcho(port: number, bytes: number): Promise<number> {
  const writer = new Writer();
  const done = Promise.withResolvers<void>();
  let received = 0;
  const socket = await Bun.connect({
    hostname: HOST,
    port,
    socket: { data: (_s, d) => void ((received += d.length) >= bytes && done.resolve()), drain: () => writer.flush() },
  });
  writer.attach(socket);
  const start = performance.now();
  for (let sent = 0; sent < bytes; sent += 1 << 20) writer.write(new Uint8Array(1 << 20));
  await done.promise;
  const seconds = (performance.now() - start) / 1000;
  socket.end();
  return bytes / 1e6 / seconds;
}

const echo = await Bun.udpSocket({ hostname: HOST, socket: { data: (s, b, p, a) => void s.send(b, p, a), error() {} } });
const sink = { received: 0 };
const sinkSocket = await Bun.udpSocket({ hostname: HOST, socket: { data: () => void sink.received++, error() {} } });
const tcpServer = Bun.listen<Writer>({
  hostname: HOST,
  port: 0,
  socket: {
    open(s) {
      s.data = new Writer();
      s.data.attach(s);
    },
    data: (s, d) => s.data.write(d),
    drain: (s) => s.data.flush(),
  },
});

const udpEcho = await startNetsim(echo.port, "--udp");
const udpSink = await startNetsim(sinkSocket.port, "--udp");
const tcpRelay = await startNetsim(tcpServer.port, "--tcp");
try {
  const direct = await udpPingPong(echo.port, 5000);
  const relayed = await udpPingPong(udpEcho.port, 5000);
  console.log(`UDP round trip, 32 B:  direct p50 ${direct.p50.toFixed(0)} µs p99 ${direct.p99.toFixed(0)} µs | through netsim p50 ${relayed.p50.toFixed(0)} µs p99 ${relayed.p99.toFixed(0)} µs`);
  console.log(`  => relay cost per datagram (one way, p50): ${((relayed.p50 - direct.p50) / 2).toFixed(0)} µs`);
  const directRate = await udpThroughput(sinkSocket.port, sink, 2000);
  const relayRate = await udpThroughput(udpSink.port, sink, 2000);
  const k = (n: number) => `${(n / 1000).toFixed(0)}k/s`;
  console.log(`UDP one way, 32 B:  direct ${k(directRate.perSecond)} (${(directRate.lost * 100).toFixed(1)}% lost) | through netsim ${k(relayRate.perSecond)} (${(relayRate.lost * 100).toFixed(1)}% lost)`);
  const directTcp = await tcpEcho(tcpServer.port, 64 << 20);
  const relayTcp = await tcpEcho(tcpRelay.port, 64 << 20);
  console.log(`TCP echo, 64 MiB:  direct ${directTcp.toFixed(0)} MB/s | through netsim ${relayTcp.toFixed(0)} MB/s`);
} finally {
  for (const p of [udpEcho, udpSink, tcpRelay]) p.proc.kill();
  echo.close();
  sinkSocket.close();
  tcpServer.stop(true);
}
