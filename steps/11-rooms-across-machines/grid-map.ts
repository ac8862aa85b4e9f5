// Maps drawn as text: one character per square cell, `#` a wall, `.` floor. The file is the map a
// reader sees (shared/maps/manor.txt); this turns it into the few wall rectangles the game uses
// (runs of `#` in a row, merged with identical runs in the rows below) and checks it can be played.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Color, Size, Wall } from "./messages.ts";
import { MAP_SIZE } from "../../shared/world/maps.ts";
import { PLAYER_SIZE, type GameMap } from "../../shared/world/simulation.ts";

export const WALL_CHAR = "#";
export const FLOOR_CHAR = ".";
const MANOR_STONE: Color = { r: 104, g: 92, b: 118 };

export type Loaded = { readonly ok: true; readonly map: GameMap } | { readonly ok: false; readonly error: string };

/** Reads a grid drawn over a map of `size` pixels: every row as long, the cells square and whole. */
export function parseGridMap(text: string, size: Size, color: Color = MANOR_STONE): Loaded {
  const rows = text.split("\n").map((r) => r.trimEnd()).filter((r) => r.length > 0);
  const cols = rows[0]?.length ?? 0;
  if (rows.length === 0 || cols === 0) return { ok: false, error: "the map has no rows" };
  const ragged = rows.findIndex((r) => r.length !== cols);
  if (ragged >= 0) return { ok: false, error: `row ${ragged + 1} has ${rows[ragged]!.length} cells, the first has ${cols}` };
  for (const [i, row] of rows.entries()) {
    const bad = [...row].find((c) => c !== WALL_CHAR && c !== FLOOR_CHAR);
    if (bad !== undefined) return { ok: false, error: `row ${i + 1} holds ${JSON.stringify(bad)}: only ${WALL_CHAR} (wall) and ${FLOOR_CHAR} (floor)` };
  }
  const cell = size.w / cols;
  if (!Number.isInteger(cell) || cell * rows.length !== size.h) {
    return { ok: false, error: `${cols}x${rows.length} cells do not cut a ${size.w}x${size.h} map into whole square cells` };
  }
  const map: GameMap = { size, walls: mergeWalls(rows, cell, color) };
  const problems = checkMap(map, rows, cell);
  return problems.length === 0 ? { ok: true, map } : { ok: false, error: problems.join("; ") };
}

/** Runs of wall cells in each row; a run continues a rectangle from the row above when it spans
 *  exactly the same columns. Few rectangles matter: every wall costs every player a shadow. */
function mergeWalls(rows: readonly string[], cell: number, color: Color): Wall[] {
  const done: Wall[] = [];
  let open = new Map<string, { x0: number; x1: number; y0: number }>(); // runs still growing, by "x0,x1"
  rows.forEach((row, y) => {
    const next = new Map<string, { x0: number; x1: number; y0: number }>();
    for (const m of row.matchAll(/#+/g)) {
      const x0 = m.index;
      const x1 = x0 + m[0].length;
      const key = `${x0},${x1}`;
      next.set(key, open.get(key) ?? { x0, x1, y0: y });
      open.delete(key);
    }
    for (const r of open.values()) done.push(toWall(r, y, cell, color));
    open = next;
  });
  for (const r of open.values()) done.push(toWall(r, rows.length, cell, color));
  return done.sort((a, b) => a.y - b.y || a.x - b.x);
}

const toWall = (r: { x0: number; x1: number; y0: number }, yEnd: number, cell: number, color: Color): Wall => ({
  color,
  x: r.x0 * cell,
  y: r.y0 * cell,
  w: (r.x1 - r.x0) * cell,
  h: (yEnd - r.y0) * cell,
});

/** What makes a map playable: walls inside it, floor where a square fits, and one connected floor
 *  (a player spawned in a sealed room could never be found, nor find anyone). */
function checkMap(map: GameMap, rows: readonly string[], cell: number): string[] {
  const problems: string[] = [];
  for (const w of map.walls) {
    if (w.w <= 0 || w.h <= 0 || w.x < 0 || w.y < 0 || w.x + w.w > map.size.w || w.y + w.h > map.size.h) problems.push(`wall at (${w.x},${w.y}) leaves the map`);
  }
  if (cell < PLAYER_SIZE) problems.push(`cells of ${cell} px are smaller than a player (${PLAYER_SIZE} px)`);
  const floor: [number, number][] = [];
  rows.forEach((row, y) => [...row].forEach((c, x) => c === FLOOR_CHAR && floor.push([x, y])));
  if (floor.length === 0) return [...problems, "the map has no floor"];
  // Flood fill from the first floor cell, through the four neighbours.
  const seen = new Set<string>();
  const stack = [floor[0]!];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    const key = `${x},${y}`;
    if (seen.has(key) || rows[y]?.[x] !== FLOOR_CHAR) continue;
    seen.add(key);
    stack.push([x + 1, y], [x - 1, y], [x, y + 1], [x, y - 1]);
  }
  const sealed = floor.find(([x, y]) => !seen.has(`${x},${y}`));
  if (sealed) problems.push(`the floor at cell (${sealed[0]},${sealed[1]}) cannot be reached from the rest`);
  return problems;
}

/** Loads a map file drawn over the original game's 1728x972 screen; a broken file is a bug: it throws. */
export function loadGridMap(path: string, size: Size = MAP_SIZE): GameMap {
  const loaded = parseGridMap(readFileSync(path, "utf8"), size);
  if (!loaded.ok) throw new Error(`${path}: ${loaded.error}`);
  return loaded.map;
}

/** The final game's map: a manor of rooms and corridors, 64x36 cells of 27 px (shared/maps/manor.txt). */
export const MANOR: GameMap = loadGridMap(join(import.meta.dir, "manor.txt"));
