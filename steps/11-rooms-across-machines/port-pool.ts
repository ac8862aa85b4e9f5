// The article's `availablePorts`: the ports a server may give its clients, one dedicated socket each.
// A port comes back to the pool when its client leaves. Ports go out oldest-returned first, so a
// port just given back rests as long as possible before a new client gets it (stray datagrams for
// the old client have time to fade away instead of reaching the new one).
import type { udp } from "bun";

export type UdpSocket = udp.Socket<"uint8array">;
export type DatagramHandler = (socket: UdpSocket, bytes: Uint8Array, port: number, address: string) => void;

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** `11000-11999` → {first, last}, or an error sentence. */
export function parsePortRange(text: string): PortRange | string {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  if (m === null) return `--ports expects FIRST-LAST (like 11000-11999), got ${JSON.stringify(text)}`;
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (first < 1 || last > 65535 || first > last) return `--ports ${text}: need 1 <= FIRST <= LAST <= 65535`;
  return { first, last };
}

export class PortPool {
  /** Ports not in use, the next to give out first (range mode only). */
  private readonly free: number[] = [];
  private readonly used = new Set<number>();
  /** Binds under way: their ports are neither free nor used yet. */
  private binding = 0;
  /** How many ports the pool holds in all. */
  readonly capacity: number;

  /** @param range the ports to use, or null to let the OS choose each port (at most `osLimit` at once). */
  constructor(private readonly range: PortRange | null, osLimit: number) {
    if (range === null) this.capacity = osLimit;
    else {
      for (let p = range.first; p <= range.last; p++) this.free.push(p);
      this.capacity = this.free.length;
    }
  }

  get available(): number {
    return this.capacity - this.used.size - this.binding;
  }
  get inUse(): number {
    return this.used.size;
  }

  describe(): string {
    return this.range === null ? `chosen by the OS, ${this.capacity} at most` : `${this.range.first}-${this.range.last}`;
  }

  /** Binds a socket on a free port, or returns null when every port is taken. A port some other
   *  program holds is skipped (and tried again later), not fatal. */
  async bind(hostname: string, data: DatagramHandler): Promise<UdpSocket | null> {
    const tries = this.range === null ? 1 : this.free.length;
    for (let i = 0; i < tries && this.available > 0; i++) {
      const port = this.range === null ? 0 : this.free.shift();
      if (port === undefined) break;
      this.binding++;
      try {
        const socket = await Bun.udpSocket({ hostname, port, binaryType: "uint8array", socket: { data, error: ignoreUnreachable } });
        this.used.add(socket.port);
        return socket;
      } catch {
        if (this.range !== null) this.free.push(port); // busy elsewhere: try the others first
      } finally {
        this.binding--;
      }
    }
    return null;
  }

  /** Gives a port back (call after closing its socket). */
  release(port: number): void {
    if (!this.used.delete(port)) return;
    if (this.range !== null) this.free.push(port);
  }
}

/** A datagram to a client that left makes the kernel report "port unreachable" on the socket. Bun
 *  raises it here when it is noticed while receiving (and a process without this handler dies),
 *  or throws it from the next `send` (every send is wrapped for that). Nothing to do either way:
 *  the datagram is lost, and the server's timeout removes a client that is gone. */
export const ignoreUnreachable = (): void => {};
