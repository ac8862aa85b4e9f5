// UDP delivers whole datagrams: no stream to cut, but one datagram may carry several messages
// (a sender may pack them), and any datagram may be garbage from a stranger. This reads one
// datagram into parsed messages, in UTF-8 like the article's UDP steps.
import { FrameDecoder } from "./framing.ts";
import type { Parsed } from "./protocol.ts";

/** Longest message a client ever needs to send (`CONNECT <name> END`, `INPUT . SEQ <n> END`...). */
export const MAX_CLIENT_MESSAGE = 128;
/** Longest message a client accepts: a STATE of every player (about 42 bytes each). */
export const MAX_SERVER_MESSAGE = 65_507; // the largest UDP payload over IPv4
/** Messages a server reads from one client datagram. A client needs a few (step 07 packs its
 *  unacknowledged lobby inputs with its move); without a bound, one 64 KB datagram of `PING 1 END`
 *  would buy thousands of replies, an amplifier for anyone who spoofs a victim's address. */
export const MAX_MESSAGES_PER_DATAGRAM = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8"); // invalid bytes become U+FFFD, then fail to parse

export const encode = (text: string): Uint8Array => encoder.encode(text);

export interface DatagramContent<M> {
  /** Every message of the datagram in order, each parsed or with the reason it could not be. */
  readonly messages: readonly Parsed<M>[];
  /** A message longer than the limit, more messages than `maxMessages` (the rest are not read), or
   *  text left over without END: the datagram is broken. */
  readonly broken?: "TOO_LONG" | "MALFORMED";
}

/** `parse` reads one message: the protocol's own, or a step's that knows more messages (07). */
export function readDatagram<M>(bytes: Uint8Array, maxMessage: number, parse: (text: string) => Parsed<M>, maxMessages = Infinity): DatagramContent<M> {
  const framer = new FrameDecoder("utf-8", maxMessage);
  const framed = framer.pushText(decoder.decode(bytes));
  const messages = framed.messages.slice(0, maxMessages).map((text) => parse(text));
  if (!framed.ok || framed.messages.length > maxMessages) return { messages, broken: "TOO_LONG" };
  if (framer.buffered > 0) return { messages, broken: "MALFORMED" };
  return { messages };
}
