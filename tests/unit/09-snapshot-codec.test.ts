// The binary tick: whatever is written reads back the same, any bytes at all read without a throw,
// and the sizes the lesson quotes (a moved square in two bytes) hold.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkName, MAX_NUMBER } from "../../shared/wire/protocol.ts";
import { decodeTick, encodeTick, isTickDatagram, MAX_ID, tickSize, TICK_MAGIC, type Change, type Square, type TickMessage, type TickPhase } from "../../steps/09-delta-snapshots/snapshot-codec.ts";

const SEED = 20261209;
const nameArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/).filter((n) => checkName(n).ok);
const byte = fc.integer({ min: 0, max: 255 });
const coord = fc.oneof(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: -MAX_NUMBER, max: MAX_NUMBER }));
const extent = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: MAX_NUMBER }));
const counter = fc.integer({ min: 0, max: MAX_NUMBER });
const squareArb = (id: number): fc.Arbitrary<Square> =>
  fc.record({ id: fc.constant(id), name: nameArb, color: fc.record({ r: byte, g: byte, b: byte }), x: coord, y: coord, w: extent, h: extent, ready: fc.boolean() });
const move = fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -2 * MAX_NUMBER, max: 2 * MAX_NUMBER }));
const changeArb = (id: number): fc.Arbitrary<Change> =>
  fc.oneof(
    fc.constant({ kind: "removed" as const, id }),
    fc.tuple(move, move).filter(([dx, dy]) => dx !== 0 || dy !== 0).map(([dx, dy]) => ({ kind: "moved" as const, id, dx, dy })),
    squareArb(id).map((square) => ({ kind: "entered" as const, id, square })),
  );
const idsArb = fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: MAX_ID })), { maxLength: 40 });
const phaseArb: fc.Arbitrary<TickPhase> = fc.oneof(
  fc.constant({ kind: "lobby" as const }),
  fc.record({ kind: fc.constantFrom("countdown" as const, "game" as const), ticksLeft: counter }),
  // Why the round ended, not only who won: the results say "every hider was caught" or "the last hider left".
  fc.record({ kind: fc.constant("over" as const), why: fc.constantFrom("caught" as const, "left" as const, "time" as const), ticksLeft: counter }),
);
const messageArb: fc.Arbitrary<TickMessage> = fc
  .record({ tick: counter, ack: counter, age: fc.option(counter, { nil: undefined }), phase: phaseArb, changes: idsArb.chain((ids) => fc.tuple(...ids.map(changeArb))) })
  .map(({ tick, age, ...rest }) => ({ tick, ...(age === undefined || age === 0 || age > tick ? {} : { baseline: tick - age }), ...rest }));

/** The message as it reads back: its changes in id order. */
const canonical = (m: TickMessage): TickMessage => ({ ...m, changes: [...m.changes].sort((a, b) => a.id - b.id) });

describe("the binary tick", () => {
  test("reads back exactly what was written, its changes in id order", () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const bytes = encodeTick(m);
        expect(isTickDatagram(bytes)).toBe(true);
        expect(tickSize(m)).toBe(bytes.length);
        expect(decodeTick(bytes)).toEqual({ ok: true, value: canonical(m) });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("any bytes read without a throw: a message or an error", () => {
    const anyBytes = fc.uint8Array({ maxLength: 300 });
    const startsRight = anyBytes.map((b) => Uint8Array.of(TICK_MAGIC, ...b));
    fc.assert(
      fc.property(fc.oneof(anyBytes, startsRight), (bytes) => {
        const read = decodeTick(bytes);
        expect(typeof read.ok).toBe("boolean");
        if (!read.ok) expect(read.error.length).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  test("every cut short or mangled tick reads without a throw; a cut one is always refused", () => {
    fc.assert(
      fc.property(messageArb, fc.nat(), byte, (m, at, value) => {
        const bytes = encodeTick(m);
        for (let n = 0; n < bytes.length; n++) expect(decodeTick(bytes.subarray(0, n)).ok).toBe(false);
        const mangled = bytes.slice();
        mangled[at % bytes.length] = value;
        const read = decodeTick(mangled);
        if (read.ok) expect(decodeTick(encodeTick(read.value))).toEqual(read); // whatever reads is a real message
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("refuses what no server writes", () => {
    const square: Square = { id: 3, name: "Zyno", color: { r: 1, g: 2, b: 3 }, x: 4, y: 5, w: 20, h: 20, ready: false };
    const base = { tick: 10, ack: 0, phase: { kind: "lobby" as const } };
    const bytes = encodeTick({ ...base, baseline: 9, changes: [{ kind: "entered", id: 3, square }] });
    const error = (b: Uint8Array) => {
      const read = decodeTick(b);
      return read.ok ? "read" : read.error;
    };
    expect(error(Uint8Array.of(0x53, 0x54))).toBe("not a binary tick"); // "ST", a text STATE
    expect(error(Uint8Array.of(...bytes, 0))).toContain("bytes after the last list");
    // The same square twice: removed, and entered.
    expect(error(encodeTick({ ...base, changes: [{ kind: "removed", id: 3 }, { kind: "entered", id: 3, square }] }))).toContain("changes twice");
    // A move along no axis: the code 3 * 4 + 0 after a count of 1.
    // Tick 10, ack 0, no baseline, then the shape byte: lobby (0) with a moved list (16).
    expect(error(Uint8Array.of(TICK_MAGIC, 10, 0, 0, 16, 1, 12))).toContain("no axis"); // square 3 (12 = 3 * 4 + 0)
    expect(error(Uint8Array.of(TICK_MAGIC, 10, 0, 0, 16, 0))).toContain("empty list");
    expect(error(Uint8Array.of(TICK_MAGIC, 10, 0, 11, 0))).toContain("before tick 0");
    expect(error(Uint8Array.of(TICK_MAGIC, 10, 0, 0, 7))).toContain("unknown phase");
    expect(error(Uint8Array.of(TICK_MAGIC, 10, 0, 0, 64))).toContain("unknown bits");
    expect(error(Uint8Array.of(TICK_MAGIC, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))).toContain("longer than 5 bytes");
    const badName = encodeTick({ ...base, changes: [{ kind: "entered", id: 3, square: { ...square, name: "END" } }] });
    expect(error(badName)).toContain("invalid name");
  });
});

describe("what a tick costs", () => {
  const square = (id: number, x = 100): Square => ({ id, name: `Ghost${1000 + id}`, color: { r: 170, g: 170, b: 170 }, x, y: 200, w: 20, h: 20, ready: false });

  test("the lesson's tick, byte by byte", () => {
    const bytes = encodeTick({
      tick: 1000,
      ack: 7,
      baseline: 998,
      phase: { kind: "game", ticksLeft: 450 },
      changes: [
        { kind: "moved", id: 4, dx: 6, dy: 0 }, // a hider went right for two ticks (3 px a tick)
        { kind: "moved", id: 5, dx: 0, dy: -3 }, // another went up for one
        { kind: "removed", id: 9 }, // a square went behind a wall
      ],
    });
    expect([...bytes]).toEqual([
      0xd9, // binary tick
      0xe8, 0x07, // tick 1000 = 0x68 + 7 * 128
      7, // ack 7
      2, // baseline 998 = 1000 - 2
      2 + 8 + 16, // the shape: game (2), then removed (8) and moved (16) lists; none entered
      0xc2, 0x03, // 450 ticks left (15 s) = 0x42 + 3 * 128
      1, 9, // one removed: id 9
      2, 4 * 4 + 1, 12, 0 * 4 + 2, 5, // two moved: id 4 in x by +6 (zigzag 12), id 5 (gap 0) in y by -3 (zigzag 5)
    ]);
  });

  test("a square that moves along one axis costs two bytes; one that keeps still, nothing", () => {
    const header = { tick: 100, ack: 1, baseline: 99, phase: { kind: "lobby" as const } };
    const empty = tickSize({ ...header, changes: [] });
    const moves: Change[] = Array.from({ length: 300 }, (_, id) => ({ kind: "moved", id, dx: id % 2 === 0 ? 10 : 0, dy: id % 2 === 0 ? 0 : -4 }));
    expect(tickSize({ ...header, changes: moves }) - empty).toBe(300 * 2 + 2); // + the count, 2 bytes
    expect(empty).toBe(5); // a tick in which nothing changed
  });

  test("a square entering a view carries its name once, about 20 bytes", () => {
    const header = { tick: 100, ack: 1, phase: { kind: "lobby" as const } };
    const empty = tickSize({ ...header, changes: [] });
    const one = tickSize({ ...header, changes: [{ kind: "entered", id: 0, square: square(0) }] });
    expect(one - empty).toBe(1 + 1 + 1 + "Ghost1000".length + 3 + 2 + 2 + 1 + 1 + 1); // count, id, name...
  });
});
