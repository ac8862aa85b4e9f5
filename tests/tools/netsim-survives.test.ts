// A relay must outlive any one of its peers: a client that dies (its port unreachable, its
// connection reset) costs that client only, never the relay nor the other clients behind it.
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { startTcpRelay } from "../../tools/netsim/tcp-relay.ts";
import { startUdpRelay } from "../../tools/netsim/udp-relay.ts";
import { start } from "../helpers/processes.ts";
import { cleanUp, closeLater, decode, HOST, onCleanup, recordingUdpClient, text, waitUntil } from "../helpers/relay-test.ts";

afterEach(cleanUp);

/** A client socket that records what it hears. */
const udpClientSocket = () => recordingUdpClient((bytes) => decode(bytes));

describe("the UDP relay outlives a client that is gone", () => {
  test("replies to a closed client's port are counted, and the other client still gets its echoes", async () => {
    // A game server in miniature: it echoes each datagram, and with B's pings it also sends a state
    // to A, as a tick broadcasts to every client, whether A is still there or not.
    const upstreamOf = new Map<string, number>(); // relay port that speaks for each client (first word)
    const echo = closeLater(
      await Bun.udpSocket({
        hostname: HOST,
        binaryType: "uint8array",
        socket: {
          data(s, bytes, port, address) {
            const [who, what, n] = decode(bytes).split(" ");
            upstreamOf.set(who!, port);
            if (what === "ping") s.send(text(`A state ${n}`), upstreamOf.get("A")!, address);
            s.send(bytes, port, address);
          },
          error() {},
        },
      }),
    );
    const relay = closeLater(await startUdpRelay({ to: { hostname: HOST, port: echo.port }, conditions: { delayMs: 5 } }));
    const a = await udpClientSocket();
    const b = await udpClientSocket();
    a.socket.send(text("A hello"), relay.port, HOST);
    b.socket.send(text("B hello"), relay.port, HOST);
    await waitUntil(() => a.received.length === 1 && b.received.length === 1);
    expect([a.received, b.received]).toEqual([["A hello"], ["B hello"]]);

    // A dies (a client's kill -9): its port is closed. The relay sends A's state to that port, and
    // B's echo right after it, before it polls A's "port unreachable": Bun throws it from that send.
    a.socket.close();
    for (let i = 0; i < 5; i++) b.socket.send(text(`B ping ${i}`), relay.port, HOST);
    await waitUntil(() => b.received.length === 6 && relay.inFlight() === 0);
    // The relay is alive, and every echo reached B once: a send that failed because of A went again.
    expect(b.received).toEqual(["B hello", ...[0, 1, 2, 3, 4].map((i) => `B ping ${i}`)]);
    expect(relay.sendErrors).toBeGreaterThan(0);
  });

  test("a server that is gone is counted too, and once it is back the relay carries on", async () => {
    const gone = await Bun.udpSocket({ hostname: HOST });
    const port = gone.port;
    gone.close();
    const relay = closeLater(await startUdpRelay({ to: { hostname: HOST, port }, conditions: { delayMs: 2 } }));
    const client = await udpClientSocket();
    for (let i = 0; i < 5; i++) client.socket.send(text(`lost ${i}`), relay.port, HOST);
    await waitUntil(() => relay.up.received === 5 && relay.inFlight() === 0 && relay.sendErrors > 0);
    expect(relay.sendErrors).toBeGreaterThan(0);

    // The server restarts on the same port: the relay, still there, relays to it again.
    closeLater(
      await Bun.udpSocket({
        hostname: HOST,
        port,
        binaryType: "uint8array",
        socket: { data: (s, bytes, from, address) => void s.send(bytes, from, address), error() {} },
      }),
    );
    client.socket.send(text("back"), relay.port, HOST);
    await waitUntil(() => client.received.length === 1);
    expect(client.received).toEqual(["back"]);
  });

  test("`bun run netsim` stays up when its server is gone, and its summary counts the failed sends", async () => {
    const gone = await Bun.udpSocket({ hostname: HOST });
    const port = gone.port;
    gone.close();
    const netsim = start("tools/netsim.ts", ["--to", `${HOST}:${port}`, "--udp", "--delay", "2"]);
    const [, relayPort] = await netsim.waitFor(/udp listening on [\d.]+:(\d+)/);
    const client = await udpClientSocket();
    for (let i = 0; i < 5; i++) client.socket.send(text(`lost ${i}`), Number(relayPort), HOST);
    await Bun.sleep(100); // the relay sends them on after 2 ms; ICMP answers at once on loopback
    expect(netsim.proc.exitCode).toBeNull();
    expect(await netsim.stop()).toBe(0);
    expect(netsim.output()).toMatch(/udp up: 5 in, \d out, .* \| [1-9]\d* sends to a peer gone/);
  });
});

describe("the TCP relay outlives a connection that resets", () => {
  /** A server that streams to every connection and echoes what it hears. */
  function streamingServer() {
    const connections = new Set<Socket<undefined>>();
    const listener = Bun.listen({
      hostname: HOST,
      port: 0,
      socket: {
        open: (s) => void connections.add(s),
        data: (s, bytes) => void s.write(bytes),
        close: (s) => void connections.delete(s),
        error() {},
      },
    });
    const chunk = new Uint8Array(16 << 10).fill(0x2e);
    const timer = setInterval(() => {
      for (const s of connections) s.write(chunk);
    }, 2);
    onCleanup(() => {
      clearInterval(timer);
      listener.stop(true);
    });
    return { port: listener.port, connections };
  }

  async function client(port: number) {
    const got = { bytes: 0, text: "", closed: false };
    const socket = await Bun.connect({
      hostname: HOST,
      port,
      socket: {
        data(_s, bytes) {
          got.bytes += bytes.length;
          got.text += decode(bytes).replaceAll(".", ""); // the stream is dots: what is left is echoes
        },
        close: () => void (got.closed = true),
        error() {},
      },
    });
    onCleanup(() => socket.end());
    return { socket, got };
  }

  test("a client destroyed mid-stream closes its own pair only", async () => {
    const server = streamingServer();
    const relay = await startTcpRelay({ to: { hostname: HOST, port: server.port }, conditions: { delayMs: 3, jitterMs: 2 } });
    onCleanup(() => relay.close());
    const doomed = await client(relay.port);
    const survivor = await client(relay.port);
    await waitUntil(() => doomed.got.bytes > 100_000 && survivor.got.bytes > 100_000);

    // Closed with unread bytes waiting: the kernel answers the relay's next writes with a reset.
    doomed.socket.pause();
    await Bun.sleep(30);
    doomed.socket.terminate();
    await waitUntil(() => relay.connections.open === 1 && server.connections.size === 1);
    expect(relay.connections.open).toBe(1);
    expect(server.connections.size).toBe(1);

    // The survivor still streams and is still heard: the relay goes on.
    const before = survivor.got.bytes;
    survivor.socket.write("STILL HERE");
    await waitUntil(() => survivor.got.text.includes("STILL HERE") && survivor.got.bytes > before + 100_000);
    expect(survivor.got.text).toContain("STILL HERE");
    expect(survivor.got.closed).toBe(false);
  });

  test("a server connection that resets closes its own client only", async () => {
    const server = streamingServer();
    const relay = await startTcpRelay({ to: { hostname: HOST, port: server.port }, conditions: { delayMs: 3 } });
    onCleanup(() => relay.close());
    const doomed = await client(relay.port);
    await waitUntil(() => server.connections.size === 1);
    const [first] = server.connections;
    const survivor = await client(relay.port);
    await waitUntil(() => server.connections.size === 2 && survivor.got.bytes > 50_000);

    doomed.socket.write(new Uint8Array(64 << 10)); // unread by the server when it goes: a reset
    first!.terminate();
    await waitUntil(() => doomed.got.closed);
    expect(doomed.got.closed).toBe(true);

    const before = survivor.got.bytes;
    survivor.socket.write("STILL HERE");
    await waitUntil(() => survivor.got.text.includes("STILL HERE") && survivor.got.bytes > before + 100_000);
    expect(survivor.got.text).toContain("STILL HERE");
    expect(survivor.got.closed).toBe(false);
    expect(relay.connections.open).toBe(1);
  });
});
