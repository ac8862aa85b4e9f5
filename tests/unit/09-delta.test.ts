// Deltas against the acknowledged snapshot: whatever the link loses, duplicates or reorders, every
// tick the client manages to read is exactly what the server recorded for it, and once the link
// is clean again the client holds the server's view.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { deriveSeed, mulberry32 } from "../../shared/plumbing/prng.ts";
import { conditions, type Conditions } from "../../tools/netsim/conditions.ts";
import { applyChanges, diff, HISTORY_TICKS, NOTHING, RecentTicks, SnapshotReceiver, SnapshotSender, type Snapshot } from "../../steps/09-delta-snapshots/delta.ts";
import { DATAGRAM_BUDGET } from "../../steps/09-delta-snapshots/priority.ts";
import { decodeTick, type Square } from "../../steps/09-delta-snapshots/snapshot-codec.ts";
import { LossyLink, RandomWorld, VIEWER, type WorldOptions } from "../helpers/delta-world.ts";

const SEED = 20261209;
const LOBBY = { kind: "lobby" } as const;

const squareArb = (id: number): fc.Arbitrary<Square> =>
  fc.record({
    id: fc.constant(id),
    name: fc.constantFrom("Ann", "Bob", "Cy"),
    color: fc.record({ r: fc.constantFrom(0, 170), g: fc.constant(170), b: fc.constant(170) }),
    x: fc.integer({ min: -50, max: 50 }),
    y: fc.integer({ min: -50, max: 50 }),
    w: fc.constantFrom(20, 21),
    h: fc.constant(20),
    ready: fc.boolean(),
  });
const snapshotArb: fc.Arbitrary<Snapshot> = fc
  .uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 25 })
  .chain((ids) => fc.tuple(...ids.sort((a, b) => a - b).map(squareArb)));
/** A snapshot and a later one made from it the way the rules make worlds: most squares kept as
 *  they are (the same objects), some moved, some changed, some gone, some new. */
const pairArb: fc.Arbitrary<[Snapshot, Snapshot]> = fc.tuple(snapshotArb, snapshotArb).chain(([a, extra]) =>
  fc.tuple(...a.map(() => fc.constantFrom("keep", "move", "change", "drop"))).map((fates): [Snapshot, Snapshot] => {
    const kept = a.flatMap((s, i): Square[] =>
      fates[i] === "keep" ? [s] : fates[i] === "move" ? [{ ...s, x: s.x + 3 }] : fates[i] === "change" ? [{ ...s, ready: !s.ready }] : []);
    const known = new Set(a.map((s) => s.id));
    return [a, [...kept, ...extra.filter((s) => !known.has(s.id))].sort((p, q) => p.id - q.id)];
  }),
);

describe("diff and applyChanges", () => {
  test("a baseline and its diff make the new snapshot; a snapshot differs from itself in nothing", () => {
    fc.assert(
      fc.property(fc.oneof(pairArb, fc.tuple(snapshotArb, snapshotArb)), ([a, b]) => {
        expect(applyChanges(a, diff(a, b))).toEqual({ ok: true, value: b });
        expect(diff(a, a)).toEqual([]);
        expect(diff(NOTHING, b).every((c) => c.kind === "entered")).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  test("changes that do not fit the baseline are refused, not applied", () => {
    const s = (id: number): Square => ({ id, name: "Ann", color: { r: 1, g: 2, b: 3 }, x: 0, y: 0, w: 20, h: 20, ready: false });
    const base = [s(1), s(4)];
    expect(applyChanges(base, [{ kind: "moved", id: 2, dx: 1, dy: 0 }]).ok).toBe(false);
    expect(applyChanges(base, [{ kind: "removed", id: 7 }]).ok).toBe(false);
    expect(applyChanges(base, [{ kind: "removed", id: 4 }, { kind: "removed", id: 1 }]).ok).toBe(false); // out of order
    expect(applyChanges(base, [{ kind: "moved", id: 4, dx: 2 ** 31, dy: 0 }]).ok).toBe(false);
    expect(applyChanges(base, [{ kind: "entered", id: 2, square: s(3) }]).ok).toBe(false);
    expect(applyChanges(base, [{ kind: "removed", id: 1 }, { kind: "entered", id: 2, square: s(2) }])).toEqual({ ok: true, value: [s(2), s(4)] });
  });
});

describe("the history of snapshots", () => {
  test("keeps the last ticks only, and nothing that arrives too late for them", () => {
    const h = new RecentTicks<string>(4);
    for (let t = 1; t <= 10; t++) h.put(t, `t${t}`);
    expect([6, 7, 8, 9, 10].map((t) => h.get(t))).toEqual([undefined, "t7", "t8", "t9", "t10"]);
    h.put(6, "late");
    h.put(8, "again");
    expect([h.get(6), h.get(8), h.newest]).toEqual([undefined, "again", 10]);
  });

  test("the server takes only acknowledgements of ticks it sent, newest first, and falls back to a full snapshot", () => {
    const sender = new SnapshotSender();
    const view: Snapshot = [{ id: 0, name: "Ann", color: { r: 1, g: 2, b: 3 }, x: 0, y: 0, w: 20, h: 20, ready: false }];
    for (let tick = 1; tick <= 3; tick++) sender.encode({ tick, ack: 0, phase: LOBBY }, view);
    sender.acknowledge(99); // never sent
    expect(sender.baseline).toBeUndefined();
    sender.acknowledge(3);
    sender.acknowledge(2); // reordered: older than the one held
    expect(sender.baseline).toBe(3);
    const next = decodeTick(sender.encode({ tick: 4, ack: 0, phase: LOBBY }, view));
    expect(next.ok && next.value).toMatchObject({ baseline: 3, changes: [] });
    for (let tick = 5; tick <= 3 + HISTORY_TICKS; tick++) sender.encode({ tick, ack: 0, phase: LOBBY }, view);
    expect(sender.baseline).toBeUndefined(); // tick 3 left the history: the next one is full
    const full = decodeTick(sender.encode({ tick: 99, ack: 0, phase: LOBBY }, view));
    expect(full.ok && full.value.baseline === undefined && full.value.changes.length).toBe(1);
  });
});

const networkArb: fc.Arbitrary<Conditions> = fc.record({
  lossPercent: fc.integer({ min: 0, max: 30 }),
  duplicatePercent: fc.integer({ min: 0, max: 20 }),
  reorderPercent: fc.integer({ min: 0, max: 20 }),
  delayMs: fc.integer({ min: 0, max: 150 }),
  jitterMs: fc.integer({ min: 0, max: 100 }),
  reorderDelayMs: fc.integer({ min: 30, max: 200 }),
});
const worldArb: fc.Arbitrary<WorldOptions> = fc.record({
  squares: fc.integer({ min: 1, max: 120 }),
  moving: fc.double({ min: 0, max: 1, noNaN: true }),
  churn: fc.double({ min: 0, max: 0.5, noNaN: true }),
  blink: fc.double({ min: 0, max: 0.1, noNaN: true }),
});

/** Plays `ticks` ticks of a seeded world over a seeded bad link both ways, the client
 *  acknowledging its newest tick every tick, then `settle` more ticks of a still world on a clean
 *  link. Checks every datagram as it is read; returns what the client ended with. */
function play(seed: number, world: WorldOptions, network: Conditions, budget: number, ticks = 150, settle = 60, acksLost?: { from: number; to: number }) {
  const squares = new RandomWorld(mulberry32(deriveSeed(seed, 0)), world);
  const down = new LossyLink<Uint8Array>(network, mulberry32(deriveSeed(seed, 1)));
  const up = new LossyLink<number>(network, mulberry32(deriveSeed(seed, 2)));
  const sender = new SnapshotSender(budget);
  const receiver = new SnapshotReceiver();
  const views = new Map<number, Snapshot>();
  const recorded = new Map<number, Snapshot>();
  const shown = { tick: 0, snapshot: NOTHING };
  let read = 0;
  let firstAck: number | undefined;
  const last = ticks + settle;
  for (let tick = 1; tick <= last + 1; tick++) {
    if (tick === ticks + 1) {
      squares.frozen = true;
      down.conditions = up.conditions = conditions({ delayMs: 20 });
    }
    if (tick <= last) {
      const view = squares.tick();
      views.set(tick, view);
      const bytes = sender.encode({ tick, ack: tick, phase: LOBBY }, view, VIEWER);
      expect(bytes.length).toBeLessThanOrEqual(budget);
      recorded.set(tick, sender.snapshotOf(tick)!);
      down.send(tick, bytes);
    }
    // The tick after the last only delivers what is still on its way.
    for (const datagram of down.arrivals(tick > last ? Infinity : tick)) {
      const got = receiver.receive(datagram);
      if (got.ok) {
        read++;
        expect(got.value.snapshot).toEqual(recorded.get(got.value.tick)!);
        if (got.value.tick > shown.tick) Object.assign(shown, got.value);
      } else {
        // The only datagram a client cannot read: one so late that its baseline left the history.
        const m = decodeTick(datagram);
        expect(m.ok && m.value.baseline! <= receiver.newest! - HISTORY_TICKS).toBe(true);
      }
    }
    const dark = acksLost !== undefined && tick >= acksLost.from && tick <= acksLost.to;
    if (receiver.newest !== undefined && !dark) up.send(tick, receiver.newest);
    for (const acked of up.arrivals(tick)) {
      firstAck ??= tick;
      sender.acknowledge(acked);
    }
  }
  return { views, recorded, shown, read, last, sender, firstAck };
}

describe("through loss, duplication and reordering", () => {
  test("every tick the client reads is the server's view of that tick, and it ends with the server's view", () => {
    fc.assert(
      fc.property(fc.integer(), worldArb, networkArb, (seed, world, network) => {
        const run = play(seed, world, network, Infinity);
        for (const [tick, view] of run.views) expect(run.recorded.get(tick)).toBe(view); // nothing held back
        expect(run.shown.tick).toBe(run.last);
        expect(run.shown.snapshot).toEqual(run.views.get(run.last)!);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  test("with 1200-byte datagrams too: what the client reads is what the server recorded, and it catches up", () => {
    fc.assert(
      fc.property(fc.integer(), worldArb, networkArb, (seed, world, network) => {
        const run = play(seed, { ...world, squares: world.squares * 2 }, network, DATAGRAM_BUDGET);
        expect(run.shown.tick).toBe(run.last);
        expect(run.shown.snapshot).toEqual(run.views.get(run.last)!);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  test("no acknowledgement for two seconds: the baseline ages out, then full snapshots; every tick still reads", () => {
    fc.assert(
      fc.property(fc.integer(), worldArb, fc.integer({ min: 0, max: 60 }), fc.integer({ min: 20, max: 80 }), (seed, world, delayMs, from) => {
        const network = conditions({ delayMs });
        const run = play(seed, world, network, DATAGRAM_BUDGET, 150, 60, { from, to: from + 60 });
        expect(run.read).toBe(run.last); // a perfect link down: every tick read, none refused
        expect(run.sender.counts.full).toBeGreaterThan(run.firstAck!); // the history ran out
        expect(run.shown.snapshot).toEqual(run.views.get(run.last)!);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  test("10% loss, duplication and reordering, 120 squares all moving: most ticks read, every one right", () => {
    const network = conditions({ lossPercent: 10, duplicatePercent: 10, reorderPercent: 10, delayMs: 40, jitterMs: 20, reorderDelayMs: 60 });
    const run = play(7, { squares: 120, moving: 1, churn: 0.2, blink: 0.02 }, network, DATAGRAM_BUDGET, 300);
    expect(run.read).toBeGreaterThan(300); // of 360 sent: the lost ones, less the duplicates
    // Full snapshots only until the first acknowledgement came back (after that tick's datagram
    // had left): later ones always found a baseline.
    expect(run.sender.counts.full).toBe(run.firstAck!);
    expect(run.sender.counts.clipped).toBeGreaterThan(0); // 120 names do not fit in one datagram
    expect(run.shown.snapshot).toEqual(run.views.get(run.last)!);
  });
});
