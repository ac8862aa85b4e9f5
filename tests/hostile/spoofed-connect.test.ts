// A spoofed CONNECT. Anyone can write a victim's address as the source of a UDP datagram, and the
// server answers that address. The victim here is a socket that sends one `CONNECT Zyno END` (16
// bytes) and never says another word, as a forged address would not: it never saw the welcome.
// - Step 04 keeps the article's handshake: the victim gets the welcome, about 20 times the
//   request (its lesson says so; step 10 puts a challenge first).
// - From step 05 on, the welcome is all it gets: the server streams nothing to an address until
//   that address echoes the number its welcome carried (`PING <proof>` on the dedicated port).
// The first test of each step prints what the victim received against what it sent (and
// `bun run hostile` puts it in docs/hostile-results.md).
import { afterEach, describe, expect, test } from "bun:test";
import { ignoreUnreachable } from "../../steps/04-udp-dedicated-ports/port-pool.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { expectEventually } from "../helpers/udp.ts";
import { baseline, crashes, leftovers, recordResult, type Target } from "./harness.ts";

const STEPS = ["04-udp-dedicated-ports", "05-broadcast-loop", "06-client-prediction", "07-haunted-chronicles", "08-lag-compensation", "09-delta-snapshots"];
/** How long the victim listens after its welcome: 30 ticks of a step that streams. */
const LISTEN_MS = 1000;
const CONNECT = "CONNECT Zyno END";

const sockets: { close(): void }[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await stopAll();
});

/** A UDP socket that keeps every datagram it receives, with the port it came from. */
async function victim() {
  const received: { text: string; bytes: number; from: number }[] = [];
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    binaryType: "uint8array",
    socket: {
      data: (_s, bytes, from) => void received.push({ text: new TextDecoder().decode(bytes), bytes: bytes.length, from }),
      error: ignoreUnreachable,
    },
  });
  sockets.push(socket);
  const send = (text: string, port: number) => void socket.send(new TextEncoder().encode(text), port, "127.0.0.1");
  return { received, send };
}

/** Sends one CONNECT, waits for the welcome, then listens LISTEN_MS more; returns all that came. */
async function spoofedConnect(port: number) {
  const v = await victim();
  v.send(CONNECT, port);
  await expectEventually("the welcome (seen: datagrams received)", () => v.received.length, (n) => n > 0, 5000, 10);
  await Bun.sleep(LISTEN_MS);
  const bytesOut = v.received.reduce((sum, r) => sum + r.bytes, 0);
  const ratio = bytesOut / new TextEncoder().encode(CONNECT).length;
  return { ...v, bytesOut, ratio };
}

describe("a spoofed CONNECT: what an address that never answers receives", () => {
  for (const step of STEPS) {
    test(`${step}: the one welcome, and nothing after it within ${LISTEN_MS} ms; the forged join times out`, async () => {
      const target: Target = { step, transport: "udp", dialect: step.startsWith("04") ? "request" : "sequenced", console: true };
      const { server, port } = await startServer(`steps/${step}/server.ts`, ["--timeout", "2"]);
      const base = await baseline(target, server);
      const got = await spoofedConnect(port);
      const figures = `one ${CONNECT.length}-byte CONNECT drew ${got.received.length} datagram(s), ${got.bytesOut} bytes in ${LISTEN_MS} ms: ${got.ratio.toFixed(1)}x what it sent`;
      console.log(`${step}: ${figures}`);
      expect(got.received.map((r) => r.text.split(" ")[0])).toEqual(["CONNECTED"]);
      // The forged player holds a port and a square until its timeout, then nothing is left.
      const leaks = await leftovers(target, server, base);
      expect(leaks).toEqual([]);
      // Step 04 says goodbye to the victim too; from 05 the timeout's DISCONNECTED is not sent either.
      if (!step.startsWith("04")) expect(got.received.length).toBe(1);
      await recordResult({ step, attack: "spoofed CONNECT, never answered", sent: 1, crashes: crashes(server).length, leaks: leaks.length, refused: 0, honest: 0, note: figures });
    }, 15_000);
  }

  for (const step of STEPS.slice(1)) {
    test(`${step}: a wrong number proves nothing; the welcome's own number, echoed, starts the game`, async () => {
      const { port } = await startServer(`steps/${step}/server.ts`);
      const v = await victim();
      v.send(CONNECT, port);
      const welcome = await expectEventually("the welcome (seen: datagrams received)", () => v.received[0]?.text, (t) => t !== undefined, 5000, 10);
      const [, dedicated, proof] = /^CONNECTED (\d+) Zyno .* PROOF (\d+) END$/s.exec(welcome!) ?? [];
      expect(proof).toBeDefined();
      const wrong = (Number(proof) + 1) % 2 ** 31;
      v.send(`PING ${wrong} END INPUT R SEQ 1 END`, Number(dedicated));
      await Bun.sleep(300);
      expect(v.received.length).toBe(1); // still only the welcome: no echo, no refusal, no state

      v.send(`PING ${proof} END`, Number(dedicated));
      // Its echo first, then the ticks (text STATEs; step 09's are binary).
      await expectEventually("the echo and a tick after the proof (seen: datagrams received)", () => v.received.length, (n) => n >= 3, 3000, 10);
      expect(v.received[1]).toMatchObject({ text: `PING ${proof} END`, from: Number(dedicated) });
      expect(v.received[2]!.from).toBe(Number(dedicated));
    }, 15_000);

    test(`${step}: datagrams without the number do not keep a forged join alive`, async () => {
      const target: Target = { step, transport: "udp", dialect: "sequenced", console: true };
      const { server, port } = await startServer(`steps/${step}/server.ts`, ["--timeout", "2"]);
      const base = await baseline(target, server);
      const v = await victim();
      v.send(CONNECT, port);
      const welcome = await expectEventually("the welcome (seen: datagrams received)", () => v.received[0]?.text, (t) => t !== undefined, 5000, 10);
      const dedicated = Number(/^CONNECTED (\d+) /.exec(welcome!)?.[1]);
      // Inputs and pings, five a second, for longer than the timeout: none of them is the proof.
      let seq = 0;
      const chatter = setInterval(() => v.send(`INPUT R SEQ ${++seq} END PING ${seq} END`, dedicated), 200);
      try {
        const timedOut = () => /Zyno \([\d.:]+\) timed out/.test(server.output());
        await expectEventually("the server to log that Zyno timed out (seen: whether it did)", timedOut, (yes) => yes, 5000);
      } finally {
        clearInterval(chatter);
      }
      expect(await leftovers(target, server, base)).toEqual([]);
      expect(v.received.length).toBe(1);
    }, 15_000);
  }
});
