// Text on the wire. The article's TCP steps spoke UTF-16 (Python's `bytes(s, "utf-16")`: a byte
// order mark, then two bytes per character); its UDP steps switched to UTF-8 to make messages
// smaller. The codec takes the encoding so each step can speak what the article spoke.

export type Encoding = "utf-16" | "utf-8";

const BOM = "\uFEFF";
const utf8 = new TextEncoder();

/** Bytes of a text, exactly as Python's `bytes(text, encoding)` gives them. */
export function encodeText(text: string, encoding: Encoding): Uint8Array {
  if (encoding === "utf-8") return utf8.encode(text);
  const withBom = BOM + text;
  const out = new Uint8Array(withBom.length * 2);
  for (let i = 0; i < withBom.length; i++) {
    const unit = withBom.charCodeAt(i); // UTF-16 code units, surrogate pairs included
    out[2 * i] = unit & 0xff;
    out[2 * i + 1] = unit >> 8;
  }
  return out;
}

/** A decoder for a byte stream: keeps a split character (or a split UTF-16 pair of bytes) for the
 *  next chunk and replaces invalid bytes with U+FFFD. UTF-16 is read in the byte order its first
 *  mark says: `ff fe` little-endian (Python on a PC), `fe ff` big-endian (Python on a big-endian
 *  machine, which would otherwise read as gibberish that never ends); without a mark, little-endian.
 *  @param mark what each byte order mark becomes: nothing, or a boundary the framing can see. */
export function streamDecoder(encoding: Encoding, mark = ""): (chunk: Uint8Array) => string {
  if (encoding === "utf-8") {
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    return (chunk) => decoder.decode(chunk, { stream: true }).replaceAll(BOM, mark);
  }
  let decoder: TextDecoder | undefined;
  let firstByte: Uint8Array | undefined; // a stream's first byte alone cannot say the byte order
  return (chunk) => {
    if (decoder === undefined) {
      const start = firstByte === undefined ? chunk : new Uint8Array([...firstByte, ...chunk]);
      if (start.length < 2) {
        firstByte = start;
        return "";
      }
      firstByte = undefined;
      decoder = new TextDecoder(start[0] === 0xfe && start[1] === 0xff ? "utf-16be" : "utf-16le", { ignoreBOM: true });
      chunk = start;
    }
    return decoder.decode(chunk, { stream: true }).replaceAll(BOM, mark);
  };
}

/** Decodes one whole datagram. */
export function decodeText(bytes: Uint8Array, encoding: Encoding): string {
  return streamDecoder(encoding)(bytes);
}
