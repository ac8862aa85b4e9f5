// The speed hack of the request/response steps (02, 03, 04): each INPUT moved the square once, so
// 200 of them at once (one write on step 03, 200 connections on step 02, one datagram on step 04)
// moved a square over a thousand pixels in a few milliseconds. The server sets the pace now: every
// STATE the attacker gets back shows its square no further than the pace allows by the time that
// STATE arrived (--move-rate moves a second, and one and a half saved at most), however busy the
// machine is. Extra INPUTs are still answered with the state.
import { afterAll, expect, test } from "bun:test";
import net from "node:net";
import { moveRateFlag } from "../../shared/server/pace.ts";
import { encodeText, streamDecoder } from "../../shared/wire/encoding.ts";
import { encode, MAX_SERVER_MESSAGE, readDatagram } from "../../shared/wire/datagram.ts";
import { OPEN_FIELD } from "../../shared/world/maps.ts";
import { parseMessage, type Message, type Move, type Player } from "../../shared/wire/protocol.ts";
import { movePlayer, SPEED, type GameMap } from "../../shared/world/simulation.ts";
import { startServer, stopAll } from "../helpers/processes.ts";
import { oneShot } from "../helpers/tcp-game.ts";
import { ignoreUnreachable } from "../../steps/04-udp-dedicated-ports/port-pool.ts";

afterAll(stopAll);

const BURST = 200;
const RATE = moveRateFlag.default;

/** Moves the pace allows `ms` after the burst was sent: the 1.5 saved, and RATE a second since. */
const allowed = (ms: number): number => Math.floor(1.5 + (RATE * ms) / 1000);

/** The direction in which `BURST` moves would carry `me` furthest on `map` (so that a server without
 *  a pace would show it), and how far that is. */
function longestRun(map: GameMap, players: readonly Player[], me: string): { move: Move; px: number } {
  const runs = (["L", "R", "U", "D"] as const).map((move) => {
    let world = { ...map, players };
    for (let i = 0; i < BURST; i++) world = movePlayer(world, me, move);
    const from = players.find((p) => p.name === me)!;
    const to = world.players.find((p) => p.name === me)!;
    return { move, px: Math.abs(to.x - from.x) + Math.abs(to.y - from.y) };
  });
  return runs.reduce((a, b) => (b.px > a.px ? b : a));
}

interface Seen {
  readonly at: number;
  readonly players: readonly Player[];
}

/** Every STATE seen, checked: the square is never further from `start` than the pace allows. */
function expectPaced(seen: readonly Seen[], me: string, start: Player, sentAt: number): void {
  const beyond = seen.flatMap(({ at, players }) => {
    const p = players.find((q) => q.name === me);
    if (p === undefined) return [];
    const moves = (Math.abs(p.x - start.x) + Math.abs(p.y - start.y)) / SPEED;
    const most = allowed(at - sentAt);
    return moves > most ? [`${(at - sentAt).toFixed(1)} ms after the burst: ${moves} moves, the pace allows ${most}`] : [];
  });
  expect(seen.length).toBeGreaterThan(0);
  expect(beyond).toEqual([]);
}

const statePlayers = (text: string): readonly Player[] | undefined => {
  const m = parseMessage(text);
  return m.ok && m.value.type === "STATE" ? m.value.players : undefined;
};

test(`02: ${BURST} INPUTs on ${BURST} connections at once move the square at the pace, not ${BURST} times`, async () => {
  // Room for every connection from this one address: this test is about the pace alone.
  const { port } = await startServer("steps/02-per-message-tcp/server.ts", ["--max-per-address", "1000"]);
  expect(await oneShot(port, "CONNECT Speeder END")).toBe("CONNECTED Speeder END");
  const before = statePlayers(await oneShot(port, "INPUT Speeder . END"))!;
  const start = before.find((p) => p.name === "Speeder")!;
  const { move, px } = longestRun(OPEN_FIELD, before, "Speeder");
  expect(px).toBeGreaterThan(10 * SPEED); // without a pace, the burst would show
  const sentAt = performance.now();
  const answers = await Promise.all(Array.from({ length: BURST }, async () => {
    const text = await oneShot(port, `INPUT Speeder ${move} END`);
    return { at: performance.now(), text };
  }));
  const seen = answers.flatMap(({ at, text }) => {
    const players = statePlayers(text);
    return players === undefined ? [] : [{ at, players }];
  });
  expect(seen.length).toBe(BURST); // every INPUT answered with the state
  expectPaced(seen, "Speeder", start, sentAt);
}, 20_000);

test(`03: one write of ${BURST} INPUTs moves the square at the pace, not ${BURST} times`, async () => {
  const { port } = await startServer("steps/03-persistent-tcp-threads/server.ts");
  const decode = streamDecoder("utf-16");
  const seen: Seen[] = [];
  let text = "";
  let onState: (() => void) | undefined;
  const { promise: closed, resolve: close } = Promise.withResolvers<void>();
  const socket = await new Promise<net.Socket>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.on("data", (bytes: Buffer) => {
      text += decode(bytes);
      const parts = text.split(/(?<= END)\s*/);
      text = parts.pop() ?? "";
      for (const part of parts) {
        if (part.startsWith("PING ")) s.write(encodeText(part, "utf-16"));
        const players = statePlayers(part);
        if (players !== undefined) seen.push({ at: performance.now(), players });
      }
      onState?.();
    });
    s.on("close", () => close());
  });
  const nextState = async () => {
    const count = seen.length;
    while (seen.length === count) await new Promise<void>((resolve) => (onState = resolve));
    return seen.at(-1)!;
  };
  socket.write(encodeText("CONNECT Speeder END INPUT . END", "utf-16"));
  const before = (await nextState()).players;
  const start = before.find((p) => p.name === "Speeder")!;
  const { move, px } = longestRun(OPEN_FIELD, before, "Speeder");
  expect(px).toBeGreaterThan(10 * SPEED);

  seen.length = 0;
  const sentAt = performance.now();
  socket.write(encodeText(`INPUT ${move} END `.repeat(BURST), "utf-16"));
  // Every INPUT gets its STATE, unless the server cuts the flood short (--rate-limit): either way,
  // what came back is all there is to check.
  await Promise.race([closed, (async () => {
    while (seen.length < BURST) await nextState();
  })(), Bun.sleep(5000)]);
  socket.destroy();
  expectPaced(seen, "Speeder", start, sentAt);
}, 20_000);

test(`04: one datagram of ${BURST} INPUTs moves the square at the pace, not ${BURST} times`, async () => {
  const { port } = await startServer("steps/04-udp-dedicated-ports/server.ts");
  const inbox: { at: number; message: Message }[] = [];
  const socket = await Bun.udpSocket({
    hostname: "127.0.0.1",
    binaryType: "uint8array",
    socket: {
      data(_s, bytes) {
        for (const m of readDatagram(bytes, MAX_SERVER_MESSAGE, parseMessage).messages) if (m.ok) inbox.push({ at: performance.now(), message: m.value });
      },
      error: ignoreUnreachable,
    },
  });
  /** Messages received within `ms` of quiet. */
  const drain = async (ms: number) => {
    for (let seen = -1; seen !== inbox.length; ) {
      seen = inbox.length;
      await Bun.sleep(ms);
    }
    return inbox.splice(0);
  };
  socket.send(encode("CONNECT Speeder END"), port, "127.0.0.1");
  const welcome = (await drain(300)).map(({ message }) => message).find((m) => m.type === "CONNECTED")?.welcome;
  if (welcome === undefined) throw new Error("Speeder got no CONNECTED");
  const start = welcome.players.find((p) => p.name === "Speeder")!;
  const { move, px } = longestRun({ size: welcome.size, walls: welcome.walls }, welcome.players, "Speeder");
  expect(px).toBeGreaterThan(10 * SPEED);

  const sentAt = performance.now();
  socket.send(encode(`INPUT ${move} END `.repeat(BURST).trim()), welcome.port, "127.0.0.1");
  // Whatever came back (a STATE for each INPUT, or a refusal of the datagram) ...
  const replies = await drain(300);
  const seen: Seen[] = replies.flatMap(({ at, message }) => (message.type === "STATE" ? [{ at, players: message.players }] : []));
  // ... and where the square stands once the burst was handled, as of the last reply to it.
  const lastAt = replies.at(-1)?.at ?? sentAt;
  socket.send(encode("INPUT . END"), welcome.port, "127.0.0.1");
  const after = (await drain(300)).map(({ message }) => message).find((m) => m.type === "STATE");
  if (after?.type === "STATE") seen.push({ at: lastAt, players: after.players });
  expectPaced(seen, "Speeder", start, sentAt);
  socket.close();
}, 20_000);
