// The light bots read a reply with byte searches instead of the protocol's parser: their own square
// in a STATE (UTF-8 or the TCP steps' UTF-16), and where each message of a UTF-16 stream ends, however
// the stream is cut into chunks. Checked against the protocol's own formatter and encoder.
import { expect, test } from "bun:test";
import { positionAt, readInt, Utf16Ends } from "../../bench/light-bots.ts";
import { encodeText } from "../../shared/wire/encoding.ts";
import { formatMessage, formatPlayers, formatState, type Player } from "../../shared/wire/protocol.ts";

const players: Player[] = [
  { name: "L1", color: { r: 1, g: 2, b: 3 }, x: 5, y: 6, w: 20, h: 20 },
  { name: "L12", color: { r: 230, g: 50, b: 50 }, x: 1700, y: 950, w: 20, h: 20 },
  { name: "L123", color: { r: 0, g: 0, b: 0 }, x: 0, y: 0, w: 20, h: 20 },
];

test("readInt reads whole numbers, signed, in ASCII and UTF-16", () => {
  expect(readInt(Buffer.from("ACK 1234 END"), 4)).toEqual([1234, 8]);
  expect(readInt(Buffer.from("-17,"), 0)).toEqual([-17, 3]);
  expect(readInt(Buffer.from("x"), 0)[0]).toBeNaN();
  expect(readInt(Buffer.from("42)", "utf16le"), 0, 2)).toEqual([42, 4]);
});

test("a bot finds its own square in a STATE, not another whose name starts the same", () => {
  const text = formatState(formatPlayers(players), 7, 3);
  for (const encoding of ["utf-8", "utf-16"] as const) {
    const bytes = Buffer.from(encodeText(text, encoding));
    const step = encoding === "utf-8" ? 1 : 2;
    for (const p of players) {
      const needle = encoding === "utf-8" ? Buffer.from(`(${p.name},`) : Buffer.from(`(${p.name},`, "utf16le");
      const at = bytes.indexOf(needle);
      expect({ encoding, name: p.name, at: positionAt(bytes, at, needle.length, step) }).toEqual({ encoding, name: p.name, at: { x: p.x, y: p.y } });
    }
  }
});

test("a square cut off by the end of a chunk gives no position rather than a wrong one", () => {
  const bytes = Buffer.from(formatPlayers(players.slice(0, 1)));
  const needle = Buffer.from("(L1,");
  for (let end = needle.length; end < bytes.length; end++) {
    const cut = bytes.subarray(0, end);
    const found = positionAt(cut, cut.indexOf(needle), needle.length);
    // Either the whole x,y was there, or nothing is claimed.
    if (found !== undefined) expect(bytes.subarray(0, end).toString()).toMatch(/\(L1,\(1,2,3\),\(5,6/);
  }
});

test("Utf16Ends finds every message's end and first letter, however the stream is cut", () => {
  const messages = [
    formatMessage({ type: "CONNECTED", name: "L1" }),
    formatMessage({ type: "PING", stamp: 12345 }),
    formatState(formatPlayers(players)),
    formatMessage({ type: "ERROR", code: "RATE_LIMITED" }),
    formatMessage({ type: "DISCONNECTED", name: "L1" }),
  ];
  const stream = Buffer.concat(messages.map((m) => Buffer.from(encodeText(m, "utf-16"))));
  const expected = messages.map((m) => m.charAt(0));
  // One chunk; every cut into two; and one byte at a time.
  const cuts: number[][] = [[], ...Array.from({ length: stream.length - 1 }, (_, i) => [i + 1]), Array.from({ length: stream.length - 1 }, (_, i) => i + 1)];
  for (const at of cuts) {
    const ends = new Utf16Ends();
    const letters: string[] = [];
    const bounds = [0, ...at, stream.length];
    for (let i = 0; i + 1 < bounds.length; i++) ends.push(stream.subarray(bounds[i], bounds[i + 1]), (letter) => letters.push(letter));
    expect({ at: at.length > 1 ? "bytewise" : at, letters }).toEqual({ at: at.length > 1 ? "bytewise" : at, letters: expected });
  }
});
