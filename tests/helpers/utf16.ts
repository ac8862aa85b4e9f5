// UTF-16 as a stranger's machine writes it.

/** Python's `bytes(text, "utf-16")` on a big-endian machine: the mark fe ff, then each unit high byte first. */
export function utf16be(text: string): Uint8Array {
  const withBom = `\uFEFF${text}`;
  const out = new Uint8Array(withBom.length * 2);
  for (let i = 0; i < withBom.length; i++) {
    out[2 * i] = withBom.charCodeAt(i) >> 8;
    out[2 * i + 1] = withBom.charCodeAt(i) & 0xff;
  }
  return out;
}
