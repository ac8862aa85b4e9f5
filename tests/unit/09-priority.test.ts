// The 1200-byte budget: when a tick's changes do not fit, the own square and the near ones go
// first, the rest follow in later ticks, nothing waits for ever, and a client joining a crowd sees
// it fill in without squares blinking in and out.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { SnapshotReceiver, SnapshotSender, type Snapshot } from "../../steps/09-delta-snapshots/delta.ts";
import { DATAGRAM_BUDGET, importance, longestFit, PriorityAccumulator } from "../../steps/09-delta-snapshots/priority.ts";
import type { Square } from "../../steps/09-delta-snapshots/snapshot-codec.ts";

const SEED = 20261209;
const LOBBY = { kind: "lobby" } as const;
const square = (id: number, x: number, y = 0): Square => ({ id, name: `G${1000 + id}`, color: { r: 170, g: 170, b: 170 }, x, y, w: 20, h: 20, ready: false });

describe("the parts", () => {
  test("longestFit finds what a scan finds", () => {
    fc.assert(
      fc.property(fc.nat(200), fc.nat(250), (count, limit) => {
        const scan = Math.min(count, limit);
        expect(longestFit(count, (n) => n <= limit)).toBe(scan);
      }),
      { seed: SEED },
    );
  });

  test("near squares matter more; every square matters", () => {
    const me = square(0, 500, 500);
    expect(importance(me, square(1, 510, 500))).toBeGreaterThan(importance(me, square(2, 900, 500)));
    expect(importance(me, square(2, 900, 500))).toBeGreaterThan(importance(me, square(3, 1700, 900)));
    expect(importance(me, square(3, 1700, 900))).toBeGreaterThan(1);
    expect(importance(undefined, square(3, 1700, 900))).toBe(1);
  });

  test("a square left out grows until it goes; one that arrived starts from zero", () => {
    const p = new PriorityAccumulator();
    const weight = (id: number) => (id === 1 ? 3 : 1);
    expect(p.rank([1, 2], weight)).toEqual([1, 2]); // 3 against 1
    p.arrived([1]);
    expect(p.rank([1, 2], weight)).toEqual([1, 2]); // 3 against 2
    p.arrived([1]);
    expect(p.rank([1, 2], weight)).toEqual([1, 2]); // 3 against 3: the lower id
    p.arrived([1]);
    expect(p.rank([1, 2], weight)).toEqual([2, 1]); // 3 against 4: square 2 has waited long enough
    expect(p.priorityOf(2)).toBe(4);
    expect(p.rank([1], weight)).toEqual([1]);
    expect(p.priorityOf(2)).toBe(0); // nothing to send: forgotten
  });
});

describe("a tick that does not fit", () => {
  /** 400 squares on a line away from the viewer (id 0 at x 0), shuffled in id. */
  const crowd = (): Snapshot => {
    const spots = Array.from({ length: 400 }, (_, i) => i);
    const ids = spots.map((i) => (i * 7919) % 400); // every id once, not in order of distance
    return spots.map((i) => square(ids[i]!, ids[i] === 0 ? 0 : 25 + i * 4)).sort((a, b) => a.id - b.id);
  };

  test("the own square goes first, then the nearest, in at most 1200 bytes", () => {
    const view = crowd();
    const me = view.find((s) => s.id === 0)!;
    const viewer = me.name;
    const sender = new SnapshotSender();
    const bytes = sender.encode({ tick: 1, ack: 0, phase: LOBBY }, view, viewer);
    expect(bytes.length).toBeLessThanOrEqual(DATAGRAM_BUDGET);
    expect(bytes.length).toBeGreaterThan(DATAGRAM_BUDGET - 30); // filled, not half empty
    const got = new SnapshotReceiver().receive(bytes);
    if (!got.ok) throw new Error(got.error);
    const sent = got.value.snapshot;
    const byDistance = [...view].sort((a, b) => Math.abs(a.x - me.x) - Math.abs(b.x - me.x));
    expect(new Set(sent.map((s) => s.id))).toEqual(new Set(byDistance.slice(0, sent.length).map((s) => s.id)));
    expect(sent.some((s) => s.id === 0)).toBe(true);
    expect(sender.counts).toEqual({ full: 1, clipped: 1, deferred: 400 - sent.length });
  });

  test("joining a crowd: it fills in within a few round trips, and no square blinks out once shown", () => {
    const view = crowd();
    const sender = new SnapshotSender();
    const receiver = new SnapshotReceiver();
    const acks: number[] = [];
    const shown = new Set<number>();
    let complete: number | undefined;
    for (let tick = 1; tick <= 60 && complete === undefined; tick++) {
      const bytes = sender.encode({ tick, ack: 0, phase: LOBBY }, view, view[0]!.name);
      expect(bytes.length).toBeLessThanOrEqual(DATAGRAM_BUDGET);
      const got = receiver.receive(bytes);
      if (!got.ok) throw new Error(got.error);
      const ids = new Set(got.value.snapshot.map((s) => s.id));
      for (const id of shown) expect(ids.has(id)).toBe(true);
      for (const id of ids) shown.add(id);
      if (ids.size === view.length) complete = tick;
      acks.push(tick); // the acknowledgement takes three ticks to come back: a 100 ms round trip
      if (acks.length > 3) sender.acknowledge(acks.shift()!);
    }
    expect(complete ?? Infinity).toBeLessThanOrEqual(30); // ~8 KB of names: 8 full datagrams, paced by acknowledgements 3 ticks behind
  });

  test("everyone moving, too many for one datagram: nobody waits long, the near ones least", () => {
    // 600 squares in a row moving every tick: ~1200 bytes of moves a tick, against a 400-byte budget.
    const count = 600;
    let view: Snapshot = Array.from({ length: count }, (_, id) => square(id, id * 3));
    const sender = new SnapshotSender(400);
    const receiver = new SnapshotReceiver();
    const fresh = new Map<number, number>(); // id -> the last tick the client had it right
    // Worst waits counted once the client has every square (after ~30 ticks): while it joins, the
    // squares it has never seen wait longest and rightly go before moves of the ones it has.
    const worst = new Map<number, number>();
    for (let tick = 1; tick <= 200; tick++) {
      view = view.map((s) => (s.id === 0 ? s : { ...s, y: s.y + 3 }));
      const got = receiver.receive(sender.encode({ tick, ack: 0, phase: LOBBY }, view, "G1000"));
      if (!got.ok) throw new Error(got.error);
      sender.acknowledge(tick);
      got.value.snapshot.forEach((s) => {
        if (s.y === view[s.id]!.y) fresh.set(s.id, tick); // ids 0..count-1: view[id] is square id
        if (tick > 40) worst.set(s.id, Math.max(worst.get(s.id) ?? 0, tick - (fresh.get(s.id) ?? 0)));
      });
    }
    const stale = [...worst.values()];
    const mean = (ids: number[]) => ids.reduce((sum, id) => sum + worst.get(id)!, 0) / ids.length;
    const near = Array.from({ length: 50 }, (_, i) => i + 1);
    const far = Array.from({ length: 50 }, (_, i) => count - 1 - i);
    expect(Math.max(...stale)).toBeLessThanOrEqual(6); // every square is set right at least every 6 ticks (3 here)
    expect(mean(near)).toBeLessThan(mean(far));
  });
});
