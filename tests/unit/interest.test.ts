// Interest management: near() finds exactly the players a scan of everyone would, grid or not.
import { expect, test } from "bun:test";
import fc from "fast-check";
import { Neighbourhood } from "../../steps/07-haunted-chronicles/interest.ts";
import type { Player } from "../../shared/wire/protocol.ts";

const player = (i: number, x: number, y: number): Player => ({ name: `P${i}`, color: { r: 1, g: 2, b: 3 }, x, y, w: 20, h: 20 });

test("near() is every player within view pixels each way, itself included", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1708 }), fc.integer({ min: 0, max: 952 })), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 400 }), (spots, view) => {
      const players = spots.map(([x, y], i) => player(i, x, y));
      const around = new Neighbourhood(players, view);
      for (const me of players) {
        const expected = players.filter((p) => Math.abs(p.x - me.x) <= view && Math.abs(p.y - me.y) <= view).map((p) => p.name).sort();
        expect(around.near(me.name).map((p) => p.name).sort()).toEqual(expected);
      }
    }),
    { numRuns: 50 },
  );
  expect(new Neighbourhood([], 100).near("Nobody")).toEqual([]);
});
