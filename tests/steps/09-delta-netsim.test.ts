// The modules over real sockets: a server socket ticks a seeded world and sends each tick as a
// delta, through the netsim's UDP relay (10% loss, 10% duplicates, 10% reordered, both ways), to a
// client socket that reads it and answers `ACK <tick> END`. Every tick the client reads is what
// the server recorded for it, and once the world stands still the client holds the server's view.
import { afterEach, expect, test } from "bun:test";
import { mulberry32 } from "../../shared/plumbing/prng.ts";
import { startUdpRelay, type UdpRelay } from "../../tools/netsim/udp-relay.ts";
import { HISTORY_TICKS, SnapshotReceiver, SnapshotSender, type Snapshot } from "../../steps/09-delta-snapshots/delta.ts";
import { decodeTick } from "../../steps/09-delta-snapshots/snapshot-codec.ts";
import { RandomWorld, VIEWER } from "../helpers/delta-world.ts";

const HOST = "127.0.0.1";
const FREEZE_AT = 200; // ticks of a changing world, then a still one until the client has it
const MAX_TICKS = 2000;
const text = new TextEncoder();
const open: { close(): void }[] = [];
afterEach(() => open.splice(0).forEach((o) => o.close()));

test("a client's view equals the server's through 10% loss, duplication and reordering", async () => {
  const world = new RandomWorld(mulberry32(15), { squares: 80, moving: 0.6, churn: 0.2, blink: 0.03 });
  const sender = new SnapshotSender();
  const receiver = new SnapshotReceiver();
  const recorded = new Map<number, Snapshot>();
  const problems: string[] = [];
  const shown = { tick: 0, snapshot: [] as Snapshot };
  let clientAt: { port: number; address: string } | undefined;
  let read = 0;
  let stale = 0;

  const server = await Bun.udpSocket({
    hostname: HOST,
    binaryType: "uint8array",
    socket: {
      data(_s, bytes, port, address) {
        clientAt = { port, address };
        const ack = /^ACK (\d+) END$/.exec(new TextDecoder().decode(bytes));
        if (ack !== null) sender.acknowledge(Number(ack[1]));
      },
      error() {},
    },
  });
  open.push(server);
  const relay: UdpRelay = await startUdpRelay({
    to: { hostname: HOST, port: server.port },
    conditions: { lossPercent: 10, duplicatePercent: 10, reorderPercent: 10, delayMs: 2, jitterMs: 3, reorderDelayMs: 15 },
    seed: 9,
    followConnected: false,
  });
  open.push(relay);
  const client = await Bun.udpSocket({
    hostname: HOST,
    binaryType: "uint8array",
    socket: {
      data(socket, bytes) {
        const got = receiver.receive(bytes);
        if (!got.ok) {
          const m = decodeTick(bytes);
          if (!(m.ok && m.value.baseline! <= receiver.newest! - HISTORY_TICKS)) problems.push(`unreadable: ${got.error}`);
          stale++;
          return;
        }
        read++;
        if (!Bun.deepEquals(got.value.snapshot, recorded.get(got.value.tick))) problems.push(`tick ${got.value.tick} differs from the server's`);
        if (got.value.tick > shown.tick) Object.assign(shown, got.value);
        socket.send(text.encode(`ACK ${receiver.newest} END`), relay.port, HOST);
      },
      error() {},
    },
  });
  open.push(client);

  let tick = 0;
  const caughtUp = () => tick > FREEZE_AT && shown.tick > FREEZE_AT && Bun.deepEquals(shown.snapshot, recorded.get(tick));
  while (!caughtUp() && ++tick <= MAX_TICKS) {
    world.frozen = tick > FREEZE_AT;
    const view = world.tick();
    const bytes = sender.encode({ tick, ack: 0, phase: { kind: "lobby" } }, view, VIEWER);
    recorded.set(tick, sender.snapshotOf(tick)!);
    // Until the server has heard from the client, the client knocks (its knock may be lost too).
    if (clientAt === undefined) client.send(text.encode("ACK 0 END"), relay.port, HOST);
    else server.send(bytes, clientAt.port, clientAt.address);
    await Bun.sleep(2);
  }

  expect(problems).toEqual([]);
  expect(caughtUp()).toBe(true);
  expect(relay.down.lost).toBeGreaterThan(0);
  expect(relay.down.duplicated).toBeGreaterThan(0);
  expect(relay.down.reordered).toBeGreaterThan(0);
  expect(read).toBeGreaterThan(FREEZE_AT / 2);
  expect(stale).toBeLessThanOrEqual(relay.down.reordered); // only a late datagram may be unreadable
});
