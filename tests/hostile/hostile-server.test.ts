// The other way round: a hostile (or buggy) SERVER against a real client. A client must treat what
// it receives as untrusted: a square far larger than the map once froze a step-06 client at 100% CPU
// (its prediction enumerated every grid cell the square covered) until it was killed. Here a fake
// server, a plain UDP socket in the test, welcomes the real client and then sends such states; the
// client must refuse them with one line (not one per datagram), keep playing and quit on time.
import { afterEach, expect, test } from "bun:test";
import type { udp } from "bun";
import { start, stopAll } from "../helpers/processes.ts";

afterEach(stopAll);

const STEP_06_CLIENT = "steps/06-client-prediction/client.ts";
const DURATION_S = 2;
/** Generous: the client needs its duration, a goodbye and Bun's start-up; a frozen one never ends. */
const EXIT_WITHIN_MS = DURATION_S * 1000 + 8000;

type Socket = udp.Socket<"uint8array">;

/** A fake step-05/06 server on one port: welcomes `name` on a normal map, then answers every
 *  datagram after the welcome with `hostile(tick)`, and confirms a goodbye. */
async function fakeServer(name: string, hostile: (tick: number) => string): Promise<{ socket: Socket; sent: () => number }> {
  let tick = 1;
  let sent = 0;
  const reply = (s: Socket, text: string, port: number, address: string) => {
    s.send(new TextEncoder().encode(text), port, address);
    sent++;
  };
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    binaryType: "uint8array",
    socket: {
      data(s, bytes, port, address) {
        const text = new TextDecoder().decode(bytes);
        if (text.startsWith("CONNECT ")) {
          // The dedicated port is this same port: the client accepts the server's main port too.
          reply(s, `CONNECTED ${s.port} ${name} (1728,972) WALLS [] STATE [(${name},(1,2,3),(100,100),(20,20))] END`, port, address);
        } else if (text.startsWith("DISCONNECT ")) reply(s, `DISCONNECTED ${name} END`, port, address);
        else reply(s, hostile(++tick), port, address);
      },
      error() {},
    },
  });
  return { socket, sent: () => sent };
}

/** Runs the real step-06 bot against `hostile` states; returns how it ended. */
async function playAgainst(hostile: (tick: number) => string) {
  const server = await fakeServer("Victim", hostile);
  try {
    const client = start(STEP_06_CLIENT, ["--port", String(server.socket.port), "--name", "Victim", "--bot", "--duration", String(DURATION_S)]);
    const startedAt = performance.now();
    const timeout = Bun.sleep(EXIT_WITHIN_MS).then(() => "still running" as const);
    const ended = await Promise.race([client.proc.exited, timeout]);
    const elapsedMs = performance.now() - startedAt;
    if (ended === "still running") client.proc.kill("SIGKILL");
    const said = `${client.output()}${client.errors()}`.split("\n").filter((line) => /refus/i.test(line));
    return { ended, elapsedMs, said, sent: server.sent(), output: `${client.output()}\n${client.errors()}` };
  } finally {
    server.socket.close();
  }
}

test("a square of 2147483647 x 2147483647 px: the step-06 client refuses it in one line and quits on time", async () => {
  const run = await playAgainst((tick) => `STATE [(Victim,(1,2,3),(100,100),(2147483647,2147483647))] TICK ${tick} ACK 0 END`);
  expect(run.ended, `the client did not end within ${EXIT_WITHIN_MS} ms; its output:\n${run.output}`).toBe(0);
  expect(run.sent).toBeGreaterThan(3); // it got the hostile state many times...
  expect(run.said, run.output).toHaveLength(1); // ...and said so once
  expect(run.said[0]).toMatch(/larger than the 1728x972 map/);
}, EXIT_WITHIN_MS + 5000);

test("a square far outside the map is refused as well; the client still quits on time", async () => {
  const run = await playAgainst((tick) => `STATE [(Victim,(1,2,3),(-2000000000,5),(20,20))] TICK ${tick} ACK 0 END`);
  expect(run.ended, `the client did not end within ${EXIT_WITHIN_MS} ms; its output:\n${run.output}`).toBe(0);
  expect(run.said, run.output).toHaveLength(1);
  expect(run.said[0]).toMatch(/outside the 1728x972 map/);
}, EXIT_WITHIN_MS + 5000);

test("a welcome with a map of 2147483647 x 2147483647 px is refused: the client says why and exits 1", async () => {
  let socket: Socket | undefined;
  try {
    socket = await Bun.udpSocket({
      hostname: "127.0.0.1",
      binaryType: "uint8array",
      socket: {
        data(s, _bytes, port, address) {
          s.send(new TextEncoder().encode(`CONNECTED ${s.port} Victim (2147483647,2147483647) WALLS [] STATE [(Victim,(1,2,3),(100,100),(20,20))] END`), port, address);
        },
        error() {},
      },
    });
    const client = start(STEP_06_CLIENT, ["--port", String(socket.port), "--name", "Victim", "--bot", "--duration", String(DURATION_S)]);
    const ended = await Promise.race([client.proc.exited, Bun.sleep(EXIT_WITHIN_MS).then(() => "still running" as const)]);
    if (ended === "still running") client.proc.kill("SIGKILL");
    expect(ended, client.output() + client.errors()).toBe(1);
    expect(client.errors()).toMatch(/map of 2147483647x2147483647 px/);
  } finally {
    socket?.close();
  }
}, EXIT_WITHIN_MS + 5000);

test("step 03 (TCP) refuses such a square in one line as well, and plays on", async () => {
  const hostile = "STATE [(Victim,(1,2,3),(100,100),(2147483647,2147483647))] END";
  const { encodeText } = await import("../../shared/wire/encoding.ts");
  let replies = 0;
  // A fake step-03 server: UTF-16 as the article's TCP steps; every message it reads gets an answer.
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, bytes) {
        const text = new TextDecoder("utf-16le").decode(bytes).replaceAll("\uFEFF", "");
        for (const message of text.split(/(?<= END)/).map((m) => m.trim()).filter((m) => m.endsWith("END"))) {
          const answer = message.startsWith("CONNECT ") ? "CONNECTED Victim END" : message.startsWith("DISCONNECT ") ? "DISCONNECTED Victim END" : hostile;
          socket.write(encodeText(answer, "utf-16"));
          replies++;
        }
      },
    },
  });
  try {
    const client = start("steps/03-persistent-tcp-threads/client.ts", ["--port", String(server.port), "--name", "Victim", "--bot", "--duration", String(DURATION_S)]);
    const ended = await Promise.race([client.proc.exited, Bun.sleep(EXIT_WITHIN_MS).then(() => "still running" as const)]);
    if (ended === "still running") client.proc.kill("SIGKILL");
    const output = `${client.output()}\n${client.errors()}`;
    expect(ended, output).toBe(0);
    expect(replies).toBeGreaterThan(3);
    expect(output.split("\n").filter((line) => /refus/i.test(line)), output).toEqual([expect.stringMatching(/larger than the 1728x972 map/)]);
  } finally {
    server.stop(true);
  }
}, EXIT_WITHIN_MS + 5000);
