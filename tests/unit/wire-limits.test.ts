// Small things the wire must get right for a stranger's bytes: a big-endian UTF-16 stream is read
// (not waited on until a timeout), `CONNECT ENDER END` is one message refused once, a datagram
// carries a bounded number of messages, and a CONNECT with a bad name says NAME_INVALID.
import { describe, expect, test } from "bun:test";
import { encodeText } from "../../shared/wire/encoding.ts";
import { FrameDecoder } from "../../shared/wire/framing.ts";
import { encode, MAX_MESSAGES_PER_DATAGRAM, readDatagram } from "../../shared/wire/datagram.ts";
import { parseMessage } from "../../shared/wire/protocol.ts";
import { utf16be } from "../helpers/utf16.ts";

describe("UTF-16 byte order", () => {
  test("a big-endian stream (fe ff) is read as such, whole or one byte at a time", () => {
    const stream = new Uint8Array([...utf16be("CONNECT Bob END"), ...utf16be("INPUT R END")]);
    expect(new FrameDecoder("utf-16", 1024).push(stream).messages).toEqual(["CONNECT Bob END", "INPUT R END"]);
    const decoder = new FrameDecoder("utf-16", 1024);
    const out: string[] = [];
    for (const byte of stream) out.push(...decoder.push(new Uint8Array([byte])).messages);
    expect(out).toEqual(["CONNECT Bob END", "INPUT R END"]);
  });

  test("little-endian (ff fe, what the article's clients send) is unchanged", () => {
    const stream = new Uint8Array([...encodeText("CONNECT Bob END", "utf-16"), ...encodeText("INPUT R END", "utf-16")]);
    expect(new FrameDecoder("utf-16", 1024).push(stream).messages).toEqual(["CONNECT Bob END", "INPUT R END"]);
  });
});

describe("CONNECT ENDER END", () => {
  test("in UTF-16, where each message starts with a byte order mark, it is one message", () => {
    const messages = new FrameDecoder("utf-16", 1024).push(encodeText("CONNECT ENDER END", "utf-16")).messages;
    expect(messages).toEqual(["CONNECT ENDER END"]);
  });

  test("its parse error is NAME_INVALID, as is a CONNECT without a name", () => {
    for (const text of ["CONNECT ENDER END", "CONNECT 9lives END", "CONNECT END"]) {
      const parsed = parseMessage(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.code).toBe("NAME_INVALID");
    }
    const other = parseMessage("INPUT X END");
    expect(!other.ok && other.code).toBeUndefined(); // other errors carry no code: MALFORMED
  });
});

describe("messages in one datagram", () => {
  test(`at most ${MAX_MESSAGES_PER_DATAGRAM} are read; more makes the datagram TOO_LONG`, () => {
    expect(MAX_MESSAGES_PER_DATAGRAM).toBeGreaterThanOrEqual(2);
    expect(MAX_MESSAGES_PER_DATAGRAM).toBeLessThanOrEqual(16);
    const full = readDatagram(encode("PING 1 END ".repeat(MAX_MESSAGES_PER_DATAGRAM)), 128, parseMessage, MAX_MESSAGES_PER_DATAGRAM);
    expect(full.messages.length).toBe(MAX_MESSAGES_PER_DATAGRAM);
    expect(full.broken).toBeUndefined();
    const packed = readDatagram(encode("PING 1 END ".repeat(5000)), 128, parseMessage, MAX_MESSAGES_PER_DATAGRAM);
    expect(packed.messages.length).toBe(MAX_MESSAGES_PER_DATAGRAM);
    expect(packed.broken).toBe("TOO_LONG");
  });
});
