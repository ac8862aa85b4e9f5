// Clients that never read their replies, against step 03 (one connection per client, every message
// answered). Thirty of them join: half flood INPUTs as fast as the kernel takes them, half send at
// an honest pace. None reads a byte. Meanwhile an honest player plays. What must hold, whatever the
// machine's load: every non-reader is closed by the server (the flooders past --rate-limit, the
// others when our PING goes unanswered for --timeout, or when their replies pile up); what the
// server keeps queued for them stays under its bound; and every exchange of the honest player is
// answered with the state. Its latency is printed, not asserted.
import { afterAll, expect, test } from "bun:test";
import net from "node:net";
import { MessageConnection } from "../../shared/client/tcp-connection.ts";
import { MAX_QUEUED } from "../../shared/server/tcp-limits.ts";
import { moveRateFlag } from "../../shared/server/pace.ts";
import { encodeText } from "../../shared/wire/encoding.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { command } from "../helpers/tcp-game.ts";
import { rssKiB } from "./harness.ts";

afterAll(stopAll);

const SERVER = "steps/03-persistent-tcp-threads/server.ts";
const NON_READERS = 30;
const TIMEOUT_S = 2;
const PACE_MS = 1000 / moveRateFlag.default + 1;

interface NonReader {
  readonly socket: net.Socket;
  /** Resolves when the connection is closed (by the server: this client never closes it). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
}

/** A client from `localAddress` that joins as `name`, then never reads a byte. */
function nonReader(port: number, localAddress: string, name: string): Promise<NonReader> {
  return new Promise((resolve, reject) => {
    let done = false;
    const { promise: closed, resolve: close } = Promise.withResolvers<void>();
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () => {
      socket.write(encodeText(`CONNECT ${name} END`, "utf-16"));
      resolve({ socket, closed, isClosed: () => done });
    });
    socket.pause(); // never reads: the kernel's buffers fill, then the server's queue
    socket.on("close", () => {
      done = true;
      close();
    });
    socket.on("error", (e) => (done ? undefined : socket.connecting ? reject(e) : undefined));
  });
}

/** As fast as the kernel takes it, up to 8 MiB, until closed. */
async function flood(client: NonReader): Promise<void> {
  const chunk = encodeText("INPUT R END ".repeat(2000), "utf-16");
  for (let sent = 0; sent < 8 << 20 && !client.isClosed(); sent += chunk.length) {
    if (!client.socket.write(chunk)) await Promise.race([new Promise((r) => client.socket.once("drain", r)), client.closed, Bun.sleep(200)]);
  }
}

/** An honest pace of INPUTs (it just never reads the answers), until closed. */
async function polite(client: NonReader, until: Promise<unknown>): Promise<void> {
  let stop = false;
  void until.then(() => (stop = true));
  while (!client.isClosed() && !stop) {
    client.socket.write(encodeText("INPUT R END", "utf-16"));
    await Promise.race([Bun.sleep(PACE_MS), client.closed]);
  }
}

// As the server runs by default, and without --rate-limit: then the flooders are not cut off at once,
// they fill the kernel's buffers, and what the server queues for them is what stops them.
for (const [how, flags] of [["by default", []], ["without --rate-limit", ["--rate-limit", "0"]]] as const) {
  test(`03 ${how}: ${NON_READERS} clients that never read are closed, hold a bounded queue, and an honest player is answered all along`, async () => {
    const { server, port } = await startServer(SERVER, ["--timeout", String(TIMEOUT_S), ...flags]);
    const rssBefore = rssKiB(server.proc.pid);
    const echoPing = (text: string, c: MessageConnection) => text.startsWith("PING ") && (c.send(text), true);
    const honest = await MessageConnection.open("127.0.0.1", port, "utf-16", undefined, echoPing);
    honest.send("CONNECT Honest END");
    expect(await honest.next()).toBe("CONNECTED Honest END");

    const readers = await Promise.all(Array.from({ length: NON_READERS }, (_, i) => nonReader(port, `127.0.4.${2 + i}`, `Greedy${i}`)));
    // Every non-reader must be closed by the server, in time: a generous bound, ten times --timeout.
    const allClosed = Promise.all(readers.map((r) => r.closed));
    const closedInTime = Promise.race([allClosed.then(() => true), Bun.sleep(10 * TIMEOUT_S * 1000).then(() => false)]);
    let attackOver = false;
    void closedInTime.then(() => (attackOver = true));
    const attacks = readers.map((r, i) => (i % 2 === 0 ? flood(r) : polite(r, closedInTime)));

    // The honest player plays until every non-reader is gone, and at least 20 exchanges.
    const latencies: number[] = [];
    const problems: string[] = [];
    const playing = (async () => {
      for (let i = 0; (i < 20 || !attackOver) && i < 2000; i++) {
        const sent = performance.now();
        honest.send(`INPUT ${"LRUD"[i % 4]} END`);
        const reply = await honest.next();
        latencies.push(performance.now() - sent);
        if (reply === null || !reply.startsWith("STATE [") || !reply.includes("(Honest,")) problems.push(`exchange ${i}: ${reply?.slice(0, 80)}`);
        if (reply === null) return;
        await Bun.sleep(PACE_MS);
      }
    })();

    // What the server queues for its clients, sampled all along.
    const queued: number[] = [];
    while (!attackOver && queued.length < 300) {
      queued.push(Number((await command(server, "stats", /buffered \d+(?:, queued (\d+))?/))[1] ?? NaN));
      await Promise.race([closedInTime, Bun.sleep(100)]);
    }
    await playing;
    await Promise.all(attacks);
    for (const r of readers) r.socket.destroy();

    const rssGrowthMiB = (rssKiB(server.proc.pid) - rssBefore) / 1024;
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
    const log = server.output();
    const count = (pattern: RegExp) => (log.match(pattern) ?? []).length;
    const cut = { rate: count(/: sent more than \d+ messages a second/g), queueFull: count(/not reading its replies \(\d+ bytes waiting\)/g), queueStuck: count(/not reading its replies \(none taken/g), ping: count(/not reading \(our PING unanswered/g) };
    console.log(
      `03 non-readers ${how}: honest ${latencies.length} exchanges, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms; ` +
        `queued at most ${Math.max(...queued)} bytes over ${queued.length} samples; server RSS +${rssGrowthMiB.toFixed(1)} MiB; cut off: ${JSON.stringify(cut)}`,
    );

    expect({ everyNonReaderClosed: await closedInTime }).toEqual({ everyNonReaderClosed: true });
    expect(queued.filter((q) => !(q <= NON_READERS * MAX_QUEUED))).toEqual([]);
    expect(problems).toEqual([]);
    expect(cut.rate + cut.queueFull + cut.queueStuck + cut.ping).toBe(NON_READERS);
    const after = await command(server, "stats", /players (\d+), sockets (\d+).*queued (\d+)/);
    expect([after[1], after[2], after[3]]).toEqual(["1", "1", "0"]); // only the honest player is left
    honest.close();
  }, 60_000);
}
