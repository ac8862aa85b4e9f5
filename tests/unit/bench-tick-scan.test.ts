// The light bots of steps 09-10 read a binary tick only as far as they need (bench/light-bots.ts'
// scanTick): its tick, its input ACK, its phase, and whether the bot's own square moved. Whatever
// the step's encoder writes, the scan says what the step's full decoder says. And the still bots
// are spread evenly: any run of bots holds the share asked for.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { MAX_NUMBER } from "../../shared/wire/protocol.ts";
import { decodeTick, encodeTick, type Change, type TickMessage, type TickPhase } from "../../steps/09-delta-snapshots/snapshot-codec.ts";
import { isStill, scanTick } from "../../bench/light-bots.ts";

const counter = fc.integer({ min: 0, max: MAX_NUMBER });
const coord = fc.integer({ min: -MAX_NUMBER, max: MAX_NUMBER });
const move = fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -2 * MAX_NUMBER, max: 2 * MAX_NUMBER }));
const changeArb = (id: number): fc.Arbitrary<Change> =>
  fc.oneof(
    fc.constant({ kind: "removed" as const, id }),
    fc.tuple(move, move).filter(([dx, dy]) => dx !== 0 || dy !== 0).map(([dx, dy]) => ({ kind: "moved" as const, id, dx, dy })),
    fc.record({ x: coord, y: coord, ready: fc.boolean() }).map(({ x, y, ready }) => ({
      kind: "entered" as const,
      id,
      square: { id, name: `P${id}`, color: { r: 1, g: 2, b: 3 }, x, y, w: 20, h: 20, ready },
    })),
  );
const phaseArb: fc.Arbitrary<TickPhase> = fc.oneof(
  fc.constant({ kind: "lobby" as const }),
  fc.record({ kind: fc.constantFrom("countdown" as const, "game" as const), ticksLeft: counter }),
  fc.record({ kind: fc.constant("over" as const), why: fc.constantFrom("caught" as const, "left" as const, "time" as const), ticksLeft: counter }),
);
const messageArb: fc.Arbitrary<TickMessage> = fc.record({
  tick: counter,
  ack: counter,
  phase: phaseArb,
  changes: fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 40 }).chain((ids) => fc.tuple(...ids.map(changeArb))),
});
const PHASE_CODES = ["lobby", "countdown", "game", "over-caught", "over-time", "over-left"];

test("scanTick reads the tick, the ACK, the phase and whether the own square moved, as decodeTick does", () => {
  fc.assert(
    fc.property(messageArb, fc.integer({ min: 0, max: 400 }), (m, ownId) => {
      const bytes = encodeTick(m);
      const decoded = decodeTick(bytes);
      if (!decoded.ok) throw new Error(decoded.error);
      const d = decoded.value;
      const code = PHASE_CODES.indexOf(d.phase.kind === "over" ? `over-${d.phase.why}` : d.phase.kind);
      const moved = d.changes.some((c) => c.kind === "moved" && c.id === ownId);
      expect(scanTick(bytes, ownId)).toEqual({ tick: d.tick, ack: d.ack, phase: code, ownMoved: moved });
    }),
    { seed: 20260515, numRuns: 500 },
  );
});

test("scanTick refuses what is no tick, and a tick cut short", () => {
  const bytes = encodeTick({ tick: 300, ack: 7, phase: { kind: "game", ticksLeft: 600 }, changes: [{ kind: "moved", id: 3, dx: 2, dy: 0 }] });
  expect(scanTick(bytes, 3)?.ownMoved).toBe(true);
  expect(scanTick(new TextEncoder().encode("PING 1 END"), 3)).toBeUndefined();
  expect(scanTick(bytes.subarray(0, 3), 3)).toBeUndefined();
});

test("isStill: a share of the bots, spread evenly over any run of them", () => {
  const count = (share: number, from: number, n: number) => Array.from({ length: n }, (_, i) => isStill(from + i, share)).filter(Boolean).length;
  expect([count(0, 0, 100), count(1, 0, 100), count(0.5, 0, 100), count(0.5, 37, 10), count(0.25, 0, 8)]).toEqual([0, 100, 50, 5, 2]);
});
