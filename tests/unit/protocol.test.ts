import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { encodeText } from "../../shared/wire/encoding.ts";
import { checkName, formatMessage, formatPlayers, parseMessage, parsePlayers, parsePlayersGenerally, type Message, type Player, type Wall } from "../../shared/wire/protocol.ts";

const SEED = 20261125;
const nameArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/).filter((n) => checkName(n).ok);
const byte = fc.integer({ min: 0, max: 255 });
const colorArb = fc.record({ r: byte, g: byte, b: byte });
const coord = fc.integer({ min: -5000, max: 5000 });
const extent = fc.integer({ min: 0, max: 5000 });
const playerArb: fc.Arbitrary<Player> = fc.record({ name: nameArb, color: colorArb, x: coord, y: coord, w: extent, h: extent });
const wallArb: fc.Arbitrary<Wall> = fc.record({ color: colorArb, x: coord, y: coord, w: extent, h: extent });
const moveArb = fc.constantFrom("L", "R", "U", "D", "." as const);
const counter = fc.integer({ min: 0, max: 2 ** 31 - 1 });

const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant("CONNECT" as const), name: nameArb }),
  fc.record({ type: fc.constant("CONNECTED" as const), name: nameArb }),
  fc.record({
    type: fc.constant("CONNECTED" as const),
    name: nameArb,
    welcome: fc.record({
      port: fc.integer({ min: 1, max: 65535 }),
      size: fc.record({ w: fc.integer({ min: 1, max: 5000 }), h: fc.integer({ min: 1, max: 5000 }) }),
      walls: fc.array(wallArb, { maxLength: 5 }),
      players: fc.array(playerArb, { maxLength: 5 }),
    }),
  }),
  fc.record({ type: fc.constant("INPUT" as const), input: moveArb }),
  fc.record({ type: fc.constant("INPUT" as const), input: moveArb, name: nameArb }),
  fc.record({ type: fc.constant("INPUT" as const), input: moveArb, seq: counter }),
  fc.record({ type: fc.constant("STATE" as const), players: fc.array(playerArb, { maxLength: 6 }) }),
  fc.record({ type: fc.constant("STATE" as const), players: fc.array(playerArb, { maxLength: 6 }), tick: counter, ack: counter }),
  fc.record({ type: fc.constant("DISCONNECT" as const), name: nameArb }),
  fc.record({ type: fc.constant("DISCONNECTED" as const), name: nameArb }),
  fc.record({ type: fc.constant("PING" as const), stamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) }),
  fc.record({ type: fc.constant("ERROR" as const), code: fc.constantFrom("MALFORMED", "NAME_TAKEN", "SERVER_FULL", "NAME_INVALID" as const) }),
);

describe("the original game's text forms", () => {
  test("examples of the article and the original README", () => {
    const state = "STATE [(Zyno,(255,0,0),(40,60),(50,50))] END";
    expect(parseMessage(state)).toEqual({ ok: true, value: { type: "STATE", players: [{ name: "Zyno", color: { r: 255, g: 0, b: 0 }, x: 40, y: 60, w: 50, h: 50 }] } });
    const connected = "CONNECTED 5001 Zyno (800,600) WALLS [((0,0,0),(100,100),(50,200))] STATE [] END";
    const parsed = parseMessage(connected);
    expect(parsed.ok && parsed.value.type === "CONNECTED" && parsed.value.welcome?.walls[0]).toEqual({ color: { r: 0, g: 0, b: 0 }, x: 100, y: 100, w: 50, h: 200 });
    expect(parseMessage("INPUT Zyno L END")).toEqual({ ok: true, value: { type: "INPUT", name: "Zyno", input: "L" } });
    expect(formatMessage({ type: "STATE", players: [], tick: 7, ack: 3 })).toBe("STATE [] TICK 7 ACK 3 END");
  });

  test("the article's encodings: UTF-16 (with a byte order mark) costs about twice UTF-8", () => {
    const text = formatMessage({ type: "CONNECT", name: "Zyno" });
    expect(encodeText(text, "utf-8").length).toBe(text.length);
    expect(encodeText(text, "utf-16").length).toBe(2 + 2 * text.length);
  });
});

describe("round trip and hostile input", () => {
  test("every message survives format then parse", () => {
    fc.assert(fc.property(messageArb, (m) => expect(parseMessage(formatMessage(m))).toEqual({ ok: true, value: m })), { seed: SEED, numRuns: 2000 });
  });

  test("no strict prefix of a valid message parses as that message, and none throws", () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        const text = formatMessage(m);
        for (let i = 0; i < text.length; i++) {
          const r = parseMessage(text.slice(0, i));
          if (r.ok) expect(r.value).not.toEqual(m);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("random text and random bytes never throw and always give a typed answer", () => {
    const decoder = new TextDecoder();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => decoder.decode(b))), (text) => {
        const r = parseMessage(text);
        expect(typeof r.ok).toBe("boolean");
        if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 5000 },
    );
  });

  test.each([
    ["", "a message must end with END"],
    ["CONNECT END", "CONNECT takes one name"],
    ["CONNECT Zy no END", "CONNECT takes one name"],
    ["CONNECT ENDER END", "keyword END"],
    ["CONNECT 9lives END", "start with a letter"],
    ["CONNECT Ghost\u0007 END", "A-Z"],
    ["CONNECT AVeryLongNameIndeed END", "1-16"],
    ["INPUT X END", "INPUT takes"],
    ["STATE [(Zyno,(256,0,0),(1,1),(1,1))] END", "0..255"],
    ["STATE [(Zyno,(1,0,0),(99999999999,1),(1,1))] END", "within"],
    ["STATE [(Zyno,(1,0,0),(1,1),(-1,1))] END", "0.."],
    ["STATE [((((((((((((((((((1)))))))))))))))))] END", "nested too deeply"],
    ["STATE [] TICK 1 TICK 2 END", "unexpected TICK"],
    ["HELLO END", "unknown message type"],
    ["ERROR SOMETHING END", "unknown error code"],
  ])("%j is refused (%s)", (text, why) => {
    const r = parseMessage(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(why);
  });
});

describe("the quick reader of player lists", () => {
  test("property: it agrees with the general reader on valid lists and on damaged ones", () => {
    const damaged = fc
      .tuple(fc.array(playerArb, { maxLength: 5 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom("", "-", "0", "9", ",", "(", ")", "[", "]", " ", "a", "99999999999")), { maxLength: 3 }))
      .map(([players, edits]) => {
        let text = formatPlayers(players);
        for (const [at, piece] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + piece + text.slice(i + 1);
        }
        return text;
      });
    fc.assert(fc.property(damaged, (text) => expect(parsePlayers(text)).toEqual(parsePlayersGenerally(text))), { seed: SEED, numRuns: 5000 });
  });
});
