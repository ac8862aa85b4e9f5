// The challenge: before a server spends anything on a newcomer (a session, a port, the map), the
// newcomer proves it receives what is sent to the address it claims. UDP lets anyone write any
// source address on a datagram, so without this proof the server's answers can be aimed at a victim.
//
// The server answers a first CONNECT with a cookie and forgets it at once: the cookie is an HMAC
// over the client's address and port and the time, under a secret only the server knows. A client
// that echoes it in its next CONNECT heard it, at that address, recently; nobody else can make one.
// The server keeps no state per address before that echo, so a flood of CONNECTs fills nothing.
//
// And the answer to an address that has not proved anything is never larger than what came from it
// (netcode.io's rule): a spoofed datagram can then aim at a victim only as many bytes as it costs.
// The client pads its first CONNECT so the challenge fits (handshake.ts).
import { createHmac, timingSafeEqual } from "node:crypto";

/** A cookie: the time slot it was made in (4 bytes), then the first 16 bytes of the HMAC. */
const SLOT_BYTES = 4;
const MAC_BYTES = 16; // 128 bits: forging one is a 2^-128 guess per try
export const COOKIE_BYTES = SLOT_BYTES + MAC_BYTES;
/** Written in base64url (no padding): 27 characters of `A-Z a-z 0-9 - _`, never a protocol keyword. */
export const COOKIE_CHARS = Math.ceil((COOKIE_BYTES * 4) / 3);
const COOKIE_TEXT = new RegExp(`^[A-Za-z0-9_-]{${COOKIE_CHARS}}$`);

/** Cookies are made in slots of a second and accepted for this many seconds after (plus the part of
 *  the slot that was left): long enough for a round trip on a bad link, short enough that a captured
 *  one is soon worthless. */
export const COOKIE_SECONDS = 5;
const SLOT_MS = 1000;

export class Cookies {
  /** @param secret at least 32 random bytes, made when the server starts (never sent, never logged);
   *  @param lifetimeSeconds how long a cookie is good for. */
  constructor(private readonly secret: Uint8Array, private readonly lifetimeSeconds = COOKIE_SECONDS) {
    if (secret.length < 32) throw new RangeError("a cookie secret needs at least 32 bytes");
  }

  /** The cookie for a client at `address`:`port` at time `now` (milliseconds of a clock that only
   *  moves forward, the same clock `checkCookie` is given). */
  challengeFor(address: string, port: number, now: number): string {
    const slot = slotOf(now);
    const cookie = new Uint8Array(COOKIE_BYTES);
    new DataView(cookie.buffer).setUint32(0, slot);
    cookie.set(this.mac(address, port, slot), SLOT_BYTES);
    return Buffer.from(cookie).toString("base64url");
  }

  /** Whether `cookie` was made by this server for exactly this address and port, and is fresh.
   *  Anything else (a stranger's text, an old or future cookie, another address) is false. */
  checkCookie(cookie: string, address: string, port: number, now: number): boolean {
    if (!COOKIE_TEXT.test(cookie)) return false;
    const bytes = Buffer.from(cookie, "base64url");
    // Canonical only: base64url's last character has spare bits, and two texts must not be one cookie.
    if (bytes.length !== COOKIE_BYTES || bytes.toString("base64url") !== cookie) return false;
    const slot = bytes.readUInt32BE(0);
    const age = (slotOf(now) - slot + 2 ** 32) % 2 ** 32; // in slots; a cookie "from the future" is very old
    if (age > this.lifetimeSeconds) return false;
    // Compared in constant time: how long a comparison takes must not tell how much of a guess was right.
    return timingSafeEqual(bytes.subarray(SLOT_BYTES), this.mac(address, port, slot));
  }

  private mac(address: string, port: number, slot: number): Uint8Array {
    // Fields joined by a separator no address contains, after a label naming the purpose, so this
    // HMAC can never be mistaken for another use of the same secret.
    const hmac = createHmac("sha256", this.secret).update(`haunted-net cookie\n${address}\n${port}\n${slot}`).digest();
    return hmac.subarray(0, MAC_BYTES);
  }
}

const slotOf = (now: number): number => Math.floor(now / SLOT_MS) % 2 ** 32;

/** The one rule of answering an address that has not proved anything: never more bytes than it sent.
 *  `reply` if it fits, else undefined (the caller then sends nothing). */
export const fitting = (request: Uint8Array, reply: Uint8Array): Uint8Array | undefined =>
  reply.length <= request.length ? reply : undefined;
