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
 *  next chunk, replaces invalid bytes with U+FFFD and drops byte order marks. */
export function streamDecoder(encoding: Encoding): (chunk: Uint8Array) => string {
  const decoder = new TextDecoder(encoding === "utf-8" ? "utf-8" : "utf-16le", { ignoreBOM: true });
  return (chunk) => decoder.decode(chunk, { stream: true }).replaceAll(BOM, "");
}

/** Decodes one whole datagram. */
export function decodeText(bytes: Uint8Array, encoding: Encoding): string {
  return streamDecoder(encoding)(bytes);
}
