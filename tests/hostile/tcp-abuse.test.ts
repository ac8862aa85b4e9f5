// Slow and greedy TCP clients against steps 01-03: one that connects and says nothing, one that
// sends a byte every quarter second (slowloris), one that floods without ever reading its replies
// (backpressure), and more connections than --max-connections. None may stall the honest player,
// each must be closed by the server, and the server's memory must stay bounded.
import { afterAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { encodeText, streamDecoder } from "../../shared/wire/encoding.ts";
import { stopAll } from "../helpers/processes.ts";
import { attackerAddress } from "./fuzzers.ts";
import { baseline, crashes, leftovers, randomFor, recordResult, rssKiB, serverStats, startTarget, tcpTargets } from "./harness.ts";
import { startHonest } from "./honest.ts";

afterAll(stopAll);

const TIMEOUT_S = 1;
const MAX_CONNECTIONS = 24;
/** Moves the honest player makes, each checked against the simulation, however long they take. */
const HONEST_MOVES = 20;

interface Raw {
  readonly socket: net.Socket;
  /** Resolves with the milliseconds the connection lived, once it is closed (by either side). */
  readonly closed: Promise<number>;
  received(): string;
}

function raw(port: number, localAddress: string, read = true): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const decode = streamDecoder("utf-16");
    let text = "";
    const opened = performance.now();
    const { promise: closed, resolve: close } = Promise.withResolvers<number>();
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () => resolve({ socket, closed, received: () => text }));
    if (read) socket.on("data", (bytes: Buffer) => (text += decode(bytes)));
    else socket.pause(); // never reads: the kernel's buffers fill up, then the server's writes fail
    socket.on("close", () => close(performance.now() - opened));
    socket.on("error", (e) => reject(e));
  });
}

/** Writes `bytes` over and over, up to `total` bytes, without reading anything back; stops when
 *  the server closes the connection. Returns the bytes written. */
async function floodWithoutReading(client: Raw, bytes: Uint8Array, total: number): Promise<number> {
  const chunk = Buffer.concat(Array.from({ length: Math.ceil(65_536 / bytes.length) }, () => bytes));
  let written = 0;
  let closed = false;
  void client.closed.then(() => (closed = true));
  while (written < total && !closed) {
    const flushed = client.socket.write(chunk);
    written += chunk.length;
    // Wait for the kernel to take it, but not for ever: a server that stopped reading is the point.
    if (!flushed) await Promise.race([new Promise((r) => client.socket.once("drain", r)), client.closed, Bun.sleep(500)]);
  }
  return written;
}

describe("slow and greedy TCP clients", () => {
  for (const target of tcpTargets) {
    test(`${target.step}: idle, slowloris and non-reading clients are closed; past --max-connections SERVER_FULL`, async () => {
      const { server, port } = await startTarget(target, ["--timeout", String(TIMEOUT_S), "--max-connections", String(MAX_CONNECTIONS)]);
      const base = await baseline(target, server);
      const rssBefore = rssKiB(server.proc.pid);
      const honest = await startHonest(target, port, "Honest1", randomFor(target, "abuse honest"));

      const idle = await raw(port, attackerAddress(1));
      const slow = await raw(port, attackerAddress(2));
      const slowBytes = encodeText("CONNECT Slowpoke END", "utf-16");
      const dribble = (async () => {
        for (let i = 0; i < slowBytes.length && !slow.socket.destroyed; i++) {
          slow.socket.write(slowBytes.subarray(i, i + 1));
          await Promise.race([Bun.sleep(250), slow.closed]);
        }
      })();
      // The non-reader: step 03 answers every message, so a flood of them piles up replies.
      const greedy = await raw(port, attackerAddress(3), false);
      const flood = encodeText("INPUT R END ".repeat(64), "utf-16");
      const flooded = await floodWithoutReading(greedy, flood, target.step.startsWith("03") ? 64 << 20 : 1 << 20);

      const limit = (TIMEOUT_S + 2) * 1000;
      expect(await Promise.race([idle.closed, Bun.sleep(limit).then(() => -1)])).toBeGreaterThan(0);
      expect(await Promise.race([slow.closed, Bun.sleep(limit).then(() => -1)])).toBeGreaterThan(0);
      expect(await Promise.race([greedy.closed, Bun.sleep(limit).then(() => -1)])).toBeGreaterThan(0);
      await dribble;
      const rssGrowthKiB = rssKiB(server.proc.pid) - rssBefore;

      if (target.dialect === "connection") {
        // Thousands of refusals to the flooder, and the log says so in a few lines, not thousands.
        await server.waitFor(/… and [\d,]+ more from 127\.0\.1\.5 in the last second/);
        expect(server.output().split("\n").filter((l) => l.includes("127.0.1.5")).length).toBeLessThan(50);
      }
      // It played all along, and every answer was checked; it plays on, if it must, until it has
      // made HONEST_MOVES moves: a number of moves, not a number reached within some time.
      const report = await honest.stop(HONEST_MOVES);

      // The cap: fill every connection, and one more is told why it is turned away.
      const fillers = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, (_, i) => raw(port, attackerAddress(10 + i))));
      await Bun.sleep(50);
      const extra = await raw(port, attackerAddress(9));
      await Promise.race([extra.closed, Bun.sleep(2000)]);
      expect(extra.received().trim()).toBe("ERROR SERVER_FULL END");
      await server.waitFor(/SERVER_FULL: \d+ connections open, --max-connections is 24/);
      for (const f of fillers) f.socket.destroy();

      const crashed = crashes(server);
      const leaks = await leftovers(target, server, base);
      // On a leak, the kernel's view of the server's connections tells a socket left open from a count left wrong.
      if (leaks.length > 0) console.log(Bun.spawnSync(["ss", "-tnai", `( sport = :${port} or dport = :${port} )`]).stdout.toString());
      const stats = target.console ? await serverStats(server) : {};
      console.log(`${target.step} slow clients: flooded ${flooded} bytes unread, server RSS +${rssGrowthKiB} KiB, honest checked ${report.checked}`);
      await recordResult({
        step: target.step,
        attack: "idle, slowloris, non-reader, over the cap",
        sent: Math.round(flooded / 24), // messages of the flood (INPUT R END in UTF-16)
        crashes: crashed.length,
        leaks: leaks.length,
        refused: 4, // idle, slowloris and non-reader closed; the newcomer past the cap turned away
        honest: report.checked,
        note: `RSS +${Math.round(rssGrowthKiB / 1024)} MiB after ${Math.round(flooded / 2 ** 20)} MiB unread`,
      });
      expect(crashed).toEqual([]);
      expect(report.problems).toEqual([]);
      expect(report.checked).toBeGreaterThanOrEqual(HONEST_MOVES);
      expect(leaks).toEqual([]);
      expect(stats.buffered ?? 0).toBe(0);
      expect(rssGrowthKiB).toBeLessThan(64 * 1024);
    }, 20_000);
  }
});
