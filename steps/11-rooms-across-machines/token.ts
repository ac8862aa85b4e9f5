// The connect token: the matchmaker's note to a room, "I gave this seat to this player", that the
// player carries and the room can check without asking anyone (netcode.io's connect token, made small).
//
// It is an HMAC, under a secret every matchmaker and room shares, over the player's name, the room's
// id and address, and when the seat's reservation ends. A room accepts a CONNECT only with a token
// for that name, for itself, still fresh: a player cannot skip the matchmaker, take a seat promised to
// somebody else, or reuse a token at another room. The token is not secret (it travels in the clear
// in CONNECT, like the name); it is unforgeable. Step 10's handshake still proves the address and
// makes the session keys; the token proves the matchmaker sent this player here.
//
// Its text: 8 bytes of the expiry (ms since 1970) then the first 16 bytes of the HMAC-SHA256, in
// base64url: 32 characters of `A-Z a-z 0-9 - _`, one word in a text message.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const EXPIRY_BYTES = 8;
const MAC_BYTES = 16; // 128 bits, as step 10's cookie: forging one is a 2^-128 guess per try
const TOKEN_BYTES = EXPIRY_BYTES + MAC_BYTES;
export const TOKEN_CHARS = (TOKEN_BYTES * 4) / 3;
const TOKEN_TEXT = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_CHARS}}$`);

/** What a token vouches for. `address` is the room's `host:port`, as players reach it. */
export interface Seat {
  readonly name: string;
  readonly room: string;
  readonly address: string;
  /** When the token stops being good (ms since 1970). */
  readonly expiresAt: number;
}

export type TokenCheck = { readonly ok: true } | { readonly ok: false; readonly why: string };

export class ConnectTokens {
  /** @param secret at least 32 random bytes, the same in every matchmaker and room of a fleet
   *  (`ROOM_SECRET` in the environment, never on a command line where `ps` would show it). */
  constructor(private readonly secret: Uint8Array) {
    if (secret.length < 32) throw new RangeError("a token secret needs at least 32 bytes");
  }

  /** The secret from hex text (what `ROOM_SECRET` holds). */
  static fromHex(hex: string): ConnectTokens {
    if (!/^([0-9a-f]{2})+$/i.test(hex)) throw new RangeError("ROOM_SECRET must be hex (e.g. openssl rand -hex 32)");
    return new ConnectTokens(Buffer.from(hex, "hex"));
  }

  sign(seat: Seat): string {
    const token = new Uint8Array(TOKEN_BYTES);
    new DataView(token.buffer).setBigUint64(0, BigInt(Math.floor(seat.expiresAt)));
    token.set(this.mac(seat.name, seat.room, seat.address, seat.expiresAt), EXPIRY_BYTES);
    return Buffer.from(token).toString("base64url");
  }

  /** Whether `token` was signed for exactly this name at this room (id and address), and is still
   *  good at `now` (ms since 1970, the room's clock). */
  check(token: string, name: string, room: string, address: string, now: number): TokenCheck {
    if (!TOKEN_TEXT.test(token)) return { ok: false, why: "not a token" };
    // 24 bytes are exactly 32 characters of 6 bits: no spare bits, so one token has one text.
    const bytes = Buffer.from(token, "base64url");
    const expiresAt = Number(bytes.readBigUInt64BE(0));
    // Compared in constant time: how long a comparison takes must not tell how much of a guess was right.
    if (!timingSafeEqual(bytes.subarray(EXPIRY_BYTES), this.mac(name, room, address, expiresAt))) {
      return { ok: false, why: "the token is forged, or for another player or room" };
    }
    if (now >= expiresAt) return { ok: false, why: "the token has expired (its seat was given up)" };
    return { ok: true };
  }

  private mac(name: string, room: string, address: string, expiresAt: number): Uint8Array {
    // Fields joined by a byte no field can hold, and a label: no other HMAC made with this secret
    // (nor a token with its fields shifted around) can pass for this one.
    const message = ["haunted-net 11 connect token", name, room, address, String(expiresAt)].join("\n");
    return createHmac("sha256", this.secret).update(message).digest().subarray(0, MAC_BYTES);
  }
}

/** A fresh secret for a fleet, as `ROOM_SECRET` holds it. */
export const newSecret = (): string => randomBytes(32).toString("hex");

/** The fleet's tokens from `ROOM_SECRET`; a missing or malformed secret is one line to fix. */
export function tokensFromEnv(env: Record<string, string | undefined> = process.env): ConnectTokens {
  const hex = env.ROOM_SECRET ?? "";
  if (hex === "") throw new Error("ROOM_SECRET is not set: every room and matchmaker of a fleet needs the same one (openssl rand -hex 32)");
  return ConnectTokens.fromHex(hex);
}
