// Step 07's additions to the protocol: phase messages, and STATE with SHADES. Round trips as
// property tests (the codec's own suite covers the rest), and the original's forms read as such.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkName, formatMessage, parseMessage, type Message, type Player } from "../../steps/07-haunted-chronicles/messages.ts";

const SEED = 20261125;
const nameArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/).filter((n) => checkName(n).ok);
const byte = fc.integer({ min: 0, max: 255 });
const coord = fc.integer({ min: -5000, max: 5000 });
const playerArb: fc.Arbitrary<Player> = fc.record({
  name: nameArb,
  color: fc.record({ r: byte, g: byte, b: byte }),
  x: coord,
  y: coord,
  w: fc.integer({ min: 0, max: 100 }),
  h: fc.integer({ min: 0, max: 100 }),
});
/** A polygon as the wire carries it: three or more distinct integer points. */
const polygonArb = fc
  .uniqueArray(fc.tuple(coord, coord), { minLength: 3, maxLength: 8, selector: ([x, y]) => `${x},${y}` })
  .map((points) => points.map(([x, y]) => ({ x, y })));
const counter = fc.integer({ min: 0, max: 2 ** 31 - 1 });
/** Words of a phase text: anything without spaces that is not the framing's END. */
const wordArb = fc.stringMatching(/^[A-Za-z0-9_!:.,()-]{1,12}$/).filter((w) => w !== "END");

const gameMessageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant("LOBBY" as const), ready: fc.array(nameArb, { maxLength: 6 }) }),
  fc.record({ type: fc.constant("GAME" as const), secondsLeft: fc.integer({ min: 0, max: 100_000 }).map((t) => t / 10) }),
  fc.record({
    type: fc.constantFrom("TRANSITION_LOBBY_GAME" as const, "TRANSITION_GAME_LOBBY" as const),
    text: fc.array(wordArb, { minLength: 1, maxLength: 4 }).map((w) => w.join(" ")),
  }),
  fc.record({
    type: fc.constant("STATE" as const),
    players: fc.array(playerArb, { maxLength: 5 }),
    shades: fc.array(polygonArb, { maxLength: 5 }),
    tick: counter,
    ack: counter,
  }),
  fc.record({ type: fc.constant("STATE" as const), players: fc.array(playerArb, { maxLength: 5 }), shades: fc.array(polygonArb, { maxLength: 3 }) }),
);

describe("step 07 messages", () => {
  test("every phase message and every STATE with SHADES survives format then parse", () => {
    fc.assert(fc.property(gameMessageArb, (m) => expect(parseMessage(formatMessage(m))).toEqual({ ok: true, value: m })), { seed: SEED, numRuns: 2000 });
  });

  test("no strict prefix of one parses as it", () => {
    fc.assert(
      fc.property(gameMessageArb, (m) => {
        const text = formatMessage(m);
        for (let i = 0; i < text.length; i++) {
          const r = parseMessage(text.slice(0, i));
          if (r.ok) expect(r.value).not.toEqual(m);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("the original's forms", () => {
    expect(parseMessage("LOBBY [Zyno,Alice] END")).toEqual({ ok: true, value: { type: "LOBBY", ready: ["Zyno", "Alice"] } });
    expect(parseMessage("GAME 19.9 END")).toEqual({ ok: true, value: { type: "GAME", secondsLeft: 19.9 } });
    expect(parseMessage("TRANSITION_LOBBY_GAME Entering_game_in_4.2s END")).toEqual({ ok: true, value: { type: "TRANSITION_LOBBY_GAME", text: "Entering_game_in_4.2s" } });
    // The original's one flat path of shadow points is read as one polygon.
    const state = parseMessage("STATE [(Zyno,(230,50,50),(10,20),(20,20))] SHADES [(0,0),(40,0),(40,30)] TICK 5 ACK 1 END");
    expect(state.ok && state.value).toMatchObject({ type: "STATE", shades: [[{ x: 0, y: 0 }, { x: 40, y: 0 }, { x: 40, y: 30 }]], tick: 5, ack: 1 });
  });

  test.each([
    ["LOBBY END", "LOBBY takes one list"],
    ["LOBBY [a,b] [c] END", "LOBBY takes one list"],
    ["LOBBY [ENDER] END", "name is invalid"],
    ["GAME END", "GAME takes"],
    ["GAME -1 END", "GAME takes"],
    ["GAME 1.25 END", "GAME takes"],
    ["TRANSITION_GAME_LOBBY END", "takes a text"],
    ["STATE [] SHADES END", "missing shades"],
    ["STATE [] SHADES [(0,0),(1,1)] END", "at least three"],
    ["STATE [] SHADES [] SHADES [] END", "unexpected"],
  ])("refuses %j (%s)", (text, reason) => {
    const r = parseMessage(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(reason);
  });
});
