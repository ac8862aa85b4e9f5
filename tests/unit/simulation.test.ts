import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { COURTYARD } from "../../shared/world/maps.ts";
import type { Move, Player } from "../../shared/wire/protocol.ts";
import { Room } from "../../shared/server/room.ts";
import { colorOf, findSpawn, isFree, movePlayer, overlaps, step, type World } from "../../shared/world/simulation.ts";

const grey = { r: 128, g: 128, b: 128 };
const player = (name: string, x: number, y: number): Player => ({ name, color: grey, x, y, w: 20, h: 20 });
const world = (players: Player[]): World => ({ size: { w: 200, h: 100 }, walls: [{ color: grey, x: 100, y: 0, w: 10, h: 50 }], players });

describe("moving squares", () => {
  test("a move goes 10 pixels in its direction", () => {
    const w = movePlayer(world([player("A", 20, 60)]), "A", "R");
    expect(w.players[0]).toMatchObject({ x: 30, y: 60 });
    expect(movePlayer(w, "A", "U").players[0]).toMatchObject({ x: 30, y: 50 });
  });

  test("a square stops flush against a wall, a map edge and another square", () => {
    expect(movePlayer(world([player("A", 75, 10)]), "A", "R").players[0]!.x).toBe(80); // wall at x=100
    expect(movePlayer(world([player("A", 5, 10)]), "A", "L").players[0]!.x).toBe(0);
    expect(movePlayer(world([player("A", 0, 75)]), "A", "D").players[0]!.y).toBe(80); // bottom edge
    const two = world([player("A", 10, 70), player("B", 35, 70)]);
    expect(movePlayer(two, "A", "R").players[0]!.x).toBe(15);
  });

  test("'.' and unknown names change nothing", () => {
    const w = world([player("A", 20, 60)]);
    expect(movePlayer(w, "A", ".")).toBe(w);
    expect(movePlayer(w, "Nobody", "L")).toBe(w);
  });

  test("a tick moves everybody in join order, deterministically", () => {
    const w = world([player("A", 10, 70), player("B", 31, 70)]);
    const inputs = new Map<string, Move>([["A", "R"], ["B", "R"]]);
    const once = step(w, inputs);
    expect(once.players.map((p) => p.x)).toEqual([11, 41]); // A moves first and stops at B's old place
    expect(step(w, inputs)).toEqual(once);
  });

  test("property: whatever the inputs, squares never overlap walls, each other or leave the map", () => {
    const moves = fc.constantFrom<Move>("L", "R", "U", "D", ".");
    fc.assert(
      fc.property(fc.array(fc.array(moves, { minLength: 3, maxLength: 3 }), { maxLength: 60 }), (ticks) => {
        let w: World = { ...COURTYARD, players: [player("A", 280, 300), player("B", 345, 300), player("C", 600, 165)] };
        for (const t of ticks) w = step(w, new Map(t.map((m, i) => ["ABC"[i]!, m])));
        for (const p of w.players) {
          expect(isFree({ ...w, players: w.players.filter((q) => q !== p) }, p)).toBe(true);
        }
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

describe("spawning and the room", () => {
  test("spawn points are free, and the scan finds the last holes of a full map", () => {
    const always0 = () => 0; // every random try lands on (0,0): only the scan can place the rest
    let w: World = { size: { w: 60, h: 40 }, walls: [], players: [] };
    const seen: Player[] = [];
    for (let i = 0; i < 6; i++) {
      const spot = findSpawn(w, always0);
      expect(spot).not.toBeNull();
      for (const p of seen) expect(overlaps(p, spot!)).toBe(false);
      const p = { name: `P${i}`, color: grey, ...spot! };
      seen.push(p);
      w = { ...w, players: seen };
    }
    expect(findSpawn(w, always0)).toBeNull(); // 3 x 2 squares of 20 fill 60 x 40
  });

  test("a room refuses invalid and taken names and a full house, with the protocol's codes", () => {
    const room = new Room(COURTYARD, { maxPlayers: 2 });
    expect(room.join("Zyno").ok).toBe(true);
    expect(room.join("Zyno")).toEqual({ ok: false, code: "NAME_TAKEN" });
    expect(room.join("bad name")).toEqual({ ok: false, code: "NAME_INVALID" });
    expect(room.join("Ghost1").ok).toBe(true);
    expect(room.join("Ghost2")).toEqual({ ok: false, code: "SERVER_FULL" });
    expect(room.leave("Zyno")).toBe(true);
    expect(room.leave("Zyno")).toBe(false);
    expect(room.join("Ghost2").ok).toBe(true);
  });

  test("every name has its own stable colour", () => {
    expect(colorOf("Zyno")).toEqual(colorOf("Zyno"));
    expect(colorOf("Zyno")).not.toEqual(colorOf("Ghost"));
  });
});

describe("a tick with many players", () => {
  test("property: step (with its grid) equals moving each player in turn with movePlayer", () => {
    const moves = fc.constantFrom<Move>("L", "R", "U", "D", ".");
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), fc.array(fc.array(moves, { minLength: 120, maxLength: 120 }), { minLength: 1, maxLength: 8 }), (seed, ticks) => {
        let n = seed;
        const random = () => ((n = (Math.imul(n, 48271) + 11) >>> 0) / 2 ** 32);
        const room = new Room(COURTYARD, { maxPlayers: 120, random });
        for (let i = 0; i < 120; i++) room.join(`P${i}`);
        let fast: World = room.state;
        let slow: World = room.state;
        for (const t of ticks) {
          const inputs = new Map(fast.players.map((p, i) => [p.name, t[i]!] as const));
          fast = step(fast, inputs);
          for (const p of slow.players) slow = movePlayer(slow, p.name, inputs.get(p.name)!);
          expect(fast.players).toEqual(slow.players);
        }
      }),
      { seed: 5, numRuns: 40 },
    );
  });
});
