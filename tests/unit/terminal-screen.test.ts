// The terminal renderer, on pure frames turned into text at real terminal sizes (200x60, 80x24):
// the HUD keeps rows of its own above the map and its first line (connection, ping) is always
// there; a player is never drawn inside a wall; walls, players and you have different characters,
// so the screen reads without colour.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import kleur from "kleur";
import { drawScene, type ClientView } from "../../shared/render/scene.ts";
import { rasterize, screenLines } from "../../shared/render/terminal.ts";
import type { Player, Wall } from "../../shared/wire/protocol.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import { MANOR } from "../../steps/07-haunted-chronicles/grid-map.ts";

const RED = { r: 230, g: 50, b: 50 };
const BLUE = { r: 60, g: 110, b: 240 };
const STONE = { r: 104, g: 92, b: 118 };
const square = (name: string, x: number, y: number, color = BLUE): Player => ({ name, color, x, y, w: 20, h: 20 });

/** Step 07's lobby in the manor: three HUD lines, you and two others, one of them at the very top. */
const LOBBY: ClientView = {
  me: "Zyno",
  size: MANOR.size,
  walls: MANOR.walls,
  players: [square("Zyno", 860, 480, RED), square("Mira", 40, 40), square("Oskar", 1300, 700)],
  hud: {
    title: "07 Haunted Chronicles",
    status: "playing",
    pingMs: 12,
    tick: 345,
    notes: ["LOBBY  seekers (1/r): Zyno | hiders (2/b): Mira Oskar* | nobody's (3/n): -", "pick a team, then Enter: ready (*). Everyone ready, both teams: the game starts"],
  },
};
const frame = drawScene(LOBBY);
const hud = frame.hud!;

describe.each([
  [200, 60],
  [80, 24],
])("a %dx%d terminal", (columns, rows) => {
  const lines = screenLines(frame, columns, rows, false);
  const width = Math.min(columns, 160);
  const mapRows = lines.length - hud.length - 1;

  test("the screen fits: at most one line per row, one character per column", () => {
    expect(lines.length).toBeLessThanOrEqual(rows);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(width);
    expect(mapRows).toBeGreaterThanOrEqual(8);
  });

  test("the HUD's first line (connection, ping) is the top row, its notes under it, each on a row of its own", () => {
    expect(lines[0]).toStartWith("07 Haunted Chronicles | playing | 3 online | ping 12 ms | tick 345");
    hud.forEach((line, i) => expect(line.startsWith(lines[i]!.replace(/…$/, ""))).toBe(true));
  });

  test("the map is drawn whole under the HUD, not under its text: its top row is the manor's outer wall", () => {
    const map = rasterize(frame, width, mapRows, false);
    expect(lines.slice(hud.length, hud.length + mapRows)).toEqual(map);
    expect(map[0]).toBe("█".repeat(width));
    expect(lines.at(-1)).toContain("q quits");
  });

  test("walls, other players and you are different characters: the screen reads without colour", () => {
    const map = lines.slice(hud.length, -1).join("\n");
    expect(map).toContain("█");
    expect(map).toContain("@"); // you
    expect(map).toContain("M"); // Mira, at the top left corner's inside
    expect(map).toContain("O");
    expect(map).not.toContain("\x1b"); // no colour asked, none given
  });
});

test("colours only when asked (by default, kleur's choice: none under NO_COLOR or off a terminal)", () => {
  const before = kleur.enabled;
  kleur.enabled = true; // as on a colour terminal
  try {
    expect(rasterize(frame, 80, 20, true).join("")).toContain("\x1b[");
    expect(rasterize(frame, 80, 20, false).join("")).not.toContain("\x1b[");
  } finally {
    kleur.enabled = before;
  }
});

test("a tiny terminal still shows the HUD's first line and the keys", () => {
  const lines = screenLines(frame, 30, 12, false);
  expect(lines.length).toBeLessThanOrEqual(12);
  expect(lines[0]).toStartWith("07 Haunted Chronicles");
  expect(lines.at(-1)).toStartWith("arrows/WASD");
});

describe("a player is never drawn inside a wall", () => {
  /** The cells of `lines` (one map) that hold `char`. */
  const cellsOf = (lines: readonly string[], char: string): [number, number][] =>
    lines.flatMap((line, r) => [...line].flatMap((c, col): [number, number][] => (c === char ? [[r, col]] : [])));

  test("a square touching a wall on any side, at any terminal size (property)", () => {
    const side = fc.constantFrom("above", "below", "left", "right");
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 160 }),
        fc.integer({ min: 8, max: 60 }),
        fc.record({ x: fc.integer({ min: 40, max: 1500 }), y: fc.integer({ min: 40, max: 800 }), long: fc.integer({ min: 40, max: 200 }), thick: fc.integer({ min: 10, max: 60 }) }),
        side,
        fc.integer({ min: 0, max: 30 }),
        (cols, rows, w, at, along) => {
          const horizontal = at === "above" || at === "below";
          const wall: Wall = { color: STONE, x: w.x, y: w.y, w: horizontal ? w.long : w.thick, h: horizontal ? w.thick : w.long };
          const p =
            at === "above" ? square("Pat", wall.x + along, wall.y - 20) :
            at === "below" ? square("Pat", wall.x + along, wall.y + wall.h) :
            at === "left" ? square("Pat", wall.x - 20, wall.y + along) :
            square("Pat", wall.x + wall.w, wall.y + along);
          const view: ClientView = { me: "Me", size: MAP_SIZE, walls: [wall], players: [p], hud: { title: "t", status: "playing" } };
          const drawn = rasterize(drawScene(view), cols, rows, false);
          const bare = rasterize(drawScene({ ...view, players: [] }), cols, rows, false);
          const pat = cellsOf(drawn, "P");
          expect(pat.length).toBeGreaterThan(0); // drawn...
          for (const [r, c] of pat) expect(bare[r]![c]).not.toBe("█"); // ...and never where the wall is
          expect(cellsOf(drawn, "█")).toEqual(cellsOf(bare, "█")); // the wall keeps every cell it had
        },
      ),
    );
  });
});
