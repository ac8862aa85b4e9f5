import { afterEach, expect, test } from "bun:test";
import { parseMessage } from "../../shared/wire/protocol.ts";
import { startTickLoop, type TickLoop } from "../../steps/05-broadcast-loop/tick-loop.ts";
import { encode, readDatagram } from "../../shared/wire/datagram.ts";
import { parsePortRange, PortPool, type UdpSocket } from "../../steps/04-udp-dedicated-ports/port-pool.ts";
import { randomPortRange } from "../helpers/udp.ts";

const sockets: UdpSocket[] = [];
let loop: TickLoop | undefined;
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  loop?.stop();
});

test("a datagram may carry several messages; garbage and leftovers are reported, never thrown", () => {
  const two = readDatagram(encode("PING 1 END INPUT L SEQ 4 END"), 128, parseMessage);
  expect(two.broken).toBeUndefined();
  expect(two.messages.map((m) => m.ok && m.value.type)).toEqual(["PING", "INPUT"]);
  expect(readDatagram(encode("PING 1 END half a mess"), 128, parseMessage).broken).toBe("MALFORMED");
  expect(readDatagram(encode(`CONNECT ${"x".repeat(500)} END`), 128, parseMessage).broken).toBe("TOO_LONG");
  expect(readDatagram(new Uint8Array([0xff, 0xfe, 0x00, 0x45, 0x4e, 0x44]), 128, parseMessage).broken).toBe("MALFORMED");
  const invalid = readDatagram(new Uint8Array([0xff, 0x20, 0x45, 0x4e, 0x44]), 128, parseMessage); // invalid UTF-8, then " END"
  expect(invalid.messages.map((m) => m.ok)).toEqual([false]);
});

test("--ports ranges are checked", () => {
  expect(parsePortRange("11000-11999")).toEqual({ first: 11000, last: 11999 });
  for (const bad of ["", "11000", "5-3", "0-10", "1-70000", "a-b"]) expect(typeof parsePortRange(bad)).toBe("string");
});

test("the pool gives each port once, skips a port somebody else holds, and takes ports back oldest first", async () => {
  const range = randomPortRange(3);
  const squatter = await Bun.udpSocket({ hostname: "127.0.0.1", port: range.first + 1, binaryType: "uint8array" }); // not ours
  sockets.push(squatter);
  const pool = new PortPool(range, 99);
  const bind = async () => {
    const s = await pool.bind("127.0.0.1", () => {});
    if (s) sockets.push(s);
    return s;
  };
  const a = await bind();
  const b = await bind();
  expect([a?.port, b?.port]).toEqual([range.first, range.first + 2]);
  expect(pool.available).toBe(1); // the squatted port is still the pool's: it may free up later
  expect(await bind()).toBeNull(); // ... but not now
  a!.close();
  pool.release(a!.port);
  squatter.close();
  expect((await bind())?.port).toBe(range.first + 1); // waiting longest
  expect((await bind())?.port).toBe(range.first);
  expect(pool.available).toBe(0);
});

test("with the OS choosing, the pool still counts its ports", async () => {
  const pool = new PortPool(null, 2);
  const a = await pool.bind("127.0.0.1", () => {});
  const b = await pool.bind("127.0.0.1", () => {});
  sockets.push(a!, b!);
  expect(await pool.bind("127.0.0.1", () => {})).toBeNull();
  a!.close();
  pool.release(a!.port);
  expect(pool.available).toBe(1);
});

test("the tick loop never runs a tick before it is due, and skips (not bursts) after a stall", async () => {
  const hz = 100;
  const start = performance.now();
  const startedAt: number[] = [];
  const done = Promise.withResolvers<void>();
  loop = startTickLoop(hz, (n) => {
    startedAt.push(performance.now());
    if (n === 5) {
      const until = performance.now() + 55; // a stall of five and a half intervals
      while (performance.now() < until) {}
    }
    if (n === 15) done.resolve();
  });
  await done.promise;
  loop.stop();
  // Tick n is due n intervals after the start: never earlier (skipping only makes ticks later).
  startedAt.forEach((t, i) => expect(t - start).toBeGreaterThanOrEqual((i + 1) * 10));
  // The stall (tick 5) made ticks late and skipped; the missed ones were not run back to back.
  expect(loop.stats.skipped).toBeGreaterThanOrEqual(3);
  expect(loop.stats.late).toBeGreaterThanOrEqual(1);
  expect(startedAt[5]! - startedAt[4]!).toBeGreaterThan(50);
  // Skipped, not caught up later in a burst: the last tick is on the grid point after the skipped ones.
  expect(startedAt[14]! - start).toBeGreaterThanOrEqual((15 + loop.stats.skipped) * 10);
});
