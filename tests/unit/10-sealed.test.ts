import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { HEADER_BYTES, OVERHEAD, ReplayWindow, SEALED, SealedChannel, seal, sealingKey, sequenceOf, unseal } from "../../steps/10-secure-connect/sealed.ts";

const SEED = 20261201;
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const payloadArb = fc.uint8Array({ maxLength: 1200 });

/** A client and a server channel with mirrored keys, as the handshake makes them. */
function pair(windowSize = 256): { client: SealedChannel; server: SealedChannel } {
  const up = new Uint8Array(32).fill(1);
  const down = new Uint8Array(32).fill(2);
  return { client: new SealedChannel({ send: up, receive: down }, windowSize), server: new SealedChannel({ send: down, receive: up }, windowSize) };
}
const bytes = (text: string) => new TextEncoder().encode(text);

describe("sealing one datagram", () => {
  test("round trip: what is sealed opens to the same bytes and number, with 25 bytes added", () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), payloadArb, (key, seq, plaintext) => {
        const k = sealingKey(key);
        const sealed = seal(k, seq, plaintext);
        expect(sealed.length).toBe(plaintext.length + OVERHEAD);
        expect(sealed[0]).toBe(SEALED);
        expect(sequenceOf(sealed)).toBe(seq);
        const opened = unseal(k, sealed);
        expect(opened?.seq).toBe(seq);
        expect(opened?.plaintext).toEqual(plaintext);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test("the plaintext does not show through", () => {
    const sealed = seal(sealingKey(new Uint8Array(32)), 7, bytes("STATE [(Zyno,(255,0,0),(40,60),(20,20))] TICK 9 ACK 3 END"));
    expect(new TextDecoder().decode(sealed)).not.toContain("Zyno");
  });

  test("any bit flipped anywhere (kind, number, ciphertext, tag) is refused", () => {
    fc.assert(
      fc.property(keyArb, fc.nat(1_000_000), payloadArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (key, seq, plaintext, at, bit) => {
        const k = sealingKey(key);
        const sealed = seal(k, seq, plaintext);
        const flipped = sealed.slice();
        flipped[at % flipped.length]! ^= 1 << bit;
        expect(unseal(k, flipped)).toBeUndefined();
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  test("another key, a cut datagram, or anything at all is refused without throwing", () => {
    const k = sealingKey(new Uint8Array(32).fill(9));
    const sealed = seal(k, 1, bytes("INPUT R SEQ 1 END"));
    expect(unseal(sealingKey(new Uint8Array(32).fill(8)), sealed)).toBeUndefined();
    for (let cut = 0; cut < sealed.length; cut++) expect(unseal(k, sealed.subarray(0, cut))).toBeUndefined();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1500 }), (junk) => expect(unseal(k, junk)).toBeUndefined()), { seed: SEED, numRuns: 1000 });
  });

  test("a number beyond 2^53 is not a sequence number; sealing refuses to make one", () => {
    const huge = new Uint8Array(OVERHEAD).fill(0xff);
    huge[0] = SEALED;
    expect(sequenceOf(huge)).toBeUndefined();
    expect(() => seal(sealingKey(new Uint8Array(32)), -1, new Uint8Array())).toThrow(RangeError);
    expect(HEADER_BYTES).toBe(9);
  });
});

describe("the replay window", () => {
  /** What the window should do: accept a number once, unless `size` or more behind the newest. */
  function model(size: number) {
    const seen = new Set<number>();
    let newest = -1;
    return (seq: number): boolean => {
      if (seq + size <= newest || seen.has(seq)) return false;
      seen.add(seq);
      newest = Math.max(newest, seq);
      return true;
    };
  }

  test("agrees with the model on any arrival order: new once, replays and too-old refused", () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 64, 256), fc.array(fc.nat(600), { maxLength: 400 }), (size, arrivals) => {
        const window = new ReplayWindow(size);
        const expected = model(size);
        for (const seq of arrivals) {
          const fresh = window.isFresh(seq);
          expect(fresh).toBe(expected(seq));
          if (fresh) window.remember(seq);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("a channel", () => {
  test("both ways, in order: every datagram arrives once, as sent", () => {
    const { client, server } = pair();
    for (let i = 1; i <= 300; i++) {
      expect(server.open(client.seal(bytes(`INPUT R SEQ ${i} END`)))).toEqual(bytes(`INPUT R SEQ ${i} END`));
      expect(client.open(server.seal(bytes(`STATE [] TICK ${i} ACK ${i} END`)))).toEqual(bytes(`STATE [] TICK ${i} ACK ${i} END`));
    }
    expect(client.sent).toBe(300);
    expect(server.dropped).toEqual({ forged: 0, replayed: 0 });
  });

  test("a replayed datagram is refused, however often and however late", () => {
    const { client, server } = pair();
    const first = client.seal(bytes("DISCONNECT Zyno END"));
    expect(server.open(first)).toBeDefined();
    for (let i = 0; i < 5; i++) expect(server.open(first)).toBeUndefined();
    for (let i = 0; i < 1000; i++) server.open(client.seal(bytes("PING 1 END")));
    expect(server.open(first)).toBeUndefined();
    expect(server.dropped.replayed).toBe(6);
  });

  test("reordered within the window: each accepted once; older than the window: refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.nat(), (size, shuffleSeed) => {
        const { client, server } = pair(size);
        const sealed = Array.from({ length: size }, (_, i) => client.seal(bytes(`INPUT L SEQ ${i} END`)));
        // Any order of the last `size` datagrams is fine (a deterministic shuffle from the seed).
        const order = sealed.map((d, i) => ({ d, key: Math.imul(i + 1, 2654435761 ^ shuffleSeed) >>> 0 })).sort((a, b) => a.key - b.key);
        for (const { d } of order) expect(server.open(d)).toBeDefined();
        for (const { d } of order) expect(server.open(d)).toBeUndefined();
        // One more datagram moves the window: number 0 is now `size` behind, too old to tell apart.
        const next = client.seal(bytes("PING 2 END"));
        expect(server.open(next)).toBeDefined();
        const { client: c2, server: s2 } = pair(size);
        const zero = c2.seal(bytes("PING 0 END"));
        for (let i = 1; i <= size; i++) s2.open(c2.seal(bytes(`PING ${i} END`)));
        expect(s2.open(zero)).toBeUndefined(); // never seen, but outside the window
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  test("a forged datagram with a far-ahead number moves nothing: honest ones still get through", () => {
    const { client, server } = pair();
    const honest = client.seal(bytes("INPUT R SEQ 1 END"));
    const forged = honest.slice();
    forged.set([0, 0, 0, 0, 0, 0x10, 0, 0], 1); // number 2^20, tag unchanged
    expect(server.open(forged)).toBeUndefined();
    expect(server.dropped.forged).toBe(1);
    expect(server.open(honest)).toEqual(bytes("INPUT R SEQ 1 END"));
  });

  test("a datagram bounced back at its sender is refused: each direction has its own key", () => {
    const { client } = pair();
    const mine = client.seal(bytes("INPUT R SEQ 1 END"));
    expect(client.open(mine)).toBeUndefined();
    expect(client.dropped.forged).toBe(1);
  });

  test("junk never throws and is counted", () => {
    const { server } = pair();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => expect(server.open(junk)).toBeUndefined()), { seed: SEED, numRuns: 500 });
    expect(server.dropped.forged + server.dropped.replayed).toBe(500);
  });
});
