// One datagram packed with messages must not buy one reply per message: a server reads a small
// bounded number of messages from a datagram (MAX_MESSAGES_PER_DATAGRAM) and answers the rest,
// and every refusal in the datagram, with at most one ERROR. On the main port and on a dedicated one.
import { afterEach, describe, expect, test } from "bun:test";
import { MAX_MESSAGES_PER_DATAGRAM } from "../../shared/wire/datagram.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { expectEventually } from "../helpers/udp.ts";

const sockets: { close(): void }[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await stopAll();
});

/** A raw UDP peer: sends a datagram, then a marker PING, and returns every reply that came before
 *  the marker's echo (a server answers one address in order, and loopback keeps that order). */
async function peer(port: number) {
  const received: { text: string; from: number }[] = [];
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    socket: { data: (_s, bytes, from) => void received.push({ text: new TextDecoder().decode(bytes), from }) },
  });
  sockets.push(socket);
  let marker = 900_000;
  return {
    received,
    send: (datagram: string) => void socket.send(datagram, port, "127.0.0.1"),
    async repliesTo(datagram: string, to = port): Promise<string[]> {
      const mark = `PING ${++marker} END`;
      received.length = 0;
      socket.send(datagram, to, "127.0.0.1");
      socket.send(mark, to, "127.0.0.1");
      await expectEventually(`the echo of ${mark}`, () => received.map((r) => r.text), (texts) => texts.includes(mark), 5000);
      return received.map((r) => r.text).slice(0, received.findIndex((r) => r.text === mark));
    },
  };
}

for (const step of ["05-broadcast-loop", "07-haunted-chronicles"]) {
  describe(`${step}: a datagram packed with messages`, () => {
    test("on the main port: a bounded number of replies, and at most one ERROR", async () => {
      const { port } = await startServer(`steps/${step}/server.ts`);
      const p = await peer(port);
      const pings = await p.repliesTo("PING 1 END ".repeat(2000));
      expect(pings.filter((r) => r === "PING 1 END").length).toBe(MAX_MESSAGES_PER_DATAGRAM);
      expect(pings.filter((r) => r.startsWith("ERROR")).length).toBeLessThanOrEqual(1);
      expect(pings.length).toBeLessThanOrEqual(MAX_MESSAGES_PER_DATAGRAM + 1);

      const garbage = await p.repliesTo("HELLO END ".repeat(2000));
      expect(garbage).toEqual(["ERROR MALFORMED END"]);
      const few = await p.repliesTo("HELLO END ".repeat(3));
      expect(few).toEqual(["ERROR MALFORMED END"]);
    }, 15_000);

    test("on a dedicated port: the same", async () => {
      const { port } = await startServer(`steps/${step}/server.ts`);
      const p = await peer(port);
      p.send("CONNECT Zyno END"); // answered once its dedicated socket is bound
      const welcome = await expectEventually("CONNECTED", () => p.received.find((r) => r.text.startsWith("CONNECTED")), (r) => r !== undefined, 5000);
      const dedicated = Number(/^CONNECTED (\d+) Zyno /.exec(welcome!.text)?.[1]);
      expect(dedicated).toBeGreaterThan(0);
      // The session answers nothing until the welcome's number comes back from this address.
      await p.repliesTo(`PING ${/ PROOF (\d+) END$/.exec(welcome!.text)?.[1]} END`, dedicated);
      const pings = await p.repliesTo("PING 2 END ".repeat(2000), dedicated);
      const answers = pings.filter((r) => !r.startsWith("STATE") && !r.startsWith("LOBBY")); // ticks go on meanwhile
      expect(answers.filter((r) => r === "PING 2 END").length).toBe(MAX_MESSAGES_PER_DATAGRAM);
      expect(answers.length).toBeLessThanOrEqual(MAX_MESSAGES_PER_DATAGRAM + 1);
      const garbage = (await p.repliesTo("INPUT X END ".repeat(2000), dedicated)).filter((r) => r.startsWith("ERROR"));
      expect(garbage).toEqual(["ERROR MALFORMED END"]);
    }, 15_000);
  });
}
