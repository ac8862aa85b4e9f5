// The connect token alone: what a room accepts and what it refuses, with the clock as a parameter.
import { expect, test } from "bun:test";
import { ConnectTokens, TOKEN_CHARS, tokensFromEnv, type Seat } from "../../steps/11-rooms-across-machines/token.ts";

const tokens = new ConnectTokens(new Uint8Array(32).fill(7));
const seat: Seat = { name: "Zyno", room: "127.0.0.2-ab12-1", address: "127.0.0.2:40000", expiresAt: 1_800_000_000_000 };
const check = (token: string, s: Partial<Seat> = {}, now = seat.expiresAt - 1) => {
  const { name, room, address } = { ...seat, ...s };
  return tokens.check(token, name, room, address, now);
};

test("a token is one word of 32 URL-safe characters, and is good for its seat until it expires", () => {
  const token = tokens.sign(seat);
  expect(token).toMatch(new RegExp(`^[A-Za-z0-9_-]{${TOKEN_CHARS}}$`));
  expect(TOKEN_CHARS).toBe(32);
  expect(check(token)).toEqual({ ok: true });
  expect(check(token, {}, seat.expiresAt).ok).toBe(false); // expiry is exclusive
});

test("a token is refused for another player, another room, another address, or once expired", () => {
  const token = tokens.sign(seat);
  expect(check(token, { name: "Mallory" })).toEqual({ ok: false, why: "the token is forged, or for another player or room" });
  expect(check(token, { room: "127.0.0.3-cd34-1" }).ok).toBe(false);
  expect(check(token, { address: "127.0.0.2:40001" }).ok).toBe(false);
  expect(check(token, {}, seat.expiresAt + 1)).toEqual({ ok: false, why: "the token has expired (its seat was given up)" });
});

test("a forged or tampered token is refused; another fleet's secret signs nothing here", () => {
  const token = tokens.sign(seat);
  const bytes = Buffer.from(token, "base64url");
  bytes[0]! ^= 1; // a later expiry written over the old one: the MAC no longer matches
  expect(check(bytes.toString("base64url")).ok).toBe(false);
  const last = token.at(-1)!;
  expect(check(token.slice(0, -1) + (last === "A" ? "B" : "A")).ok).toBe(false); // one MAC bit changed
  for (const junk of ["", "END", "x".repeat(32), token + "A", token.slice(1)]) expect(check(junk).ok).toBe(false);
  const other = new ConnectTokens(new Uint8Array(32).fill(8));
  expect(check(other.sign(seat)).ok).toBe(false);
});

test("the secret comes from ROOM_SECRET as hex, and a missing one says how to make one", () => {
  expect(() => tokensFromEnv({})).toThrow("ROOM_SECRET is not set: every room and matchmaker of a fleet needs the same one (openssl rand -hex 32)");
  expect(() => tokensFromEnv({ ROOM_SECRET: "not hex" })).toThrow("must be hex");
  expect(() => tokensFromEnv({ ROOM_SECRET: "ab".repeat(16) })).toThrow("at least 32 bytes");
  const fromEnv = tokensFromEnv({ ROOM_SECRET: "07".repeat(32) });
  expect(fromEnv.check(tokens.sign(seat), seat.name, seat.room, seat.address, 0)).toEqual({ ok: true });
});
