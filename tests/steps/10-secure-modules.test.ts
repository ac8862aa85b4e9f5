// The modules together over real loopback sockets, the way step 10's server and client will use
// them: a main port that answers with atMainPort, a dedicated port per session that opens every
// datagram with its channel. The server here is only what the modules need around them (no game);
// the step's own tests play the game through the real server.
import { afterEach, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import type { udp } from "bun";
import { eventually } from "../helpers/udp.ts";
import { Cookies } from "../../steps/10-secure-connect/cookie.ts";
import { atMainPort, ClientHandshake, formatKnock, serverSession } from "../../steps/10-secure-connect/handshake.ts";
import type { SealedChannel } from "../../steps/10-secure-connect/sealed.ts";

type Socket = udp.Socket<"uint8array">;
const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function socket(onData: (bytes: Uint8Array, port: number, address: string) => void = () => {}): Promise<Socket> {
  const s = await Bun.udpSocket({ hostname: "127.0.0.1", binaryType: "uint8array", socket: { data: (_s, b, p, a) => onData(b, p, a), error: () => {} } });
  sockets.push(s);
  return s;
}

/** A server made of the modules: per-address byte counts, and per session what was opened. */
async function moduleServer() {
  const cookies = new Cookies(randomBytes(32));
  const traffic = new Map<string, { in: number; out: number; datagrams: number }>();
  const counted = (key: string) => traffic.get(key) ?? traffic.set(key, { in: 0, out: 0, datagrams: 0 }).get(key)!;
  const session = { opened: [] as string[], strangers: 0, channel: undefined as SealedChannel | undefined, peer: "" };
  const main = await socket((bytes, port, address) => {
    const t = counted(`${address}:${port}`);
    t.in += bytes.length;
    t.datagrams++;
    const action = atMainPort(cookies, bytes, address, port, performance.now());
    if (action.kind === "challenge") {
      main.send(action.reply, port, address);
      t.out += action.reply.length;
    } else if (action.kind === "join" && session.channel === undefined) {
      const welcome = text(`CONNECTED ${dedicated.port} ${action.name} (100,100) WALLS [] STATE [] END`);
      const made = serverSession(action.clientKey, randomBytes(32));
      if (made === undefined) return;
      [session.channel, session.peer] = [made.channel, `${address}:${port}`];
      const accept = made.accept(welcome);
      dedicated.send(accept, port, address); // from the dedicated port: its source port tells the client where to talk
      t.out += accept.length;
    }
  });
  const dedicated = await socket((bytes, port, address) => {
    if (`${address}:${port}` !== session.peer) return void session.strangers++; // not its client: no answer
    const plaintext = session.channel?.open(bytes);
    if (plaintext === undefined) return; // forged, damaged or replayed: no answer
    session.opened.push(read(plaintext));
    if (read(plaintext).startsWith("PING")) dedicated.send(session.channel!.seal(plaintext), port, address); // echoed, sealed
  });
  return { main, dedicated, session, traffic };
}

/** A client that joins through the handshake, as step 10's ServerLink will: it talks to the port
 *  the authentic ACCEPT came from. Keeps every datagram it receives. */
async function joinedClient(server: Awaited<ReturnType<typeof moduleServer>>) {
  const received: { bytes: Uint8Array; port: number }[] = [];
  const s = await socket((bytes, port) => received.push({ bytes: bytes.slice(), port }));
  const hs = new ClientHandshake("Zyno", randomBytes(32));
  s.send(hs.knock(), server.main.port, "127.0.0.1");
  expect(await eventually(() => received.length === 1, 5000, 5)).toBe(true);
  s.send(hs.proof(ClientHandshake.cookieIn(received[0]!.bytes)!), server.main.port, "127.0.0.1");
  expect(await eventually(() => received.length === 2, 5000, 5)).toBe(true);
  const joined = hs.accept(received[1]!.bytes)!;
  const dedicated = received[1]!.port;
  expect(dedicated).toBe(server.dedicated.port);
  expect(read(joined.welcome)).toStartWith(`CONNECTED ${dedicated} Zyno`);
  received.length = 0;
  /** Sends a sealed PING and waits for its sealed echo: everything this client sent before it has been handled. */
  const ping = async (n: number) => {
    s.send(joined.channel.seal(text(`PING ${n} END`)), dedicated, "127.0.0.1");
    expect(await eventually(() => received.some((d) => read(joined.channel.open(d.bytes) ?? new Uint8Array()) === `PING ${n} END`), 5000, 5)).toBe(true);
  };
  return { s, channel: joined.channel, received, ping };
}

test("over real sockets: knock, challenge, proof, accept, then sealed datagrams both ways", async () => {
  const server = await moduleServer();
  const client = await joinedClient(server);
  await client.ping(1);
  await client.ping(2);
  expect(server.session.opened).toEqual(["PING 1 END", "PING 2 END"]);
});

test("an unproven address receives at most what it sent (target: bytes out / bytes in <= 1)", async () => {
  const server = await moduleServer();
  const attacker = await socket();
  const datagrams = [
    text("CONNECT Zyno END"), // the knock of steps 04-09: 16 bytes, too small to answer
    text(formatKnock("Zyno")), // padded: answered with a challenge of the same size
    text(`CONNECT Zyno COOKIE ${"A".repeat(27)} KEY ${"B".repeat(43)} END`), // a forged proof
    text("PING 1 END"),
    ...Array.from({ length: 50 }, (_, i) => randomBytes(1 + ((i * 37) % 120))),
  ];
  for (const d of datagrams) attacker.send(d, server.main.port, "127.0.0.1");
  const key = `127.0.0.1:${attacker.port}`;
  // The server answers inside its data handler, so once it has read every datagram its counts are final.
  expect(await eventually(() => server.traffic.get(key)?.datagrams === datagrams.length, 5000, 5)).toBe(true);
  const { in: bytesIn, out: bytesOut } = server.traffic.get(key)!;
  expect(bytesIn).toBe(datagrams.reduce((sum, d) => sum + d.length, 0));
  expect(bytesOut).toBe(text(formatKnock("Zyno")).length); // one challenge, for the one padded knock
  expect(bytesOut / bytesIn).toBeLessThanOrEqual(1);
  expect(server.session.channel).toBeUndefined(); // and nothing was allocated
});

test("forged, bit-flipped, replayed and injected datagrams change nothing and get no answer", async () => {
  const server = await moduleServer();
  const client = await joinedClient(server);
  const good = client.channel.seal(text("INPUT R SEQ 1 END"));
  client.s.send(good, server.dedicated.port, "127.0.0.1");
  for (let bit = 0; bit < good.length * 8; bit += 13) {
    const flipped = good.slice();
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    client.s.send(flipped, server.dedicated.port, "127.0.0.1");
  }
  client.s.send(good, server.dedicated.port, "127.0.0.1"); // replayed
  client.s.send(randomBytes(60), server.dedicated.port, "127.0.0.1"); // forged from scratch
  await client.ping(1); // the echo comes after every datagram above was handled
  expect(server.session.opened).toEqual(["INPUT R SEQ 1 END", "PING 1 END"]);
  expect(server.session.channel!.dropped.replayed).toBeGreaterThanOrEqual(1);
  // Injected from another port, even a perfect copy of the client's next datagram: not its client.
  const injector = await socket();
  injector.send(client.channel.seal(text("DISCONNECT Zyno END")), server.dedicated.port, "127.0.0.1");
  expect(await eventually(() => server.session.strangers === 1, 5000, 5)).toBe(true);
  await client.ping(2);
  expect(server.session.opened).toEqual(["INPUT R SEQ 1 END", "PING 1 END", "PING 2 END"]);
  // Only the two echoes came back: nothing answered the forged, replayed or injected ones.
  expect(client.received.length).toBe(2);
});
