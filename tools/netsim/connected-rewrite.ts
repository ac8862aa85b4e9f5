// The UDP steps answer `CONNECT` on the main port with `CONNECTED <port> <name> ... END`: the client
// then talks to that dedicated port. Behind a relay, the client must talk to a relay port instead,
// or its traffic would bypass the simulated network. So the relay opens a port that relays to the
// dedicated one and puts its number in the reply. Only the digits change: every other byte stays.

const PREFIX = new TextEncoder().encode("CONNECTED ");
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const SPACE = 0x20;

/** Where the digits of the port are in a `CONNECTED <port> ...` datagram, or undefined. */
function portDigits(bytes: Uint8Array): { start: number; end: number } | undefined {
  if (bytes.length <= PREFIX.length || PREFIX.some((byte, i) => bytes[i] !== byte)) return undefined;
  let end = PREFIX.length;
  while (end < bytes.length && bytes[end]! >= DIGIT_0 && bytes[end]! <= DIGIT_9) end++;
  // `CONNECTED <name> END` (the TCP steps) has no port: the name starts with a letter.
  if (end === PREFIX.length || end - PREFIX.length > 5 || bytes[end] !== SPACE) return undefined;
  return { start: PREFIX.length, end };
}

/** The dedicated port announced by a `CONNECTED <port> ...` datagram, or undefined. */
export function announcedPort(bytes: Uint8Array): number | undefined {
  const digits = portDigits(bytes);
  if (digits === undefined) return undefined;
  const port = Number(new TextDecoder().decode(bytes.subarray(digits.start, digits.end)));
  return port > 0 && port < 65536 ? port : undefined;
}

/** The same datagram announcing `port` instead. */
export function replaceAnnouncedPort(bytes: Uint8Array, port: number): Uint8Array {
  const digits = portDigits(bytes);
  if (digits === undefined) return bytes;
  const newDigits = new TextEncoder().encode(String(port));
  const result = new Uint8Array(bytes.length - (digits.end - digits.start) + newDigits.length);
  result.set(bytes.subarray(0, digits.start));
  result.set(newDigits, digits.start);
  result.set(bytes.subarray(digits.end), digits.start + newDigits.length);
  return result;
}
