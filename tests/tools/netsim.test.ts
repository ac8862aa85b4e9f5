// The network simulator's relays, with real sockets on 127.0.0.1: what goes in comes out (or not)
// as the conditions say, and the relay's counters agree with what the ends saw.
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket, udp } from "bun";
import { startTcpRelay, type TcpRelay } from "../../tools/netsim/tcp-relay.ts";
import { startUdpRelay, type UdpRelay } from "../../tools/netsim/udp-relay.ts";
import { Writer } from "../../tools/netsim/writer.ts";
import { run, start } from "../helpers/processes.ts";
import { cleanUp, closeLater, decode, HOST, onCleanup, recordingUdpClient, text, waitUntil } from "../helpers/relay-test.ts";

// Everything a test opens is closed after it, even when it fails.
afterEach(cleanUp);

interface Received {
  readonly text: string;
  readonly at: number;
  readonly port: number;
}

/** A UDP socket that answers every datagram with the same bytes, and counts them. */
async function udpEchoServer() {
  const heard: string[] = [];
  const socket = await Bun.udpSocket({
    hostname: HOST,
    binaryType: "uint8array",
    socket: {
      data(s, bytes, port, address) {
        heard.push(decode(bytes));
        s.send(bytes, port, address);
      },
      error() {},
    },
  });
  return { socket: closeLater(socket), heard };
}

/** A UDP client that records what it receives, when, and from which port. */
const udpClient = () => recordingUdpClient((bytes, port): Received => ({ text: decode(bytes), at: performance.now(), port }));

/** Sends `count` numbered datagrams through the relay to an echo server, and waits until the relay is idle. */
async function echoThrough(conditions: Parameters<typeof startUdpRelay>[0]["conditions"], count: number, seed = 1) {
  const server = await udpEchoServer();
  const relay: UdpRelay = closeLater(await startUdpRelay({ to: { hostname: HOST, port: server.socket.port }, conditions, seed }));
  const client = await udpClient();
  const sentAt: number[] = [];
  for (let i = 0; i < count; i++) {
    sentAt.push(performance.now());
    client.socket.send(text(`PING ${i} END`), relay.port, HOST);
  }
  await waitUntil(
    () =>
      relay.up.received === count &&
      relay.inFlight() === 0 &&
      server.heard.length === relay.up.delivered &&
      relay.down.received === server.heard.length && // the server answers each datagram once
      client.received.length === relay.down.delivered,
  );
  const order = client.received.map((r) => Number(r.text.split(" ")[1]));
  return { relay, server, client, sentAt, order };
}

describe("UDP relay", () => {
  test("without loss everything comes back, in order, each way delayed at least by the delay", async () => {
    const { relay, server, client, sentAt, order } = await echoThrough({ delayMs: 30, jitterMs: 10 }, 50);
    expect(server.heard.length).toBe(50);
    expect(client.received.length).toBe(50);
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    client.received.forEach((r, i) => expect(r.at - sentAt[i]!).toBeGreaterThanOrEqual(2 * 30));
    expect(relay.up).toEqual({ received: 50, delivered: 50, lost: 0, duplicated: 0, reordered: 0 });
    expect(relay.down).toEqual({ received: 50, delivered: 50, lost: 0, duplicated: 0, reordered: 0 });
  });

  test("with 30% loss some are lost, and the relay's counters match what the ends saw", async () => {
    const { relay, server, client } = await echoThrough({ lossPercent: 30 }, 200, 42);
    expect(relay.up.received).toBe(200);
    expect(server.heard.length).toBe(200 - relay.up.lost);
    expect(relay.down.received).toBe(server.heard.length);
    expect(client.received.length).toBe(server.heard.length - relay.down.lost);
    expect(relay.up.lost / 200).toBeGreaterThan(0.2);
    expect(relay.up.lost / 200).toBeLessThan(0.4);
    // Seeded: the same datagrams are lost on every run.
    expect([relay.up.lost, relay.down.lost]).toEqual([62, 36]);
  });

  test("the same seed loses the same datagrams", async () => {
    const first = await echoThrough({ lossPercent: 30 }, 100, 9);
    const second = await echoThrough({ lossPercent: 30 }, 100, 9);
    expect(second.server.heard).toEqual(first.server.heard);
    expect(second.order).toEqual(first.order);
  });

  test("with duplication some datagrams arrive twice", async () => {
    const { relay, client, order } = await echoThrough({ duplicatePercent: 20 }, 100);
    expect(relay.up.duplicated + relay.down.duplicated).toBeGreaterThan(0);
    expect(client.received.length).toBe(relay.down.delivered);
    expect(client.received.length).toBeGreaterThan(100);
    expect(new Set(order).size).toBe(100);
  });

  test("with reordering some datagrams are overtaken", async () => {
    const { relay, client, order } = await echoThrough({ reorderPercent: 20, reorderDelayMs: 30 }, 100);
    expect(relay.up.reordered + relay.down.reordered).toBeGreaterThan(0);
    expect(client.received.length).toBe(100);
    const overtaken = order.filter((n, i) => order.slice(0, i).some((earlier) => earlier > n));
    expect(overtaken.length).toBeGreaterThan(0);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  test("CONNECTED <port>: the client is sent to a relay port that leads to the dedicated socket", async () => {
    // A fake game server: the main port welcomes, the dedicated port answers what it hears.
    const heardOnDedicated: { text: string; from: string }[] = [];
    const heardOnMain: string[] = [];
    const dedicated = closeLater(
      await Bun.udpSocket({
        hostname: HOST,
        binaryType: "uint8array",
        socket: {
          data(s, bytes, port, address) {
            heardOnDedicated.push({ text: decode(bytes), from: `${address}:${port}` });
            s.send(text(`STATE [] END`), port, address);
          },
          error() {},
        },
      }),
    );
    const welcome = `CONNECTED ${dedicated.port} Zyno (800,600) WALLS [] STATE [] END`;
    const main = closeLater(
      await Bun.udpSocket({
        hostname: HOST,
        binaryType: "uint8array",
        socket: {
          data(s, _bytes, port, address) {
            heardOnMain.push(`${address}:${port}`);
            s.send(text(welcome), port, address);
          },
          error() {},
        },
      }),
    );
    const relay = closeLater(await startUdpRelay({ to: { hostname: HOST, port: main.port }, conditions: { delayMs: 10 } }));
    const client = await udpClient();

    client.socket.send(text("CONNECT Zyno END"), relay.port, HOST);
    await waitUntil(() => client.received.length === 1);
    const reply = client.received[0]!;
    const relayPort = relay.relayPorts().get(dedicated.port);
    expect(relayPort).toBeDefined();
    expect(relayPort).not.toBe(dedicated.port);
    expect(reply.text).toBe(welcome.replace(String(dedicated.port), String(relayPort)));
    expect(reply.port).toBe(relay.port);

    client.socket.send(text("INPUT L SEQ 1 END"), relayPort!, HOST);
    await waitUntil(() => client.received.length === 2);
    expect(heardOnDedicated.map((h) => h.text)).toEqual(["INPUT L SEQ 1 END"]);
    // The server sees the same address for this client on both ports, as without the relay.
    expect(heardOnDedicated[0]!.from).toBe(heardOnMain[0]!);
    expect(client.received[1]).toMatchObject({ text: "STATE [] END", port: relayPort });
  });
});

/** A TCP server that echoes every byte and remembers its connections' fates. */
function tcpEchoServer(closeAfterBytes = Infinity) {
  const events = { opened: 0, closed: 0, heard: "" };
  const listener = Bun.listen<{ writer: Writer; seen: number }>({
    hostname: HOST,
    port: 0,
    socket: {
      open(s) {
        events.opened++;
        s.data = { writer: new Writer(), seen: 0 };
        s.data.writer.attach(s);
      },
      data(s, bytes) {
        s.data.writer.write(bytes);
        if (events.heard.length < 100) events.heard += decode(bytes);
        s.data.seen += bytes.length;
        if (s.data.seen >= closeAfterBytes) s.data.writer.end();
      },
      drain: (s) => s.data.writer.flush(),
      close: () => void events.closed++,
      error() {},
    },
  });
  return { listener: closeLater(listener), events };
}

/** A TCP client that collects what it receives and notices when the connection closes. */
async function tcpClient(port: number) {
  const chunks: Uint8Array[] = [];
  const closed = { value: false };
  const writer = new Writer();
  const socket: Socket<undefined> = await Bun.connect({
    hostname: HOST,
    port,
    socket: {
      data: (_s, bytes) => void chunks.push(bytes),
      drain: () => writer.flush(),
      close: () => void (closed.value = true),
      error() {},
    },
  });
  writer.attach(socket);
  onCleanup(() => socket.end());
  const receivedBytes = () => chunks.reduce((n, c) => n + c.length, 0);
  return { socket, writer, chunks, closed, receivedBytes };
}

/** `length` bytes counting 0, 1, ... 250, 0, 1, ...: a misplaced byte shows. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  const block = Uint8Array.from({ length: 251 }, (_, i) => i);
  for (let at = 0; at < length; at += block.length) bytes.set(block.subarray(0, Math.min(block.length, length - at)), at);
  return bytes;
}

describe("TCP relay", () => {
  test("every byte comes back in order despite jitter and 'lost' segments, at least twice the delay late", async () => {
    const server = tcpEchoServer();
    const relay: TcpRelay = closeLater(
      await startTcpRelay({ to: { hostname: HOST, port: server.listener.port }, conditions: { delayMs: 20, jitterMs: 15, lossPercent: 10 } }),
    );
    const client = await tcpClient(relay.port);
    const data = pattern(300_000);
    const start = performance.now();
    for (let at = 0; at < data.length; at += 1000 + (at % 7000)) client.writer.write(data.subarray(at, at + 1000 + (at % 7000)));
    await waitUntil(() => client.receivedBytes() >= data.length, 10_000);
    expect(performance.now() - start).toBeGreaterThanOrEqual(2 * 20);
    expect(Buffer.concat(client.chunks).equals(data)).toBe(true);
    expect(relay.up.bytes).toBe(data.length);
    expect(relay.down.bytes).toBe(data.length);
    expect(relay.up.retransmitted + relay.down.retransmitted).toBeGreaterThan(0);
  });

  test("a big transfer goes through whole: the relay pauses the sender while too much waits", async () => {
    const server = tcpEchoServer();
    const relay = closeLater(await startTcpRelay({ to: { hostname: HOST, port: server.listener.port }, conditions: { delayMs: 5 } }));
    const client = await tcpClient(relay.port);
    const data = pattern(16 << 20);
    client.writer.write(data);
    await waitUntil(() => client.receivedBytes() >= data.length, 20_000);
    expect(client.receivedBytes()).toBe(data.length);
    expect(Buffer.concat(client.chunks).equals(data)).toBe(true);
    expect(relay.up.paused).toBeGreaterThan(0);
  });

  test("the client closing closes the server's side, after the last bytes", async () => {
    const server = tcpEchoServer();
    const relay = closeLater(await startTcpRelay({ to: { hostname: HOST, port: server.listener.port }, conditions: { delayMs: 10 } }));
    const client = await tcpClient(relay.port);
    await waitUntil(() => server.events.opened === 1);
    client.writer.write(text("BYE"));
    client.writer.end();
    await waitUntil(() => server.events.closed === 1);
    expect(server.events.closed).toBe(1);
    expect(server.events.heard).toBe("BYE");
    await waitUntil(() => relay.connections.open === 0);
    expect(relay.connections).toEqual({ accepted: 1, open: 0 });
  });

  test("the server closing closes the client's side, after the last bytes", async () => {
    const server = tcpEchoServer(5);
    const relay = closeLater(await startTcpRelay({ to: { hostname: HOST, port: server.listener.port }, conditions: { delayMs: 10 } }));
    const client = await tcpClient(relay.port);
    client.writer.write(text("HELLO"));
    await waitUntil(() => client.closed.value);
    expect(client.closed.value).toBe(true);
    expect(decode(Buffer.concat(client.chunks))).toBe("HELLO");
  });

  test("with no server behind, the client's connection is closed", async () => {
    const nobody = tcpEchoServer();
    const port = nobody.listener.port;
    nobody.listener.stop(true);
    const relay = closeLater(await startTcpRelay({ to: { hostname: HOST, port } }));
    const client = await tcpClient(relay.port);
    await waitUntil(() => client.closed.value);
    expect(client.closed.value).toBe(true);
  });
});

describe("bun run netsim", () => {
  test("relays UDP, says where it listens, and prints its counters when stopped", async () => {
    const server = await udpEchoServer();
    const netsim = start("tools/netsim.ts", ["--to", `${HOST}:${server.socket.port}`, "--udp", "--delay", "5", "--seed", "3"]);
    const [, port] = await netsim.waitFor(/udp listening on [\d.]+:(\d+)/);
    expect(netsim.output()).not.toContain("tcp listening");
    const client = await udpClient();
    client.socket.send(text("PING 1 END"), Number(port), HOST);
    await waitUntil(() => client.received.length === 1);
    expect(client.received.map((r) => r.text)).toEqual(["PING 1 END"]);
    expect(await netsim.stop()).toBe(0);
    expect(netsim.output()).toContain("udp up: 1 in, 1 out, 0 lost, 0 dup, 0 reordered | down: 1 in, 1 out");
  });

  test("relays TCP with --tcp", async () => {
    const server = tcpEchoServer();
    const netsim = start("tools/netsim.ts", ["--to", `${HOST}:${server.listener.port}`, "--tcp"]);
    const [, port] = await netsim.waitFor(/tcp listening on [\d.]+:(\d+)/);
    const client = await tcpClient(Number(port));
    client.writer.write(text("HELLO"));
    await waitUntil(() => client.receivedBytes() === 5);
    expect(decode(Buffer.concat(client.chunks))).toBe("HELLO");
  });

  test("--help explains the flags; a bad value stops with one clear line", async () => {
    const help = await run("tools/netsim.ts", ["--help"]);
    expect(help.code).toBe(0);
    for (const name of ["--to", "--listen", "--delay", "--jitter", "--loss", "--dup", "--reorder", "--seed", "--udp", "--tcp"]) {
      expect(help.stdout).toContain(name);
    }
    const bad = await run("tools/netsim.ts", ["--to", "nowhere"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--to expects HOST:PORT");
    const percent = await run("tools/netsim.ts", ["--to", "127.0.0.1:9", "--loss", "120"]);
    expect(percent.code).toBe(2);
    expect(percent.stderr).toContain("--loss is a percentage");
  });
});
