// The pure parts of the network simulator: the PRNG, the fate of a datagram, the delay line,
// and the rewrite of `CONNECTED <port>`.
import { describe, expect, test } from "bun:test";
import { conditions, decideChunkFate, decideFate, RETRANSMISSION_TIMEOUT_MS } from "../../tools/netsim/conditions.ts";
import { announcedPort, replaceAnnouncedPort } from "../../tools/netsim/connected-rewrite.ts";
import { DelayLine } from "../../tools/netsim/delay-line.ts";
import { deriveSeed, mulberry32 } from "../../shared/plumbing/prng.ts";

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe("mulberry32", () => {
  test("a seed always gives the same numbers, in [0, 1), averaging one half", () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const numbers = Array.from({ length: 10_000 }, () => a());
    expect(numbers.slice(0, 3)).toEqual([b(), b(), b()]);
    expect(numbers.every((n) => n >= 0 && n < 1)).toBe(true);
    const mean = numbers.reduce((s, n) => s + n, 0) / numbers.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  test("derived seeds differ from stream to stream", () => {
    const seeds = new Set(Array.from({ length: 100 }, (_, i) => deriveSeed(7, i)));
    expect(seeds.size).toBe(100);
  });
});

describe("decideFate", () => {
  const c = conditions({ delayMs: 100, jitterMs: 20, lossPercent: 30, duplicatePercent: 10, reorderPercent: 5, reorderDelayMs: 50 });
  const fates = (() => {
    const random = mulberry32(42);
    return Array.from({ length: 10_000 }, () => decideFate(c, random));
  })();
  const count = (pick: (f: (typeof fates)[number]) => boolean) => fates.filter(pick).length;

  test("loss, duplication and reordering happen at the asked rates (seed 42: exact counts)", () => {
    const lost = count((f) => f.lost);
    const survived = fates.length - lost;
    const duplicated = count((f) => f.duplicated);
    const reordered = count((f) => f.reordered);
    expect([lost, duplicated, reordered]).toEqual([2946, 704, 347]);
    expect(lost / fates.length).toBeCloseTo(0.3, 1);
    expect(duplicated / survived).toBeCloseTo(0.1, 1);
    expect(reordered / survived).toBeCloseTo(0.05, 1);
  });

  test("a lost datagram has no copy; a duplicated one has two; a reordered copy is held back", () => {
    for (const f of fates) {
      expect(f.copies.length).toBe(f.lost ? 0 : f.duplicated ? 2 : 1);
      if (f.lost) expect(f.duplicated || f.reordered).toBe(false);
      expect(f.copies[0]?.keepsOrder ?? true).toBe(!f.reordered);
    }
  });

  test("delays lie in [delay, delay + jitter), plus the hold for a reordered copy; jitter averages half", () => {
    const ordered = fates.flatMap((f) => f.copies).filter((copy) => copy.keepsOrder);
    for (const copy of ordered) {
      expect(copy.delayMs).toBeGreaterThanOrEqual(100);
      expect(copy.delayMs).toBeLessThan(120);
    }
    for (const f of fates.filter((f) => f.reordered)) {
      expect(f.copies[0]!.delayMs).toBeGreaterThanOrEqual(150);
      expect(f.copies[0]!.delayMs).toBeLessThan(170);
    }
    const mean = ordered.reduce((s, copy) => s + copy.delayMs, 0) / ordered.length;
    expect(Math.abs(mean - 110)).toBeLessThan(0.5);
  });

  test("a perfect network delivers one copy, at once, in order", () => {
    expect(decideFate(conditions(), mulberry32(1))).toEqual({
      copies: [{ delayMs: 0, keepsOrder: true }],
      lost: false,
      duplicated: false,
      reordered: false,
    });
  });

  test("changing the loss rate does not change the other decisions of a seeded run", () => {
    const delays = (lossPercent: number) => {
      const random = mulberry32(5);
      return Array.from({ length: 200 }, () => decideFate({ ...c, lossPercent }, random))
        .map((f) => f.copies[0]?.delayMs)
        .filter((d) => d !== undefined);
    };
    const withoutLoss = delays(0);
    const withLoss = new Set(delays(50));
    expect(withLoss.size).toBeLessThan(withoutLoss.length);
    expect([...withLoss].every((d) => withoutLoss.includes(d))).toBe(true);
  });
});

describe("decideChunkFate (TCP)", () => {
  test("a 'lost' chunk arrives one retransmission timeout late, at the loss rate (seed 7: exact count)", () => {
    const random = mulberry32(7);
    const c = conditions({ delayMs: 10, jitterMs: 5, lossPercent: 5 });
    const chunks = Array.from({ length: 10_000 }, () => decideChunkFate(c, random));
    const late = chunks.filter((f) => f.retransmitted);
    expect(late.length).toBe(509);
    expect(late.length / chunks.length).toBeCloseTo(0.05, 1);
    for (const f of chunks) {
      const base = f.delayMs - (f.retransmitted ? RETRANSMISSION_TIMEOUT_MS : 0);
      expect(base).toBeGreaterThanOrEqual(10);
      expect(base).toBeLessThan(15);
    }
  });
});

describe("DelayLine", () => {
  test("with no delay, an item comes out at once", () => {
    const out: number[] = [];
    const line = new DelayLine<number>((n) => out.push(n));
    line.push(1, 0);
    expect(out).toEqual([1]);
  });

  test("items keep their order even when a later one drew a shorter delay", async () => {
    const out: number[] = [];
    const line = new DelayLine<number>((n) => out.push(n));
    line.push(1, 30);
    line.push(2, 5);
    line.push(3, 0);
    expect(out).toEqual([]);
    for (let i = 0; i < 100 && out.length < 3; i++) await Bun.sleep(5);
    expect(out).toEqual([1, 2, 3]);
  });

  test("an item that does not keep order is overtaken", async () => {
    const out: number[] = [];
    const line = new DelayLine<number>((n) => out.push(n));
    line.push(1, 20, false);
    line.push(2, 0);
    line.push(3, 5);
    for (let i = 0; i < 100 && out.length < 3; i++) await Bun.sleep(5);
    expect(out).toEqual([2, 3, 1]);
    expect(line.inFlight).toBe(0);
  });

  test("close drops what is on its way", async () => {
    const out: number[] = [];
    const line = new DelayLine<number>((n) => out.push(n));
    line.push(1, 5);
    line.close();
    line.push(2, 0);
    await Bun.sleep(20);
    expect(out).toEqual([]);
  });
});

describe("CONNECTED <port> rewrite", () => {
  const welcome = "CONNECTED 40001 Zyno (800,600) WALLS [] STATE [] END";

  test("finds the announced port, and only in a UDP-step CONNECTED", () => {
    expect(announcedPort(text(welcome))).toBe(40001);
    expect(announcedPort(text("CONNECTED Zyno END"))).toBeUndefined();
    expect(announcedPort(text("STATE [] END"))).toBeUndefined();
    expect(announcedPort(text("CONNECTED 99999 Zyno END"))).toBeUndefined();
    expect(announcedPort(text("CONNECTED 123456 Zyno END"))).toBeUndefined();
    expect(announcedPort(text("CONNECTED 5"))).toBeUndefined();
  });

  test("changes the digits and keeps every other byte", () => {
    expect(decode(replaceAnnouncedPort(text(welcome), 5))).toBe("CONNECTED 5 Zyno (800,600) WALLS [] STATE [] END");
    expect(decode(replaceAnnouncedPort(text(welcome), 123))).toBe(welcome.replace("40001", "123"));
    const other = text("CONNECTED Zyno END");
    expect(replaceAnnouncedPort(other, 5)).toBe(other);
  });
});
