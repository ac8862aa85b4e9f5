import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Interpolator, lerpPlayers } from "../../steps/06-client-prediction/interpolation.ts";
import type { Player } from "../../shared/wire/protocol.ts";

const WHITE = { r: 255, g: 255, b: 255 };
const walker = (x: number): Player => ({ name: "Walker", color: WHITE, x, y: 50, w: 20, h: 20 });
const TICK_MS = 1000 / 30;

describe("lerpPlayers", () => {
  test("moves each square part of the way; newcomers and long jumps are drawn where they are", () => {
    const newcomer: Player = { ...walker(0), name: "New" };
    expect(lerpPlayers([walker(100)], [walker(110), newcomer], 0.5)).toEqual([walker(105), newcomer]);
    expect(lerpPlayers([walker(100)], [walker(110)], 1)).toEqual([walker(110)]);
    expect(lerpPlayers([walker(100)], [walker(900)], 0.5, 100)).toEqual([walker(900)]);
  });
});

describe("Interpolator", () => {
  test("draws between the two states around `delay` ago, on the server's even timeline", () => {
    const i = new Interpolator({ tickMs: TICK_MS, delayMs: 100 });
    // Tick t reaches us 50 ms after it happened, give or take nothing.
    for (let t = 1; t <= 10; t++) i.push({ tick: t, players: [walker(10 * t)] }, t * TICK_MS + 50);
    const now = 10 * TICK_MS + 50;
    expect(i.tickAt(now)).toBeCloseTo(10 - 100 / TICK_MS, 6); // 3 ticks behind the newest
    expect(i.sample(now)[0]!.x).toBeCloseTo(70, 6);
    expect(i.sample(now + TICK_MS / 2)[0]!.x).toBeCloseTo(75, 6);
  });

  test("runs out of states: holds the newest, then goes on forward", () => {
    const i = new Interpolator({ tickMs: TICK_MS, delayMs: 0 });
    i.push({ tick: 1, players: [walker(10)] }, 0);
    i.push({ tick: 2, players: [walker(20)] }, TICK_MS);
    expect(i.sample(4 * TICK_MS)[0]!.x).toBe(20); // tick 5 is due, the newest is tick 2
    i.push({ tick: 6, players: [walker(60)] }, 5 * TICK_MS);
    expect(i.sample(4.5 * TICK_MS)[0]!.x).toBeCloseTo(55, 6); // tick 5.5: between ticks 2 and 6
  });

  test("a walker is never drawn stepping back, whatever the jitter, loss and drawing times", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delay: fc.double({ min: 0, max: 60, noNaN: true }), lost: fc.boolean() }), { minLength: 5, maxLength: 80 }),
        fc.array(fc.double({ min: 0, max: 40, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 200 }),
        (states, frameGaps, delayMs) => {
          const i = new Interpolator({ tickMs: TICK_MS, delayMs });
          // Arrivals in order (jitter alone never reorders), frames drawn between them.
          let arrival = 0;
          const events: { at: number; push?: number }[] = [];
          states.forEach((s, k) => {
            arrival = Math.max(arrival, (k + 1) * TICK_MS + 30 + s.delay);
            if (!s.lost) events.push({ at: arrival, push: k + 1 });
          });
          let at = 0;
          for (const gap of frameGaps) events.push({ at: (at += gap) });
          events.sort((a, b) => a.at - b.at);
          let drawn = -Infinity;
          for (const e of events) {
            if (e.push !== undefined) i.push({ tick: e.push, players: [walker(10 * e.push)] }, e.at);
            else {
              const x = i.sample(e.at)[0]?.x;
              if (x === undefined) continue;
              if (x < drawn) return false;
              drawn = x;
            }
          }
          return true;
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });

  test("old and repeated ticks are ignored", () => {
    const i = new Interpolator({ tickMs: TICK_MS, delayMs: 0 });
    i.push({ tick: 5, players: [walker(50)] }, 0);
    i.push({ tick: 4, players: [walker(40)] }, 1);
    i.push({ tick: 5, players: [walker(99)] }, 2);
    expect(i.latest()).toEqual([walker(50)]);
  });
});
