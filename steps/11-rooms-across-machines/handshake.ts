// The handshake of step 10, from the first knock to the first sealed datagram:
//
//   client                                                server
//     | CONNECT <name> PAD xxxx END     (padded to 41 B)    |  main port: no state kept
//     |---------------------------------------------------->|
//     |              CHALLENGE <cookie> END  (41 B, <= 1x)  |  cookie.ts: HMAC(address, port, time)
//     |<----------------------------------------------------|
//     | CONNECT <name> COOKIE <cookie> KEY <client key>     |  cookie checked, then (step 11) the
//     |         [TOKEN <token>] END                         |  matchmaker's token: only now a
//     |---------------------------------------------------->|  session, a port, a server key pair
//     |   ACCEPT: 0x02 | server key | sealed CONNECTED ...  |  from the dedicated port: where it comes
//     |<----------------------------------------------------|  from is where the client talks now
//     | sealed PING (then INPUT, ACK ...)                   |  the first one that opens confirms
//     |---------------------------------------------------->|  the session
//     |              sealed PING echo, sealed ticks ...     |  streamed only once confirmed
//     |<----------------------------------------------------|
//
// Keys: each side makes a fresh X25519 key pair, they swap public keys (in the proof, and in the
// ACCEPT), and each computes the same shared secret. HKDF turns it into one key per direction.
// Nobody on the path learns the keys from the public ones; but nothing here proves *which* server
// answered (see the lesson: a known server key, or a connect token, would).
//
// From step 11 a room of a fleet also wants the matchmaker's connect token in the proof (token.ts):
// the cookie proves the address, the keys make the session, the token proves the matchmaker sent
// this name to this room. It is checked right after the cookie, so only a proven address gets its
// token checked (and told, in plain text, that it is no good), and nothing is allocated for a bad one.
//
// The messages are text like the rest of the protocol, except ACCEPT, which is bytes: it carries a
// sealed datagram. Its first byte (0x02) is no letter, so it is never taken for a text message.
import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from "node:crypto";
import { checkName, fail, ok, type Parsed } from "../../shared/wire/protocol.ts";
import { encode } from "../../shared/wire/datagram.ts";
import { COOKIE_CHARS, fitting, type Cookies } from "./cookie.ts";
import { OVERHEAD, SealedChannel } from "./sealed.ts";
import { TOKEN_CHARS, type TokenCheck } from "./token.ts";

/** The longest handshake datagram the main port reads: a proof with a 16-character name, cookie,
 *  key and token is 150 bytes, past the 128 of shared/wire/datagram.ts' MAX_CLIENT_MESSAGE (the
 *  longest game message). This step's own limit, with room to spare, and still far from a flood. */
export const MAX_HANDSHAKE = 192;

// ---------------------------------------------------------------- keys

export const PUBLIC_KEY_BYTES = 32;
/** base64url without padding: 43 characters. */
const KEY_TEXT = /^[A-Za-z0-9_-]{43}$/;
// node:crypto reads X25519 keys in DER; a raw key is these fixed bytes followed by the 32 key bytes.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

export interface KeyPair {
  /** The 32 bytes that go on the wire. */
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

/** An X25519 key pair from 32 secret bytes: `randomBytes(32)` in the step, fixed bytes in tests. */
export function keyPairFrom(secret: Uint8Array): KeyPair {
  if (secret.length !== 32) throw new RangeError("an X25519 private key is 32 bytes");
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secret]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)) };
}

/** One key per direction: the same secret must never seal both ways (same nonces, one key). */
export interface SessionKeys {
  readonly send: Uint8Array;
  readonly receive: Uint8Array;
}

/** The session keys of one side, from its key pair and the other side's public key; undefined when
 *  that key is no key (not 32 bytes, or a "low-order" point that makes the shared secret all zeros,
 *  which anyone could compute: X25519 refuses it, and so do we). */
export function sessionKeys(mine: KeyPair, theirs: Uint8Array, role: "client" | "server"): SessionKeys | undefined {
  if (theirs.length !== PUBLIC_KEY_BYTES) return undefined;
  let shared: Buffer;
  try {
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, theirs]), format: "der", type: "spki" });
    shared = diffieHellman({ privateKey: mine.privateKey, publicKey });
  } catch {
    return undefined;
  }
  const [clientKey, serverKey] = role === "client" ? [mine.publicKey, theirs] : [theirs, mine.publicKey];
  // The salt binds the keys to this exchange: both public keys, in a fixed order.
  const salt = Buffer.concat([clientKey, serverKey]);
  const derive = (info: string) => new Uint8Array(hkdfSync("sha256", shared, salt, info, 32));
  const toServer = derive("haunted-net 10 client to server");
  const toClient = derive("haunted-net 10 server to client");
  return role === "client" ? { send: toServer, receive: toClient } : { send: toClient, receive: toServer };
}

// ---------------------------------------------------------------- the text forms

export interface Proof {
  readonly cookie: string;
  /** The client's public key. */
  readonly key: Uint8Array;
  /** The matchmaker's connect token (step 11), when the client was sent here by one. */
  readonly token?: string;
}

export type Handshake =
  /** The knock (with or without padding), or with `proof` the echo of a cookie. */
  | { readonly type: "CONNECT"; readonly name: string; readonly proof?: Proof }
  | { readonly type: "CHALLENGE"; readonly cookie: string };

export const formatChallenge = (cookie: string): string => `CHALLENGE ${cookie} END`;
/** Every challenge has this size (the cookie's text has a fixed length). */
export const CHALLENGE_BYTES = formatChallenge("c".repeat(COOKIE_CHARS)).length;

/** `CONNECT <name> PAD xxx END`, padded to the challenge's size so the server may answer it. */
export function formatKnock(name: string): string {
  const bare = `CONNECT ${name} PAD  END`.length;
  return `CONNECT ${name} PAD ${"x".repeat(Math.max(1, CHALLENGE_BYTES - bare))} END`;
}

export const formatProof = (name: string, proof: Proof): string =>
  `CONNECT ${name} COOKIE ${proof.cookie} KEY ${Buffer.from(proof.key).toString("base64url")}${proof.token === undefined ? "" : ` TOKEN ${proof.token}`} END`;

/** Reads a handshake message; never throws. */
export function parseHandshake(text: string): Parsed<Handshake> {
  const words = text.trim().split(/\s+/);
  if (words.at(-1) !== "END") return fail("a message ends with END");
  const [type, ...rest] = words.slice(0, -1);
  if (type === "CHALLENGE") {
    return rest.length === 1 && rest[0]!.length === COOKIE_CHARS ? ok({ type, cookie: rest[0]! }) : fail("CHALLENGE takes one cookie");
  }
  if (type !== "CONNECT") return fail(`${type ?? "nothing"} is not a handshake message`);
  const name = checkName(rest[0] ?? "");
  if (!name.ok) return name;
  if (rest.length === 1) return ok({ type, name: name.value }); // the knock of steps 04-09: answered only if it is big enough
  if (rest.length === 3 && rest[1] === "PAD" && /^x+$/.test(rest[2]!)) return ok({ type, name: name.value });
  const withToken = rest.length === 7 && rest[5] === "TOKEN";
  if ((rest.length === 5 || withToken) && rest[1] === "COOKIE" && rest[3] === "KEY") {
    const [cookie, key, token] = [rest[2]!, rest[4]!, rest[6]];
    if (token !== undefined && token.length !== TOKEN_CHARS) return fail("the token has the wrong length");
    if (cookie.length !== COOKIE_CHARS) return fail("the cookie has the wrong length");
    const bytes = KEY_TEXT.test(key) ? Buffer.from(key, "base64url") : undefined;
    // Canonical only (base64url's last character has spare bits): one key, one text.
    if (bytes?.toString("base64url") !== key) return fail("the key is not 32 bytes in base64url");
    return ok({ type, name: name.value, proof: { cookie, key: new Uint8Array(bytes), ...(token === undefined ? {} : { token }) } });
  }
  return fail("CONNECT takes a name, then PAD or COOKIE and KEY (and TOKEN)");
}

const decoder = new TextDecoder(); // invalid UTF-8 becomes U+FFFD, then fails to parse

// ---------------------------------------------------------------- the server's side

export type MainPortAction =
  /** Send `reply` (the challenge, never larger than the request) and forget the datagram. */
  | { readonly kind: "challenge"; readonly reply: Uint8Array }
  /** The address proved itself: a session may be made (if the step's limits allow). */
  | { readonly kind: "join"; readonly name: string; readonly clientKey: Uint8Array }
  /** Send nothing at all: answering an unproven address would let it aim our answers. */
  | { readonly kind: "drop"; readonly why: string }
  /** A proven address whose token is no good (step 11): told so in a short plain ERROR, no session. */
  | { readonly kind: "refuse"; readonly code: "TOKEN_INVALID"; readonly why: string };

/** A room of a fleet checks the token of a proven CONNECT (undefined: the client brought none). */
export type TokenChecker = (name: string, token: string | undefined) => TokenCheck;

/** What the main port does with a datagram from `address`:`port`. Pure apart from the HMACs (cookie,
 *  token): no state is read or written, so a flood of these allocates nothing. `checkToken`: a room
 *  of a fleet (step 11); without it, any proven address may join, as in step 10. */
export function atMainPort(cookies: Cookies, bytes: Uint8Array, address: string, port: number, now: number, checkToken?: TokenChecker): MainPortAction {
  if (bytes.length > MAX_HANDSHAKE) return { kind: "drop", why: `${bytes.length} bytes is longer than any handshake` };
  const parsed = parseHandshake(decoder.decode(bytes));
  if (!parsed.ok) return { kind: "drop", why: parsed.error };
  const m = parsed.value;
  if (m.type === "CHALLENGE") return { kind: "drop", why: "CHALLENGE is the server's message" };
  if (m.proof === undefined) {
    const reply = fitting(bytes, encode(formatChallenge(cookies.challengeFor(address, port, now))));
    if (reply !== undefined) return { kind: "challenge", reply };
    return { kind: "drop", why: `a ${bytes.length}-byte CONNECT is smaller than the ${CHALLENGE_BYTES}-byte challenge (pad it)` };
  }
  if (!cookies.checkCookie(m.proof.cookie, address, port, now)) return { kind: "drop", why: "the cookie is forged, stale or another address's" };
  const token = checkToken?.(m.name, m.proof.token);
  if (token !== undefined && !token.ok) return { kind: "refuse", code: "TOKEN_INVALID", why: token.why };
  return { kind: "join", name: m.name, clientKey: m.proof.key };
}

/** The first byte of an ACCEPT datagram. */
export const ACCEPT = 0x02;
const ACCEPT_HEADER = 1 + PUBLIC_KEY_BYTES;

/** The server's half of a session, made before anything else is spent on it (a bad client key
 *  then costs no port). */
export interface ServerSession {
  readonly channel: SealedChannel;
  /** The ACCEPT datagram: our public key, then `welcome` sealed as datagram 0. Made once; a lost
   *  one is sent again as the same bytes (the client's window takes datagram 0 once). */
  accept(welcome: Uint8Array): Uint8Array;
}

/** The session for a proven CONNECT: the server's fresh key pair (from `secret`, 32 random bytes)
 *  and the keys it shares with `clientKey`. Undefined if the client's key is no key. */
export function serverSession(clientKey: Uint8Array, secret: Uint8Array): ServerSession | undefined {
  const mine = keyPairFrom(secret);
  const keys = sessionKeys(mine, clientKey, "server");
  if (keys === undefined) return undefined;
  const channel = new SealedChannel(keys);
  const accept = (welcome: Uint8Array): Uint8Array => {
    const sealed = channel.seal(welcome);
    const datagram = new Uint8Array(ACCEPT_HEADER + sealed.length);
    datagram[0] = ACCEPT;
    datagram.set(mine.publicKey, 1);
    datagram.set(sealed, ACCEPT_HEADER);
    return datagram;
  };
  return { channel, accept };
}

// ---------------------------------------------------------------- the client's side

/** The client's half: one key pair for one attempt to join. */
export class ClientHandshake {
  private readonly keys: KeyPair;

  /** @param secret 32 random bytes: the client's private key for this session.
   *  @param token the matchmaker's connect token, carried in the proof (step 11). */
  constructor(readonly name: string, secret: Uint8Array, private readonly token?: string) {
    this.keys = keyPairFrom(secret);
  }

  get publicKey(): Uint8Array {
    return this.keys.publicKey;
  }

  /** The first datagram: a padded CONNECT. */
  knock(): Uint8Array {
    return encode(formatKnock(this.name));
  }

  /** The cookie of a CHALLENGE datagram, or undefined if it is not one. */
  static cookieIn(datagram: Uint8Array): string | undefined {
    const parsed = parseHandshake(decoder.decode(datagram));
    return parsed.ok && parsed.value.type === "CHALLENGE" ? parsed.value.cookie : undefined;
  }

  /** The second datagram: the cookie echoed, our public key, and the token if we have one. */
  proof(cookie: string): Uint8Array {
    return encode(formatProof(this.name, { cookie, key: this.keys.publicKey, ...(this.token === undefined ? {} : { token: this.token }) }));
  }

  /** The session, if `datagram` is an ACCEPT that authenticates under the keys it makes: the channel
   *  for everything after, and the welcome (the text of `CONNECTED ...`). Undefined otherwise. */
  accept(datagram: Uint8Array): { channel: SealedChannel; welcome: Uint8Array } | undefined {
    if (datagram.length < ACCEPT_HEADER + OVERHEAD || datagram[0] !== ACCEPT) return undefined;
    const keys = sessionKeys(this.keys, datagram.subarray(1, ACCEPT_HEADER), "client");
    if (keys === undefined) return undefined;
    const channel = new SealedChannel(keys);
    const welcome = channel.open(datagram.subarray(ACCEPT_HEADER));
    return welcome === undefined ? undefined : { channel, welcome };
  }
}
