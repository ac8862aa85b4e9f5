// Senders of hostile payloads (tests/hostile/mutations.ts), one for TCP and one for UDP. They talk
// from loopback addresses other than 127.0.0.1 (any 127.x.y.z is this machine on Linux), count what
// they sent and the ERROR replies they got back, and every wait they make is bounded.
import net from "node:net";
import { encodeText, streamDecoder } from "../../shared/wire/encoding.ts";
import { ignoreUnreachable, type UdpSocket } from "../../steps/04-udp-dedicated-ports/port-pool.ts";
import type { Mutator, Payload } from "./mutations.ts";

export interface FuzzCount {
  sent: number;
  refused: number;
  /** Payloads by kind, to show the mix in a failure. */
  readonly kinds: Record<string, number>;
}

const newCount = (): FuzzCount => ({ sent: 0, refused: 0, kinds: {} });
const countErrors = (text: string): number => text.split("ERROR ").length - 1;

function tally(count: FuzzCount, payload: Payload): void {
  count.sent++;
  count.kinds[payload.kind] = (count.kinds[payload.kind] ?? 0) + 1;
}

/** The attacker's address number `i`: 127.0.1.<i>, clear of the honest players' 127.0.0.1. */
export const attackerAddress = (i: number): string => `127.0.1.${2 + (i % 250)}`;

// ---------------------------------------------------------------- TCP

/**
 * Sends `total` payloads over TCP. `perConnection` payloads go on each connection (1 for the steps
 * that read one message per connection; many for a persistent one), `parallel` connections at a time.
 * A per-message server answers the first message and closes; a persistent one answers each.
 */
export async function fuzzTcp(port: number, mutator: Mutator, total: number, perConnection: number, parallel: number): Promise<FuzzCount> {
  const count = newCount();
  let next = 0;
  const worker = async (w: number) => {
    while (next < total) {
      const payloads: Payload[] = [];
      for (let i = 0; i < perConnection && next < total; i++, next++) payloads.push(mutator.next());
      const errors = await tcpExchange(port, attackerAddress(w), payloads, perConnection === 1);
      count.refused += errors; // not `+= await`: that would read the count before the wait
      for (const p of payloads) tally(count, p);
    }
  };
  await Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)));
  return count;
}

/** One connection: writes the payloads (and an END so a per-message server answers at once), reads
 *  until the server closes or a short while passes; returns the ERROR replies read. */
function tcpExchange(port: number, localAddress: string, payloads: readonly Payload[], finish: boolean): Promise<number> {
  return new Promise((resolve) => {
    const decode = streamDecoder("utf-16");
    let answer = "";
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(countErrors(answer));
    };
    const timer = setTimeout(end, finish ? 300 : 500);
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () => {
      for (const p of payloads) socket.write("text" in p ? encodeText(p.text, "utf-16") : aligned(p.bytes));
      if (finish) socket.write(encodeText(" END", "utf-16"));
    });
    socket.on("data", (bytes: Buffer) => (answer += decode(bytes)));
    socket.on("close", end);
    socket.on("error", () => {}); // a reset (we wrote more than the server read): "close" follows
  });
}

/** Raw bytes of odd length would shift every later UTF-16 character by one byte, so that all a
 *  persistent connection says afterwards is noise: most get a byte more to stay in step. */
const aligned = (bytes: Uint8Array): Uint8Array => (bytes.length % 2 === 0 || bytes[0]! < 0x20 ? bytes : new Uint8Array([...bytes, 0x20]));

// ---------------------------------------------------------------- UDP

const MAX_DATAGRAM = 65_507;

/**
 * Sends `total` datagrams from `senders` sockets (each its own loopback address): a half to the main
 * port, a quarter to the sender's own dedicated port if it has one (its session parses them: that
 * is where step 07's team and READY inputs act), the rest to any dedicated port the fuzzers were
 * given (mostly another's: spoofing), paced so that the server reads them rather than the kernel
 * dropping them.
 */
export async function fuzzUdp(port: number, mutator: Mutator, total: number, senders: number, random: () => number): Promise<FuzzCount> {
  const count = newCount();
  const dedicated = new Set<number>();
  /** Each sender's dedicated port: the last one a CONNECTED gave it. */
  const own: (number | undefined)[] = [];
  const sockets: UdpSocket[] = [];
  const decoder = new TextDecoder();
  try {
    for (let i = 0; i < senders; i++) {
      sockets.push(await Bun.udpSocket({
        hostname: attackerAddress(i),
        binaryType: "uint8array",
        socket: {
          data(socket, bytes) {
            const text = decoder.decode(bytes);
            count.refused += countErrors(text);
            const port = /^CONNECTED (\d+) /.exec(text);
            if (port) own[i] = Number(port[1]);
            // From step 05 a session reads nothing before its welcome's number comes back: echo it,
            // so that the fuzz reaches what a joined player's datagrams reach.
            const proof = / PROOF (\d+) END$/.exec(text);
            try {
              if (port && proof) socket.send(`PING ${proof[1]} END`, Number(port[1]), "127.0.0.1");
            } catch {
              // an earlier datagram found a closed port: this echo is lost like any other
            }
            if (port && dedicated.size < 64) dedicated.add(Number(port[1]));
          },
          error: ignoreUnreachable,
        },
      }));
    }
    const ports = () => [...dedicated];
    for (let sent = 0; sent < total; ) {
      for (const [i, socket] of sockets.entries()) {
        const payload = mutator.next();
        const bytes = "text" in payload ? new TextEncoder().encode(payload.text) : payload.bytes;
        const known = ports();
        const aim = random();
        const to = aim < 0.25 && own[i] !== undefined ? own[i] : aim < 0.5 && known.length > 0 ? known[Math.floor(random() * known.length)]! : port;
        try {
          socket.send(bytes.subarray(0, MAX_DATAGRAM), to, "127.0.0.1");
        } catch {
          // a dedicated port that has closed (its player timed out): ICMP said so, nothing to do
        }
        tally(count, payload);
        if (++sent >= total) break;
      }
      if (sent % (sockets.length * 4) < sockets.length) await Bun.sleep(1);
    }
    await Bun.sleep(200); // the last replies
  } finally {
    for (const s of sockets) s.close();
  }
  return count;
}
