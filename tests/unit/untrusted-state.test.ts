// A client treats what a server sends as untrusted (shared/client/untrusted.ts), and the spatial grid
// the simulation (and so every client's prediction) uses costs at most the map's cells, whatever the
// size of the squares put in it.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import { overlaps, step } from "../../shared/world/simulation.ts";
import { SpatialGrid } from "../../shared/world/spatial-grid.ts";
import { MAX_MAP_SIDE, outOfMap, stateProblem, welcomeProblem } from "../../shared/client/untrusted.ts";
import type { Player, Rect } from "../../shared/wire/protocol.ts";

const grey = { r: 128, g: 128, b: 128 };
const square = (name: string, x: number, y: number, side = 20): Player => ({ name, color: grey, x, y, w: side, h: side });
const CELL = 80;
/** 1728x972 px in 80-px cells: 22 columns, 13 rows. */
const MAP_CELLS = Math.ceil(MAP_SIZE.w / CELL) * Math.ceil(MAP_SIZE.h / CELL);

describe("the spatial grid's cost is bounded by the map", () => {
  test("a square of 100000 x 100000 px sits in the map's 286 cells, not in 1250 x 1250", () => {
    const huge = square("Huge", -50_000, -50_000, 100_000);
    // `near` lists an id once per cell it shares with the query: here, every cell the square has.
    expect(SpatialGrid.of([huge], CELL, MAP_SIZE).near(huge)).toHaveLength(MAP_CELLS);
  });

  test("a tick with a square of 2147483647 px ends, and moves the others as before", () => {
    const world = { size: MAP_SIZE, walls: [], players: [square("Huge", 500, 500, 2_147_483_647), square("Small", 10, 10)] };
    const after = step(world, new Map([["Small", "R"]]));
    expect(after.players[1]).toMatchObject({ x: 20, y: 10 });
  });

  test("it still finds every rect that overlaps a query, on the map or off it (property)", () => {
    const coordinate = fc.integer({ min: -3000, max: 3000 });
    const rect = fc.record({ x: coordinate, y: coordinate, w: fc.integer({ min: 0, max: 4000 }), h: fc.integer({ min: 0, max: 4000 }) });
    fc.assert(
      fc.property(fc.array(rect, { maxLength: 30 }), rect, (rects: Rect[], query: Rect) => {
        const near = new Set(SpatialGrid.of(rects, CELL, MAP_SIZE).near(query));
        rects.forEach((r, i) => {
          if (overlaps(r, query)) expect(near.has(i)).toBe(true);
        });
      }),
    );
  });
});

describe("what a client accepts from a server", () => {
  test("squares on the map, or reaching past its edge by less than their size, are taken", () => {
    for (const s of [square("A", 0, 0), square("B", 1708, 952), square("C", -20, 400), square("D", 1728, 972), square("E", 0, 0, 972)]) {
      expect(outOfMap(s, MAP_SIZE)).toBeUndefined();
    }
  });

  test("a square larger than the map, or farther outside it than its size, is refused and named", () => {
    expect(stateProblem([square("A", 10, 10), square("Victim", 100, 100, 2_147_483_647)], MAP_SIZE)).toBe(
      "Victim's square 2147483647x2147483647 at (100,100) is larger than the 1728x972 map",
    );
    expect(stateProblem([square("Far", -21, 0)], MAP_SIZE)).toMatch(/^Far's square 20x20 at \(-21,0\) is outside the 1728x972 map$/);
    expect(stateProblem([square("Far", 0, 973)], MAP_SIZE)).toMatch(/outside/);
    expect(stateProblem([{ ...square("Wide", 0, 0), w: 1729 }], MAP_SIZE)).toMatch(/larger/);
  });

  test("a welcome is checked whole: its map's size, its walls and its squares", () => {
    const welcome = { port: 5000, size: MAP_SIZE, walls: [{ color: grey, x: 300, y: 200, w: 40, h: 300 }], players: [square("A", 10, 10)] };
    expect(welcomeProblem(welcome)).toBeUndefined();
    expect(welcomeProblem({ ...welcome, size: { w: 2_147_483_647, h: 2_147_483_647 } })).toBe(`a map of 2147483647x2147483647 px (at most ${MAX_MAP_SIDE} a side)`);
    expect(welcomeProblem({ ...welcome, walls: [{ color: grey, x: 0, y: 0, w: 5000, h: 10 }] })).toMatch(/^a wall 5000x10 at \(0,0\) is larger/);
    expect(welcomeProblem({ ...welcome, players: [square("A", 99_999, 10)] })).toMatch(/^A's square .* is outside/);
  });
});
