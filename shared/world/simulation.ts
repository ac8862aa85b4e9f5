// The game itself, as pure functions: squares move by input and stop at walls, map edges and
// other squares. The server runs it on every input (or every tick); from step 06 the client runs
// the very same code to predict its own square, so server and client agree to the pixel.
import type { Color, Move, Player, Rect, Size, Wall } from "../wire/protocol.ts";
import { SpatialGrid } from "./spatial-grid.ts";

export interface GameMap {
  readonly size: Size;
  readonly walls: readonly Wall[];
}

export interface World extends GameMap {
  /** In join order: the order in which a tick moves them, so every run is the same. */
  readonly players: readonly Player[];
}

/** The original game's numbers: 20x20 squares moving 10 pixels per input. */
export const PLAYER_SIZE = 20;
export const SPEED = 10;

const DIRECTIONS: Record<Move, readonly [number, number]> = {
  L: [-1, 0],
  R: [1, 0],
  U: [0, -1],
  D: [0, 1],
  ".": [0, 0],
};

export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Moves a box `distance` pixels in a direction, stopping flush against the first obstacle or
 *  the map's edge. Squares move along one axis at a time, so a 1-D sweep is exact. */
export function slide(box: Rect, move: Move, distance: number, obstacles: Iterable<Rect>, size: Size): Rect {
  const [dx, dy] = DIRECTIONS[move];
  if (dx === 0 && dy === 0) return box;
  let travel = distance;
  for (const o of obstacles) {
    if (o === box) continue;
    if (dx !== 0 && box.y < o.y + o.h && o.y < box.y + box.h) {
      const gap = dx > 0 ? o.x - (box.x + box.w) : box.x - (o.x + o.w);
      if (gap >= 0 && gap < travel) travel = gap;
    } else if (dy !== 0 && box.x < o.x + o.w && o.x < box.x + box.w) {
      const gap = dy > 0 ? o.y - (box.y + box.h) : box.y - (o.y + o.h);
      if (gap >= 0 && gap < travel) travel = gap;
    }
  }
  const x = Math.min(Math.max(box.x + dx * travel, 0), Math.max(size.w - box.w, 0));
  const y = Math.min(Math.max(box.y + dy * travel, 0), Math.max(size.h - box.h, 0));
  return { ...box, x, y };
}

/** One player's move against the walls and everybody else. */
export function movePlayer(world: World, name: string, move: Move, speed = SPEED): World {
  const index = world.players.findIndex((p) => p.name === name);
  const player = world.players[index];
  if (player === undefined || move === ".") return world;
  const moved = slide(player, move, speed, obstacles(world, player), world.size) as Player;
  if (moved.x === player.x && moved.y === player.y) return world;
  const players = world.players.slice();
  players[index] = moved;
  return { ...world, players };
}

function* obstacles(world: World, except: Player): Iterable<Rect> {
  yield* world.walls;
  for (const p of world.players) if (p !== except) yield p;
}

/** One tick: every player with an input moves once, in join order, against the others where they
 *  stand by then (as if each moved with movePlayer in turn). A grid finds the squares near each
 *  mover: testing every pair cost 13 ms a tick for a thousand players, the grid well under 2 ms. */
export function step(world: World, inputs: ReadonlyMap<string, Move>, speed = SPEED): World {
  const players = world.players.slice();
  const grid = SpatialGrid.of(players, 4 * PLAYER_SIZE, world.size);
  let changed = false;
  players.forEach((player, i) => {
    const move = inputs.get(player.name);
    if (move === undefined || move === ".") return;
    const near: Rect[] = [...world.walls];
    for (const j of grid.near(reach(player, move, speed))) if (j !== i) near.push(players[j]!);
    const moved = slide(player, move, speed, near, world.size) as Player;
    if (moved.x === player.x && moved.y === player.y) return;
    grid.remove(i, player);
    grid.insert(i, moved);
    players[i] = moved;
    changed = true;
  });
  return changed ? { ...world, players } : world;
}

/** The area a box sweeps moving `distance` one way: only what stands in it can stop the box. */
function reach(box: Rect, move: Move, distance: number): Rect {
  const [dx, dy] = DIRECTIONS[move];
  return {
    x: dx < 0 ? box.x - distance : box.x,
    y: dy < 0 ? box.y - distance : box.y,
    w: box.w + Math.abs(dx) * distance,
    h: box.h + Math.abs(dy) * distance,
  };
}

export function isFree(world: World, box: Rect): boolean {
  if (box.x < 0 || box.y < 0 || box.x + box.w > world.size.w || box.y + box.h > world.size.h) return false;
  for (const wall of world.walls) if (overlaps(wall, box)) return false;
  for (const p of world.players) if (overlaps(p, box)) return false;
  return true;
}

/** A free place for a new square: random tries first (players spread out), then a scan of the
 *  whole map so a nearly full map still finds its last holes. Null when there is none. */
export function findSpawn(world: World, random: () => number, size = PLAYER_SIZE): Rect | null {
  const maxX = world.size.w - size;
  const maxY = world.size.h - size;
  if (maxX < 0 || maxY < 0) return null;
  for (let attempt = 0; attempt < 64; attempt++) {
    const box = { x: Math.floor(random() * (maxX + 1)), y: Math.floor(random() * (maxY + 1)), w: size, h: size };
    if (isFree(world, box)) return box;
  }
  for (let y = 0; y <= maxY; y += size) {
    for (let x = 0; x <= maxX; x += size) {
      const box = { x, y, w: size, h: size };
      if (isFree(world, box)) return box;
    }
  }
  return null;
}

/** A colour of its own for every name, the same on every run (stable in tests and screenshots). */
export function colorOf(name: string): Color {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  const hue = (hash >>> 0) % 360;
  return hsl(hue, 0.75, 0.55);
}

function hsl(h: number, s: number, l: number): Color {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)))));
  return { r: f(0), g: f(8), b: f(4) };
}
