import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkName } from "../../shared/wire/protocol.ts";
import { MAX_CLIENT_MESSAGE } from "../../shared/wire/datagram.ts";
import { Cookies } from "../../steps/10-secure-connect/cookie.ts";
import {
  ACCEPT, atMainPort, CHALLENGE_BYTES, ClientHandshake, formatChallenge, formatKnock, formatProof, keyPairFrom, parseHandshake, serverSession, sessionKeys,
} from "../../steps/10-secure-connect/handshake.ts";

const SEED = 20261201;
const hex = (h: string) => new Uint8Array(Buffer.from(h, "hex"));
const text = (s: string) => new TextEncoder().encode(s);
const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nameArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/).filter((n) => checkName(n).ok);
const cookies = new Cookies(new Uint8Array(32).fill(5));
const HOST = "192.0.2.7";
const PORT = 40_000;

describe("keys", () => {
  // RFC 7748, section 6.1.
  const alice = keyPairFrom(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"));
  const bob = keyPairFrom(hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"));

  test("X25519 public keys are the RFC 7748 ones", () => {
    expect(Buffer.from(alice.publicKey).toString("hex")).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    expect(Buffer.from(bob.publicKey).toString("hex")).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  });

  test("both sides derive the same two keys, mirrored, and the two directions differ", () => {
    fc.assert(
      fc.property(secretArb, secretArb, (a, b) => {
        const client = keyPairFrom(a);
        const server = keyPairFrom(b);
        const c = sessionKeys(client, server.publicKey, "client")!;
        const s = sessionKeys(server, client.publicKey, "server")!;
        expect(c.send).toEqual(s.receive);
        expect(c.receive).toEqual(s.send);
        expect(c.send).not.toEqual(c.receive);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  test("no key, a short key or a low-order point (shared secret all zeros) makes no session", () => {
    expect(sessionKeys(alice, new Uint8Array(32), "server")).toBeUndefined();
    expect(sessionKeys(alice, hex(`01${"00".repeat(31)}`), "server")).toBeUndefined(); // u = 1, order 4
    expect(sessionKeys(alice, bob.publicKey.subarray(0, 31), "server")).toBeUndefined();
    expect(serverSession(new Uint8Array(32), new Uint8Array(32).fill(1))).toBeUndefined();
  });
});

describe("the text forms", () => {
  test("a knock is padded to exactly the challenge's size, whatever the name, and reads back", () => {
    fc.assert(
      fc.property(nameArb, (name) => {
        expect(text(formatKnock(name)).length).toBe(CHALLENGE_BYTES);
        expect(parseHandshake(formatKnock(name))).toEqual({ ok: true, value: { type: "CONNECT", name } });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("a proof and a challenge read back, and a proof fits in a client message", () => {
    fc.assert(
      fc.property(nameArb, secretArb, fc.ipV4(), fc.nat(), (name, secret, ip, now) => {
        const cookie = cookies.challengeFor(ip, PORT, now);
        const key = keyPairFrom(secret).publicKey;
        expect(parseHandshake(formatProof(name, { cookie, key }))).toEqual({ ok: true, value: { type: "CONNECT", name, proof: { cookie, key } } });
        expect(text(formatProof(name, { cookie, key })).length).toBeLessThanOrEqual(MAX_CLIENT_MESSAGE);
        expect(parseHandshake(formatChallenge(cookie))).toEqual({ ok: true, value: { type: "CHALLENGE", cookie } });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  test("anything else is refused with a reason, never thrown", () => {
    const key = Buffer.from(keyPairFrom(new Uint8Array(32).fill(4)).publicKey).toString("base64url");
    const cookie = cookies.challengeFor(HOST, PORT, 0);
    for (const bad of [
      "", "END", "CONNECT END", "CONNECT END END", "CONNECT Zyno PAD END", "CONNECT Zyno PAD yyy END", `CONNECT Zyno COOKIE ${cookie} END`,
      `CONNECT Zyno COOKIE short KEY ${key} END`, `CONNECT Zyno COOKIE ${cookie} KEY ${key.slice(1)} END`, `CONNECT 9lives COOKIE ${cookie} KEY ${key} END`,
      `CONNECT Zyno COOKIE ${cookie} KEY ${key}`, "CHALLENGE END", `CHALLENGE ${cookie} ${cookie} END`, "STATE [] END",
    ]) {
      const parsed = parseHandshake(bad);
      expect({ bad, ok: parsed.ok }).toEqual({ bad, ok: false });
    }
    fc.assert(fc.property(fc.string({ maxLength: 150 }), (s) => void parseHandshake(s)), { seed: SEED, numRuns: 1000 });
  });
});

describe("the main port", () => {
  test("answers an unproven address with at most the bytes it sent, whatever it sends", () => {
    const client = new ClientHandshake("Zyno", new Uint8Array(32).fill(6));
    const knock = client.knock();
    const proof = client.proof(cookies.challengeFor(HOST, PORT, 0));
    // Random bytes, and real handshake datagrams cut, padded or with bytes changed.
    const datagramArb = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom(knock, proof, text("CONNECT Zyno END"), text("CONNECT Zyno PAD x END")).chain((d) =>
        fc.tuple(fc.nat(d.length), fc.nat(), fc.nat(255)).map(([cut, at, byte]) => {
          const changed = d.slice(0, Math.max(1, cut));
          changed[at % changed.length] = byte;
          return changed;
        }),
      ),
    );
    fc.assert(
      fc.property(datagramArb, fc.ipV4(), portArb(), fc.nat(10_000_000), (datagram, ip, port, now) => {
        const action = atMainPort(cookies, datagram, ip, port, now);
        if (action.kind === "challenge") expect(action.reply.length).toBeLessThanOrEqual(datagram.length);
        if (action.kind === "join") expect(`${ip}:${port}`).toBe(`${HOST}:${PORT}`); // the cookie was made for HOST:PORT only
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  test("the 16-byte CONNECT of steps 04-09 gets nothing; a padded one gets a challenge of the same size", () => {
    expect(atMainPort(cookies, text("CONNECT Zyno END"), HOST, PORT, 0)).toMatchObject({ kind: "drop" });
    const knock = text(formatKnock("Zyno"));
    const action = atMainPort(cookies, knock, HOST, PORT, 0);
    expect(action.kind).toBe("challenge");
    if (action.kind === "challenge") expect(action.reply.length).toBe(knock.length);
  });

  test("only a fresh cookie echoed from its own address joins", () => {
    const client = new ClientHandshake("Zyno", new Uint8Array(32).fill(6));
    const cookie = cookies.challengeFor(HOST, PORT, 1_000);
    const proof = client.proof(cookie);
    expect(atMainPort(cookies, proof, HOST, PORT, 2_000)).toEqual({ kind: "join", name: "Zyno", clientKey: client.publicKey });
    expect(atMainPort(cookies, proof, "192.0.2.8", PORT, 2_000).kind).toBe("drop"); // someone else replays it
    expect(atMainPort(cookies, proof, HOST, PORT + 1, 2_000).kind).toBe("drop");
    expect(atMainPort(cookies, proof, HOST, PORT, 60_000).kind).toBe("drop"); // stale
    expect(atMainPort(cookies, text(formatChallenge(cookie)), HOST, PORT, 2_000).kind).toBe("drop");
    // Stateless: the same proof again, within the cookie's life, asks again. The server's sessions
    // (by address) answer that: see INTEGRATION.md, "a proof from a known address".
    expect(atMainPort(cookies, proof, HOST, PORT, 2_500).kind).toBe("join");
  });
});

describe("the whole handshake, in memory", () => {
  const welcome = text("CONNECTED 17001 Zyno (1728,972) WALLS [] STATE [(Zyno,(255,0,0),(40,60),(20,20))] END");

  function handshake(clientSecret: Uint8Array, serverSecret: Uint8Array) {
    const client = new ClientHandshake("Zyno", clientSecret);
    const first = atMainPort(cookies, client.knock(), HOST, PORT, 100);
    if (first.kind !== "challenge") throw new Error(`no challenge: ${JSON.stringify(first)}`);
    const cookie = ClientHandshake.cookieIn(first.reply)!;
    const second = atMainPort(cookies, client.proof(cookie), HOST, PORT, 300);
    if (second.kind !== "join") throw new Error(`no join: ${JSON.stringify(second)}`);
    const session = serverSession(second.clientKey, serverSecret)!;
    return { client, server: { channel: session.channel, accept: session.accept(welcome) } };
  }

  test("knock, challenge, proof, accept: the welcome opens, then sealed traffic flows both ways", () => {
    fc.assert(
      fc.property(secretArb, secretArb, (cs, ss) => {
        const { client, server } = handshake(cs, ss);
        expect(server.accept[0]).toBe(ACCEPT);
        const joined = client.accept(server.accept)!;
        expect(joined.welcome).toEqual(welcome);
        const input = text("INPUT R SEQ 1 END");
        expect(server.channel.open(joined.channel.seal(input))).toEqual(input);
        const state = text("STATE [] TICK 1 ACK 1 END");
        expect(joined.channel.open(server.channel.seal(state))).toEqual(state);
      }),
      { seed: SEED, numRuns: 30 },
    );
  });

  test("an ACCEPT changed anywhere (its server key included) makes no session", () => {
    const { client, server } = handshake(new Uint8Array(32).fill(7), new Uint8Array(32).fill(8));
    fc.assert(
      fc.property(fc.nat(server.accept.length - 1), fc.integer({ min: 0, max: 7 }), (at, bit) => {
        const changed = server.accept.slice();
        changed[at]! ^= 1 << bit;
        expect(client.accept(changed)).toBeUndefined();
      }),
      { seed: SEED, numRuns: 300 },
    );
    // X25519 ignores the top bit of a key's last byte: the shared secret stays the same. The keys
    // still differ, because HKDF's salt holds the public keys as sent.
    const topBit = server.accept.slice();
    topBit[32]! ^= 0x80;
    expect(client.accept(topBit)).toBeUndefined();
    expect(client.accept(server.accept.subarray(0, 40))).toBeUndefined();
    expect(client.accept(text("ERROR SERVER_FULL END"))).toBeUndefined();
    expect(client.accept(server.accept)).toBeDefined();
  });

  test("an ACCEPT made for another client's key opens nothing", () => {
    const { server } = handshake(new Uint8Array(32).fill(7), new Uint8Array(32).fill(8));
    const stranger = new ClientHandshake("Zyno", new Uint8Array(32).fill(9));
    expect(stranger.accept(server.accept)).toBeUndefined();
  });
});

function portArb() {
  return fc.integer({ min: 1, max: 65535 });
}
