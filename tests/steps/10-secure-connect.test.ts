// Step 10 end to end: the real server, spoken to through raw sockets that run the handshake with the
// step's own handshake.ts (tests/helpers/sealed-client.ts), and the step's real clients through the
// lossy netsim relay.
// - An address that has proved nothing receives at most what it sent (the challenge, no larger than
//   the padded knock); steps 04-09's bare `CONNECT Zyno END` gets nothing at all.
// - No tick reaches a session before a datagram of its own has opened.
// - A replayed proof makes nothing; forged, bit-flipped, replayed and injected datagrams change nothing.
// - One address holds at most --pending-per-address handshakes and --max-per-address players.
// The hostile suite (tests/hostile/10-secure.test.ts) runs the same attacks at scale, with figures.
import { afterAll, afterEach, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { startUdpRelay } from "../../tools/netsim/udp-relay.ts";
import { formatKnock } from "../../steps/10-secure-connect/handshake.ts";
import { closeRawSockets, rawSocket, read, sealedJoin, text } from "../helpers/sealed-client.ts";
import { start, startServer, stopAll } from "../helpers/processes.ts";
import { expectEventually, positions, stats } from "../helpers/udp.ts";

const SERVER = "steps/10-secure-connect/server.ts";
const CLIENT = "steps/10-secure-connect/client.ts";
afterEach(closeRawSockets);
afterAll(stopAll);

test("an unproven address receives at most what it sent (bytes out / bytes in <= 1)", async () => {
  const { port } = await startServer(SERVER);
  const attacker = await rawSocket();
  const random = mulberry32(16);
  const attack = [
    text("CONNECT Zyno END"), // steps 04-09's knock: smaller than a challenge, so not answered
    text(formatKnock("Zyno")), // padded: a challenge of the same size
    text(`CONNECT Zyno COOKIE ${"A".repeat(27)} KEY ${"B".repeat(43)} END`), // a forged proof
    text("PING 1 END"),
    ...Array.from({ length: 50 }, () => Uint8Array.from({ length: 1 + Math.floor(random() * 120) }, () => Math.floor(random() * 256))),
  ];
  const marker = text(formatKnock("Marker"));
  for (const d of [...attack, marker]) attacker.send(d, port);
  // The main port answers in order: once the marker's challenge is here, every answer to the attack is too.
  await expectEventually("the marker's challenge", () => attacker.got.length, (n) => n >= 2, 5000, 10);
  const [bytesIn, bytesOut] = [attacker.bytesSent(), attacker.bytesGot()];
  console.log(`step 10, unproven address: ${bytesIn} bytes in, ${bytesOut} bytes out (${(bytesOut / bytesIn).toFixed(3)}x), ${attacker.got.length} datagrams`);
  expect(attacker.got.map((d) => read(d.bytes).split(" ")[0])).toEqual(["CHALLENGE", "CHALLENGE"]);
  expect(attacker.got.map((d) => d.bytes.length)).toEqual([attack[1]!.length, marker.length]);
  expect(bytesOut / bytesIn).toBeLessThanOrEqual(1);
}, 20_000);

test("no tick reaches a session before a datagram of its own opened", async () => {
  const { port } = await startServer(SERVER);
  const silent = await sealedJoin(port, "Silent", { confirm: false });
  const bob = await sealedJoin(port, "Bob");
  await expectEventually("three ticks at Bob", () => bob.got.length, (n) => n >= 2 + 1 + 3, 5000, 10); // challenge, ACCEPT, echo, ticks
  expect(silent.got.length).toBe(2); // its challenge and its ACCEPT, nothing after
});

test("a replayed proof gets nothing, from its own address or another, and makes no second player", async () => {
  const { server, port } = await startServer(SERVER);
  const alice = await sealedJoin(port, "Alice");
  const other = await rawSocket();
  alice.send(alice.proof, port);
  other.send(alice.proof, port);
  await alice.ping(1);
  await expectEventually("both replays counted as unanswered", () => stats(server), (s) => s.unanswered === 2, 5000);
  expect(alice.got.filter((d) => d.port === port).length).toBe(1); // only its challenge, ever, from the main port
  expect(other.got).toEqual([]);
  expect(await stats(server)).toMatchObject({ players: 1 });
});

test("forged, bit-flipped, replayed and injected datagrams change nothing", async () => {
  const { server, port } = await startServer(SERVER);
  const alice = await sealedJoin(port, "Alice");
  const { channel, dedicated } = alice.session!;
  const before = (await positions(server)).get("Alice");
  const leave = channel.seal(text("DISCONNECT Alice END")); // sealed, never sent as it is
  let flipped = 0;
  for (let bit = 0; bit < leave.length * 8; bit += 5, flipped++) {
    const copy = leave.slice();
    copy[bit >> 3]! ^= 1 << (bit & 7);
    alice.send(copy, dedicated);
  }
  alice.send(randomBytes(80), dedicated);
  const ping = alice.seal("PING 7 END");
  for (let i = 0; i < 10; i++) alice.send(ping, dedicated); // replays: PING 7 is echoed once
  const injector = await rawSocket();
  injector.send(leave, dedicated); // her own sealed DISCONNECT, from another port
  await alice.ping(1);
  const s = await expectEventually("the injection counted", () => stats(server), (x) => x.strangers === 1, 5000);
  console.log(`step 10, session attacks: ${flipped} bit-flipped + 1 forged + 10 replayed -> unopened=${s.unopened}, 1 injected -> strangers=${s.strangers}, players=${s.players}`);
  expect(s).toMatchObject({ players: 1, unopened: flipped + 1 + 10, strangers: 1 });
  expect(alice.opened().filter((t) => t === "PING 7 END").length).toBe(1);
  expect(injector.got).toEqual([]);
  expect((await positions(server)).get("Alice")).toEqual(before!);
});

test("one address cannot fill the pool: pending handshakes and players per address are capped, the pending expire", async () => {
  const { server, port } = await startServer(SERVER, ["--max-per-address", "3", "--pending-per-address", "2", "--cookie-seconds", "3"]);
  await sealedJoin(port, "Alice");
  await sealedJoin(port, "Pend1", { confirm: false });
  await sealedJoin(port, "Pend2", { confirm: false });
  expect((await sealedJoin(port, "Pend3", { confirm: false })).refused).toBe("ERROR RATE_LIMITED END");
  expect(await stats(server)).toMatchObject({ players: 3, pending: 2 });
  await expectEventually("the unconfirmed sessions dropped", () => stats(server), (s) => s.pending === 0 && s.players === 1, 5000);
  await sealedJoin(port, "Bob");
  await sealedJoin(port, "Carol");
  expect((await sealedJoin(port, "Dave")).refused).toBe("ERROR SERVER_FULL END");
  // Another address is not this one: it still gets in.
  expect((await sealedJoin(port, "Erin", { hostname: "127.0.0.2" })).session).toBeDefined();
});

test("a sealed tick keeps to 1200 bytes, the seal's 25 included, even when a crowd is clipped to fit", async () => {
  const { port } = await startServer(SERVER, ["--max-per-address", "200", "--pending-per-address", "200"]);
  // A hundred squares in the lobby (their sessions never confirm: they get no ticks, but stand in
  // everyone's view), then a newcomer who sees them all: its first ticks carry more than fits.
  for (let i = 0; i < 100; i++) await sealedJoin(port, `Crowd${i}`, { confirm: false });
  const newcomer = await sealedJoin(port, "Newcomer");
  await expectEventually("ten ticks at the newcomer", () => newcomer.got.length, (n) => n >= 3 + 10, 5000, 10);
  const sizes = newcomer.got.slice(3).map((d) => d.bytes.length);
  console.log(`step 10, a newcomer among 100 squares: sealed ticks of ${sizes.slice(0, 10).join(", ")} bytes`);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(1200);
  expect(Math.max(...sizes)).toBeGreaterThan(1100); // the budget was reached: the test measured what it claims
}, 30_000);

test("through a lossy relay (seeded loss, duplicates, reordering) sealed clients join and play", async () => {
  const { port } = await startServer(SERVER, ["--timeout", "8"]);
  const relay = await startUdpRelay({ to: { hostname: "127.0.0.1", port }, seed: 42, conditions: { lossPercent: 10, duplicatePercent: 10, delayMs: 5, jitterMs: 10, reorderPercent: 10, reorderDelayMs: 30 } });
  try {
    const bots = ["Alice", "Bob", "Carol"].map((name) => start(CLIENT, ["--port", String(relay.port), "--bot", "--duration", "2", "--name", name]));
    expect(await Promise.all(bots.map((b) => b.proc.exited))).toEqual([0, 0, 0]);
    for (const b of bots) expect(Number(/"states":(\d+)/.exec(b.output())?.[1] ?? 0)).toBeGreaterThan(10);
  } finally {
    relay.close();
  }
}, 30_000);
