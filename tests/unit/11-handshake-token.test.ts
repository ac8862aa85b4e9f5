// Step 11's handshake: the matchmaker's token rides in the proof, fits what the main port reads, and
// is checked right after the cookie (only a proven address gets an answer, TOKEN_INVALID, about it).
import { expect, test } from "bun:test";
import { Cookies } from "../../steps/11-rooms-across-machines/cookie.ts";
import { atMainPort, ClientHandshake, formatProof, MAX_HANDSHAKE, parseHandshake, type TokenChecker } from "../../steps/11-rooms-across-machines/handshake.ts";
import { ConnectTokens } from "../../steps/11-rooms-across-machines/token.ts";

const cookies = new Cookies(new Uint8Array(32).fill(5));
const tokens = new ConnectTokens(new Uint8Array(32).fill(9));
const [HOST, PORT, NOW] = ["127.0.0.1", 40_000, 1_000];
const ROOM = { id: "m2-1", address: "127.0.0.2:41000" };
const NAME = "Abcdefghijklmnop"; // 16 characters, the longest name
const expiresAt = Date.now() + 10_000;
const token = tokens.sign({ name: NAME, room: ROOM.id, address: ROOM.address, expiresAt });
const checkToken: TokenChecker = (name, t) =>
  t === undefined ? { ok: false, why: "no TOKEN" } : tokens.check(t, name, ROOM.id, ROOM.address, Date.now());

/** The proof a client sends for `name`, with `withToken`, after a real challenge. */
function proof(name: string, withToken?: string): Uint8Array {
  const client = new ClientHandshake(name, new Uint8Array(32).fill(3), withToken);
  return client.proof(cookies.challengeFor(HOST, PORT, NOW));
}

test("a proof with the longest name, cookie, key and token fits what the main port reads, and parses back", () => {
  const bytes = proof(NAME, token);
  expect(bytes.length).toBeGreaterThan(128); // past shared MAX_CLIENT_MESSAGE: why the step has its own limit
  expect(bytes.length).toBeLessThanOrEqual(MAX_HANDSHAKE);
  const parsed = parseHandshake(new TextDecoder().decode(bytes));
  expect(parsed.ok && parsed.value.type === "CONNECT" ? parsed.value.proof?.token : undefined).toBe(token);
  expect(atMainPort(cookies, bytes, HOST, PORT, NOW, checkToken)).toMatchObject({ kind: "join", name: NAME });
});

test("a room of a fleet refuses a proven proof without a good token with TOKEN_INVALID, and allocates nothing", () => {
  expect(atMainPort(cookies, proof(NAME), HOST, PORT, NOW, checkToken)).toEqual({ kind: "refuse", code: "TOKEN_INVALID", why: "no TOKEN" });
  const other = tokens.sign({ name: "Other", room: ROOM.id, address: ROOM.address, expiresAt });
  expect(atMainPort(cookies, proof(NAME, other), HOST, PORT, NOW, checkToken)).toMatchObject({ kind: "refuse", code: "TOKEN_INVALID" });
  const elsewhere = tokens.sign({ name: NAME, room: "m3-1", address: "127.0.0.3:41000", expiresAt });
  expect(atMainPort(cookies, proof(NAME, elsewhere), HOST, PORT, NOW, checkToken)).toMatchObject({ kind: "refuse", code: "TOKEN_INVALID" });
});

test("the token is looked at only once the cookie proved the address: a forged cookie gets no answer", () => {
  let asked = 0;
  const counting: TokenChecker = (name, t) => (asked++, checkToken(name, t));
  const forged = new TextEncoder().encode(new TextDecoder().decode(proof(NAME, token)).replace(/COOKIE (\S)/, (_, c) => `COOKIE ${c === "A" ? "B" : "A"}`));
  expect(atMainPort(cookies, forged, HOST, PORT, NOW, counting).kind).toBe("drop");
  expect(asked).toBe(0);
});

test("without a fleet (no checker), a proof with or without a token joins, as in step 10", () => {
  expect(atMainPort(cookies, proof("Zyno"), HOST, PORT, NOW).kind).toBe("join");
  expect(atMainPort(cookies, proof(NAME, token), HOST, PORT, NOW).kind).toBe("join");
});

test("a token of the wrong length is not a proof", () => {
  const text = formatProof("Zyno", { cookie: "c".repeat(22), key: new Uint8Array(32), token: "short" });
  expect(parseHandshake(text).ok).toBe(false);
});
