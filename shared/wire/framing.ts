// TCP delivers a stream of bytes, not messages: one read may hold half a message, or three.
// The article read `recv(1024)` and hoped; this decoder cuts the stream where a message ends
// (at the word `END`) and keeps the rest for later. Names cannot start with `END` (see checkName),
// so a word that starts with `END` can only be a message's end.
//
// In UTF-16 the bytes say more: each message starts with a byte order mark (Python's
// `bytes(text, "utf-16")`), so a message ends at an `END` followed by a space, the next mark or
// nothing yet. `CONNECT ENDER END` is then one message, refused once. In UTF-8 there is no mark
// between messages sent back to back (`INPUT L ENDINPUT R END`), so `END` ends a message whatever
// follows it.
import { streamDecoder, type Encoding } from "./encoding.ts";

export type FrameResult =
  | { readonly ok: true; readonly messages: readonly string[] }
  | { readonly ok: false; readonly messages: readonly string[]; readonly error: string };

export class FrameDecoder {
  private pending = "";
  /** Made on the first bytes: a UDP datagram is cut from text and never needs one. */
  private decode: ((chunk: Uint8Array) => string) | undefined;

  /** @param maxLength longest message accepted, in characters; past it the stream is refused. */
  constructor(private readonly encoding: Encoding, private readonly maxLength: number) {}

  /** Feeds bytes; returns every message completed by them (each ending with `END`). */
  push(chunk: Uint8Array): FrameResult {
    this.decode ??= streamDecoder(this.encoding, this.encoding === "utf-16" ? MARK : "");
    this.pending += this.decode(chunk);
    return this.cut();
  }

  /** Feeds already-decoded text (a UDP datagram holds whole messages). */
  pushText(text: string): FrameResult {
    this.pending += text;
    return this.cut();
  }

  /** Characters received but not yet part of a complete message. */
  get buffered(): number {
    return this.pending.length;
  }

  private cut(): FrameResult {
    const messages: string[] = [];
    for (;;) {
      this.pending = this.pending.trimStart();
      const end = findEnd(this.pending, this.encoding === "utf-16");
      if (end < 0) break;
      if (end > this.maxLength) return this.tooLong(messages);
      messages.push(this.pending.slice(0, end));
      this.pending = this.pending.slice(end);
    }
    if (this.pending.length > this.maxLength) return this.tooLong(messages);
    return { ok: true, messages };
  }

  private tooLong(messages: string[]): FrameResult {
    this.pending = "";
    return { ok: false, messages, error: `message longer than ${this.maxLength} characters` };
  }
}

/** What a UTF-16 byte order mark becomes in the text: whitespace, so it separates two messages. */
const MARK = "\n";

/** Index just after the first `END` that starts a word (at the start or after whitespace), or -1.
 *  `whole`: only an `END` that is a whole word, followed by whitespace or the end of the text. */
function findEnd(text: string, whole: boolean): number {
  let from = 0;
  for (;;) {
    const at = text.indexOf("END", from);
    if (at < 0) return -1;
    const starts = at === 0 || /\s/.test(text[at - 1]!);
    const ends = !whole || at + 3 === text.length || /\s/.test(text[at + 3]!);
    if (starts && ends) return at + 3;
    from = at + 1;
  }
}

/** Cuts a whole datagram into its messages (a sender may pack several into one). */
export function splitMessages(text: string, maxLength: number): FrameResult {
  return new FrameDecoder("utf-8", maxLength).pushText(text);
}
