// What a player is told when joining goes wrong, or when the game ends: a bad name is named before
// anything is sent (04-07, as 02-03 do), the UDP servers answer a bad name with NAME_INVALID, a
// reply in another protocol is shown rather than called "no answer", and the reason a client
// stops is printed once.
import { afterEach, describe, expect, test } from "bun:test";
import { run, start, startServer, stopAll } from "../helpers/processes.ts";
import { deadPort, expectEventually } from "../helpers/udp.ts";

const UDP_STEPS = ["04-udp-dedicated-ports", "05-broadcast-loop", "06-client-prediction", "07-haunted-chronicles"];

const sockets: { close(): void }[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await stopAll();
});

/** A UDP socket of the test's own: what it receives, and a way to send. */
async function probe() {
  const received: string[] = [];
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: { data: (_s, bytes) => void received.push(new TextDecoder().decode(bytes)) },
  });
  sockets.push(socket);
  return { socket, received };
}

describe("a bad name is refused by the client itself, before it sends anything", () => {
  for (const step of UDP_STEPS) {
    test(step, async () => {
      // No server at all: only a check before sending can answer about the name.
      const r = await run(`steps/${step}/client.ts`, ["--port", String(await deadPort()), "--bot", "--name", "a b"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("the name a b cannot be used");
      expect(r.stderr).not.toContain("no answer");
    }, 10_000);
  }

  test("each kind of bad name says what is wrong with it (step 05)", async () => {
    const port = String(await deadPort());
    const cases: [string, string][] = [["A".repeat(17), "1-16 characters"], ["9lives", "start with a letter"], ["ENDER", "END"], ["STATE", "STATE"]];
    for (const [name, why] of cases) {
      const r = await run("steps/05-broadcast-loop/client.ts", ["--port", port, "--bot", "--name", name]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the name ${name} cannot be used`);
      expect(r.stderr).toContain(why);
    }
  }, 15_000);
});

describe("the UDP servers answer a bad name with NAME_INVALID, once", () => {
  for (const step of ["05-broadcast-loop", "07-haunted-chronicles"]) {
    test(step, async () => {
      const { port } = await startServer(`steps/${step}/server.ts`);
      const { socket, received } = await probe();
      const expectReplies = async (datagram: string, replies: string[]) => {
        received.length = 0;
        socket.send(datagram, port, "127.0.0.1");
        socket.send("PING 777 END", port, "127.0.0.1"); // the marker: everything before it has come
        await expectEventually(`the echo of the marker PING after ${JSON.stringify(datagram)}`, () => [...received], (r) => r.includes("PING 777 END"), 5000);
        expect(received.slice(0, received.indexOf("PING 777 END"))).toEqual(replies);
      };
      await expectReplies("CONNECT 9lives END", ["ERROR NAME_INVALID END"]);
      await expectReplies("CONNECT ENDER END", ["ERROR NAME_INVALID END"]);
      await expectReplies(`CONNECT ${"A".repeat(17)} END`, ["ERROR NAME_INVALID END"]);
    }, 15_000);
  }
});

test("an ordinary name that contains a keyword plays (Jack, on step 05)", async () => {
  const { port } = await startServer("steps/05-broadcast-loop/server.ts");
  const r = await run("steps/05-broadcast-loop/client.ts", ["--port", String(port), "--bot", "--duration", "1", "--name", "Jack"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('BOT {"name":"Jack"');
}, 15_000);

test("a server that answers in another protocol is quoted, not called silent", async () => {
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: { data: (s, _bytes, port, address) => void s.send("HTTP/1.1 400 Bad Request\r\n\r\n", port, address) },
  });
  sockets.push(socket);
  const r = await run("steps/05-broadcast-loop/client.ts", ["--port", String(socket.port), "--bot", "--name", "Asker"]);
  expect(r.code).toBe(1);
  expect(r.stderr).not.toContain("no answer");
  expect(r.stderr).toContain("HTTP/1.1 400 Bad Request");
  expect(r.stderr).toContain("speaks something else");
}, 15_000);

describe("the reason a game ended is printed once", () => {
  const cases: [string, string][] = [
    ["03-persistent-tcp-threads", "the server ended the game (kicked, or the server stopped)"],
    ["05-broadcast-loop", "the server ended the game (kicked, or the server stopped)"],
  ];
  for (const [step, reason] of cases) {
    test(`${step}, a player at the terminal whose server stops`, async () => {
      const { server, port } = await startServer(`steps/${step}/server.ts`);
      const player = start(`steps/${step}/client.ts`, ["--port", String(port), "--renderer", "terminal", "--name", "Watcher"]);
      await server.waitFor(/Watcher joined/);
      server.type("stop");
      expect(await player.proc.exited).toBe(1);
      const said = player.output() + player.errors();
      expect(said.split(reason).length - 1).toBe(1);
      expect(player.errors().trim()).toBe(reason);
    }, 15_000);
  }
});
