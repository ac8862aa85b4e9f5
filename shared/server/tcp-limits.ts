// What keeps a TCP server serving when some clients are not honest: every open connection costs a
// file descriptor and memory, so their number is capped (a newcomer past the cap is told so and
// closed), and a connection that does not finish a message in time is closed by the server's sweep.
import type { Socket } from "bun";
import { flag } from "../plumbing/cli.ts";
import { encodeText, type Encoding } from "../wire/encoding.ts";
import { refusals } from "../plumbing/log.ts";
import { formatMessage } from "../wire/protocol.ts";

export const maxConnectionsFlag = flag("number", 256, "connections open at the same time; past it a newcomer gets ERROR SERVER_FULL");

/** True when `open` connections (the newcomer not counted) already reach `max`: the newcomer has
 *  then been told `ERROR SERVER_FULL END` and closed, and is not to be served. */
export function refuseOverCapacity(socket: Socket<unknown>, open: number, max: number, encoding: Encoding): boolean {
  if (open < max) return false;
  refusals.refuse(socket.remoteAddress, `${socket.remoteAddress} SERVER_FULL: ${open} connections open, --max-connections is ${max}`);
  // Not from inside `open` itself: a socket Bun is still opening and is ended there never gets
  // its `close` callback (measured with Bun 1.4.4), and would stay in the server's count for ever.
  const refusal = encodeText(formatMessage({ type: "ERROR", code: "SERVER_FULL" }), encoding);
  queueMicrotask(() => socket.end(refusal));
  return true;
}

/** How often a server sweeps for connections past their time: often enough to close them close to
 *  `timeoutS`, never more than once a second. */
export const sweepEveryMs = (timeoutS: number): number => Math.min(1000, (timeoutS * 1000) / 2);
