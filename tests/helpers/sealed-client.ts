// A raw client of step 10 for the tests: a socket that keeps every datagram it receives, and joins
// through the handshake with the step's own handshake.ts, one step at a time, so a test can stop
// anywhere (never confirm, replay the proof, send bytes of its own on the dedicated port).
import { randomBytes } from "node:crypto";
import type { udp } from "bun";
import { ACCEPT, ClientHandshake } from "../../steps/10-secure-connect/handshake.ts";
import type { SealedChannel } from "../../steps/10-secure-connect/sealed.ts";
import { expectEventually } from "./udp.ts";

type Socket = udp.Socket<"uint8array">;

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const read = (b: Uint8Array): string => new TextDecoder().decode(b);

export interface Received {
  readonly bytes: Uint8Array;
  /** The server port it came from. */
  readonly port: number;
}

export interface RawSocket {
  readonly socket: Socket;
  /** Every datagram received, in order. */
  readonly got: Received[];
  /** Sends `bytes` to `port` on 127.0.0.1 and counts them in `bytesSent`. */
  send(bytes: Uint8Array, port: number): void;
  readonly bytesSent: () => number;
  readonly bytesGot: () => number;
}

const open = new Set<Socket>();

/** Closes every socket these helpers opened (call in afterEach). */
export function closeRawSockets(): void {
  for (const s of open) s.close();
  open.clear();
}

/** A socket bound on `hostname` (any 127.x.y.z on Linux: a test can be many addresses). */
export async function rawSocket(hostname = "127.0.0.1"): Promise<RawSocket> {
  const got: Received[] = [];
  let sent = 0;
  const socket = await Bun.udpSocket({
    hostname,
    binaryType: "uint8array",
    socket: { data: (_s, bytes, port) => void got.push({ bytes: bytes.slice(), port }), error: () => {} },
  });
  open.add(socket);
  return {
    socket,
    got,
    send(bytes, port) {
      sent += bytes.length;
      socket.send(bytes, port, "127.0.0.1");
    },
    bytesSent: () => sent,
    bytesGot: () => got.reduce((n, d) => n + d.bytes.length, 0),
  };
}

export interface SealedJoin extends RawSocket {
  /** The proof it sent (a CONNECT with the cookie and its key), for replaying. */
  readonly proof: Uint8Array;
  /** The session, if an ACCEPT opened; `dedicated` is the port it came from. */
  readonly session: { readonly channel: SealedChannel; readonly dedicated: number } | undefined;
  /** The server's answer when it was no ACCEPT (`ERROR RATE_LIMITED END`, ...). */
  readonly refused: string | undefined;
  /** Seals `message` and sends it to the dedicated port; returns the sealed bytes (to replay). */
  seal(message: string): Uint8Array;
  /** The texts of every datagram after the ACCEPT that opened (ticks are binary and left out). */
  opened(): string[];
  /** A sealed `PING <n>` and the wait for its sealed echo: everything sent before it has been handled. */
  ping(n: number): Promise<void>;
}

/** Joins as `name` through the handshake, from a new socket on `hostname` (or from `socket`, whose
 *  earlier datagrams are left alone); confirms the session with a sealed PING unless `confirm` is false. */
export async function sealedJoin(port: number, name: string, options: { confirm?: boolean; hostname?: string; socket?: RawSocket } = {}): Promise<SealedJoin> {
  const raw = options.socket ?? (await rawSocket(options.hostname));
  const from = raw.got.length;
  const hs = new ClientHandshake(name, randomBytes(32));
  raw.send(hs.knock(), port);
  const challenge = await expectEventually(`a CHALLENGE for ${name}`, () => raw.got.findIndex((d, i) => i >= from && ClientHandshake.cookieIn(d.bytes) !== undefined), (i) => i >= 0, 5000, 10);
  const proof = hs.proof(ClientHandshake.cookieIn(raw.got[challenge]!.bytes)!);
  raw.send(proof, port);
  // The answer: an ACCEPT from a new port, or a refusal in clear from the main port.
  const answered = (d: Received, i: number) => i > challenge && (d.port === port || d.bytes[0] === ACCEPT);
  const at = await expectEventually(`an ACCEPT or an ERROR for ${name}`, () => raw.got.findIndex(answered), (i) => i >= 0, 5000, 10);
  const answer = raw.got[at]!;
  const accepted = hs.accept(answer.bytes);
  const session = accepted && { channel: accepted.channel, dedicated: answer.port };
  // Each datagram is opened once (the replay window takes a number once), the first time it is asked for.
  const texts: string[] = [];
  let openedUpTo = at + 1;
  const opened = (): string[] => {
    for (; session !== undefined && openedUpTo < raw.got.length; openedUpTo++) {
      const plaintext = session.channel.open(raw.got[openedUpTo]!.bytes);
      if (plaintext !== undefined && plaintext[0] !== 0xd9) texts.push(read(plaintext)); // 0xD9: a binary tick
    }
    return texts;
  };
  const seal = (message: string): Uint8Array => {
    if (session === undefined) throw new Error(`${name} has no session: ${read(answer.bytes)}`);
    const bytes = session.channel.seal(text(message));
    raw.send(bytes, session.dedicated);
    return bytes;
  };
  const ping = async (n: number): Promise<void> => {
    seal(`PING ${n} END`);
    await expectEventually(`the echo of PING ${n} at ${name}`, opened, (t) => t.includes(`PING ${n} END`), 5000, 10);
  };
  const join: SealedJoin = { ...raw, proof, session: session ?? undefined, refused: accepted ? undefined : read(answer.bytes), seal, opened, ping };
  if (session && options.confirm !== false) await ping(0);
  return join;
}
