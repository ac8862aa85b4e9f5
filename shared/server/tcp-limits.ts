// What keeps a TCP server serving when some clients are not honest: every open connection costs a
// file descriptor and memory, so their number is capped, in all and per IP address (a newcomer past
// a cap is told so and closed); a connection that does not finish a message in time is closed by the
// server's sweep; and replies a client does not read may wait only so long, and only so many.
import type { Socket } from "bun";
import { flag, whole } from "../plumbing/cli.ts";
import { encodeText, type Encoding } from "../wire/encoding.ts";
import { refusals } from "../plumbing/log.ts";
import { formatMessage } from "../wire/protocol.ts";

export const maxConnectionsFlag = flag("number", 256, "connections open at the same time; past it a newcomer gets ERROR SERVER_FULL", whole(1, 100_000));
export const maxPerAddressFlag = flag("number", 16, "connections open from one IP address at the same time; past it a newcomer from there gets ERROR SERVER_FULL", whole(1, 100_000));

/** True when `open` connections (the newcomer not counted) already reach `max`: the newcomer has
 *  then been told `ERROR SERVER_FULL END` and closed, and is not to be served. */
export function refuseOverCapacity(socket: Socket<unknown>, open: number, max: number, encoding: Encoding): boolean {
  if (open < max) return false;
  refuseNewcomer(socket, `${open} connections open, --max-connections is ${max}`, encoding);
  return true;
}

function refuseNewcomer(socket: Socket<unknown>, why: string, encoding: Encoding): void {
  refusals.refuse(socket.remoteAddress, `${socket.remoteAddress} SERVER_FULL: ${why}`);
  // Not from inside `open` itself: a socket Bun is still opening and is ended there never gets
  // its `close` callback (measured with Bun 1.4.4), and would stay in the server's count for ever.
  const refusal = encodeText(formatMessage({ type: "ERROR", code: "SERVER_FULL" }), encoding);
  queueMicrotask(() => socket.end(refusal));
}

/** Connections open from each IP address. --max-connections alone lets one address hold every
 *  connection (re-opening each one the server closes) and lock everybody else out; a cap per
 *  address leaves room for the others. Its default leaves room for a household behind one router. */
export class AddressCounts {
  private readonly open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Counts a connection from `address`, refused or not (`closed` uncounts it); returns how many
   *  that address has open now. */
  opened(address: string): number {
    const open = (this.open.get(address) ?? 0) + 1;
    this.open.set(address, open);
    return open;
  }

  closed(address: string): void {
    const open = (this.open.get(address) ?? 0) - 1;
    if (open > 0) this.open.set(address, open);
    else this.open.delete(address);
  }

  /** The most connections one address has open right now (for `stats`). */
  get busiest(): number {
    return Math.max(0, ...this.open.values());
  }
}

/** Counts the newcomer in `counts`; true when its address then has more than `counts.max` open:
 *  the newcomer has been told `ERROR SERVER_FULL END` and closed, and is not to be served. */
export function refuseOverAddressCap(socket: Socket<unknown>, counts: AddressCounts, encoding: Encoding): boolean {
  const open = counts.opened(socket.remoteAddress);
  if (open <= counts.max) return false;
  refuseNewcomer(socket, `${open - 1} connections open from ${socket.remoteAddress}, --max-per-address is ${counts.max}`, encoding);
  return true;
}

/** How often a server sweeps for connections past their time: often enough to close them close to
 *  `timeoutS`, never more than once a second. */
export const sweepEveryMs = (timeoutS: number): number => Math.min(1000, (timeoutS * 1000) / 2);

/** Bytes of replies a connection may have waiting for the kernel to take them: about twenty full
 *  states. An honest client reads each reply before it asks again and never has any waiting. */
export const MAX_QUEUED = 64 * 1024;
/** A connection whose replies have waited this long for room is not reading them. */
export const NOT_READING_MS = 1000;

/** What a server has written to one connection but the kernel has not taken yet. Bun's `write`
 *  never queues: it returns how many bytes the kernel took, and the rest is the server's to keep,
 *  in order, and to write on `drain`. A client that never reads fills the kernel's buffers, then
 *  this one: past MAX_QUEUED, or after NOT_READING_MS of waiting, the server cuts it off. */
export class Outbox {
  private readonly waiting: Uint8Array[] = [];
  /** Bytes waiting. */
  bytes = 0;
  /** `performance.now()` of the last progress while bytes wait: since then the kernel took nothing. */
  private blockedAt: number | undefined;

  /** Writes `bytes` after whatever waits already; false when the queue would pass MAX_QUEUED (the
   *  client is not reading: cut it off). */
  write(socket: Socket<unknown>, bytes: Uint8Array): boolean {
    if (this.bytes === 0) {
      const written = Math.max(0, socket.write(bytes));
      if (written === bytes.length) return true;
      bytes = bytes.subarray(written);
      this.blockedAt = performance.now();
    }
    if (this.bytes + bytes.length > MAX_QUEUED) return false;
    this.waiting.push(bytes);
    this.bytes += bytes.length;
    return true;
  }

  /** On `drain`: writes what waits, as far as the kernel takes it. */
  flush(socket: Socket<unknown>): void {
    while (this.waiting.length > 0) {
      const first = this.waiting[0]!;
      const written = Math.max(0, socket.write(first));
      this.bytes -= written;
      if (written > 0) this.blockedAt = performance.now(); // the client reads, if slowly
      if (written < first.length) {
        this.waiting[0] = first.subarray(written);
        return;
      }
      this.waiting.shift();
    }
    this.blockedAt = undefined;
  }

  /** True when bytes have waited longer than NOT_READING_MS without the kernel taking any. */
  stuck(now = performance.now()): boolean {
    return this.blockedAt !== undefined && now - this.blockedAt > NOT_READING_MS;
  }
}
