import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { encodeText, type Encoding } from "../../shared/wire/encoding.ts";
import { FrameDecoder, splitMessages } from "../../shared/wire/framing.ts";

const MESSAGES = ["CONNECT Zyno END", "INPUT L END", "STATE [(Zyno,(255,0,0),(40,60),(20,20))] END", "DISCONNECT Zyno END"];
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe.each<Encoding>(["utf-8", "utf-16"])("stream framing in %s", (encoding) => {
  const stream = concat(MESSAGES.map((m) => encodeText(m, encoding)));

  test("fed one byte at a time, it yields exactly the messages, in order, each as soon as complete", () => {
    const decoder = new FrameDecoder(encoding, 1000);
    const out: string[] = [];
    for (const byte of stream) {
      const r = decoder.push(new Uint8Array([byte]));
      expect(r.ok).toBe(true);
      out.push(...r.messages);
    }
    expect(out).toEqual(MESSAGES);
    expect(decoder.buffered).toBe(0);
  });

  test("coalesced in one chunk, or cut at any random places, gives the same messages", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const decoder = new FrameDecoder(encoding, 1000);
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const out: string[] = [];
        for (let i = 1; i < points.length; i++) out.push(...decoder.push(stream.subarray(points[i - 1], points[i])).messages);
        expect(out).toEqual(MESSAGES);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe("limits and odd input", () => {
  test("a stream without END past the maximum length is refused, with a clear error", () => {
    const decoder = new FrameDecoder("utf-8", 64);
    expect(decoder.push(encodeText("x".repeat(64), "utf-8")).ok).toBe(true);
    const r = decoder.push(encodeText("y", "utf-8"));
    expect(r).toEqual({ ok: false, messages: [], error: "message longer than 64 characters" });
  });

  test("messages completed before the oversize part are still delivered", () => {
    const r = new FrameDecoder("utf-8", 20).push(encodeText(`INPUT L END ${"z".repeat(30)}`, "utf-8"));
    expect(r.ok).toBe(false);
    expect(r.messages).toEqual(["INPUT L END"]);
  });

  test("END inside a word does not end a message; whitespace between messages is ignored", () => {
    expect(splitMessages("STATE [(ZENDY,(1,1,1),(0,0),(1,1))] END\n INPUT . END", 1000).messages).toEqual(["STATE [(ZENDY,(1,1,1),(0,0),(1,1))] END", "INPUT . END"]);
  });

  test("invalid bytes become replacement characters, never an exception", () => {
    const r = new FrameDecoder("utf-8", 100).push(new Uint8Array([0xff, 0xfe, 0x20, 0x45, 0x4e, 0x44]));
    expect(r.messages).toEqual(["\uFFFD\uFFFD END"]);
  });
});
