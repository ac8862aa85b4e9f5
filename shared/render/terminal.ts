// The terminal renderer: rasterises a Frame into a grid of coloured characters, one cell per
// few map pixels. Coarse, but it needs nothing but a terminal (and works over ssh). It reads
// without colour too (NO_COLOR=1): walls are blocks, a player is its name's first letter, you are
// `@`, darkness is dotted. The HUD has rows of its own above the map, the first always shown.
import kleur from "kleur";
import type { Color } from "../wire/protocol.ts";
import { insidePolygon, type DrawCommand, type Frame } from "./draw.ts";

const WALL = "█";
/** Widest map drawn, in characters (wider terminals get margins: a bigger grid costs every frame). */
const MAX_COLUMNS = 160;
const MIN_COLUMNS = 20;
/** The map keeps at least this many rows; the HUD's notes give way first (its first line never does). */
const MIN_MAP_ROWS = 8;
const KEYS = "arrows/WASD move · space stops · q quits";

interface Cell {
  char: string;
  color: Color | null;
}

const PALETTE: ReadonlyArray<readonly [Color, (s: string) => string]> = [
  [{ r: 220, g: 60, b: 60 }, kleur.red],
  [{ r: 60, g: 200, b: 80 }, kleur.green],
  [{ r: 230, g: 210, b: 60 }, kleur.yellow],
  [{ r: 70, g: 110, b: 230 }, kleur.blue],
  [{ r: 200, g: 80, b: 200 }, kleur.magenta],
  [{ r: 60, g: 200, b: 210 }, kleur.cyan],
  [{ r: 240, g: 240, b: 240 }, kleur.white],
  [{ r: 100, g: 100, b: 110 }, kleur.gray],
];

/** kleur speaks the 8 ANSI colours; a player's RGB goes to the nearest of them. */
function paint(color: Color): (s: string) => string {
  let best = PALETTE[0]!;
  let bestDistance = Infinity;
  for (const entry of PALETTE) {
    const c = entry[0];
    const d = (c.r - color.r) ** 2 + (c.g - color.g) ** 2 + (c.b - color.b) ** 2;
    if (d < bestDistance) [best, bestDistance] = [entry, d];
  }
  return best[1];
}

/** The cells along one axis whose centre lies in [from, from + size): the nearest thing to the
 *  rect at this coarse scale. A rect thinner than a cell keeps the one cell its middle is in. */
function span(from: number, size: number, cell: number, count: number): [number, number] {
  let first = Math.ceil(from / cell - 0.5);
  let last = Math.ceil((from + size) / cell - 0.5) - 1;
  if (last < first) first = last = Math.floor((from + size / 2) / cell);
  return [Math.max(first, 0), Math.min(last, count - 1)];
}

/** The frame's map as `rows` lines of `cols` characters; ANSI colours when `color` (kleur's
 *  choice by default: none under NO_COLOR or when the output is not a terminal). */
export function rasterize(frame: Frame, cols: number, rows: number, color = kleur.enabled): string[] {
  const grid: Cell[][] = Array.from({ length: rows }, () => Array.from({ length: cols }, () => ({ char: " ", color: null })));
  const wall: boolean[][] = Array.from({ length: rows }, () => new Array<boolean>(cols).fill(false));
  const cw = frame.width / cols;
  const ch = frame.height / rows;
  const put = (r: number, c: number, char: string, paint: Color) => {
    grid[r]![c] = { char, color: paint };
  };
  /** The free cell around rows r0..r1 and columns c0..c1 whose centre is nearest the map point (x, y). */
  const nearestFree = (r0: number, r1: number, c0: number, c1: number, x: number, y: number): [number, number] | undefined => {
    let best: [number, number] | undefined;
    let bestOff = Infinity;
    for (let r = Math.max(r0 - 1, 0); r <= Math.min(r1 + 1, rows - 1); r++) {
      for (let c = Math.max(c0 - 1, 0); c <= Math.min(c1 + 1, cols - 1); c++) {
        const off = Math.hypot((c + 0.5) * cw - x, (r + 0.5) * ch - y);
        if (!wall[r]![c] && off < bestOff) [best, bestOff] = [[r, c], off];
      }
    }
    return best;
  };
  /** A player goes on its cells that no wall holds. When a wall holds them all (a square beside a
   *  wall, both thinner than a cell), on the free cell next to them nearest its middle: a player is
   *  never drawn inside a wall. */
  const placePlayer = (p: { x: number; y: number; w: number; h: number }, glyph: string, paint: Color) => {
    const [c0, c1] = span(p.x, p.w, cw, cols);
    const [r0, r1] = span(p.y, p.h, ch, rows);
    if (c0 > c1 || r0 > r1) return; // off the map
    const cells: [number, number][] = [];
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (!wall[r]![c]) cells.push([r, c]);
    if (cells.length === 0) {
      const next = nearestFree(r0, r1, c0, c1, p.x + p.w / 2, p.y + p.h / 2);
      if (next) cells.push(next);
    }
    for (const [r, c] of cells) put(r, c, glyph, paint);
  };
  const draw = (cmd: DrawCommand) => {
    if (cmd.kind === "rect") {
      if (cmd.outline) return; // the own square's mark: here it is its `@`
      if (cmd.glyph !== undefined) return placePlayer(cmd, cmd.glyph, cmd.color);
      const [c0, c1] = span(cmd.x, cmd.w, cw, cols);
      const [r0, r1] = span(cmd.y, cmd.h, ch, rows);
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          put(r, c, WALL, cmd.color);
          wall[r]![c] = true;
        }
      }
    } else if (cmd.kind === "polygon") {
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          if (!insidePolygon({ x: (c + 0.5) * cw, y: (r + 0.5) * ch }, cmd.points)) continue;
          const cell = grid[r]![c]!;
          if (cmd.alpha >= 0.9) [cell.char, cell.color] = ["░", cmd.color];
          else if (cell.char === " ") cell.char = "·";
        }
      }
    }
    // Text: the names are smaller than a cell; a player shows as its name's first letter instead.
  };
  frame.commands.forEach(draw);
  return grid.map((row) => row.map((cell) => (color && cell.color ? paint(cell.color)(cell.char) : cell.char)).join(""));
}

/** A line cut to `cols` characters, with `…` where it was cut. */
const fit = (line: string, cols: number): string => (line.length <= cols ? line : `${line.slice(0, cols - 1)}…`);

/** The whole screen for a terminal of `columns` x `rows`: the HUD's lines on top (the first, with the
 *  connection and the ping, always; the notes as long as the map keeps MIN_MAP_ROWS), the map under
 *  them, never under the HUD, and the keys on the last line. At most `rows` lines. */
export function screenLines(frame: Frame, columns: number, rows: number, color = kleur.enabled): string[] {
  const cols = Math.max(MIN_COLUMNS, Math.min(columns, MAX_COLUMNS));
  const hud = frame.hud ?? [];
  const hudRows = Math.min(hud.length, Math.max(1, rows - 1 - MIN_MAP_ROWS));
  // Terminal cells are about twice as tall as wide: the map's shape needs half as many rows as columns.
  const mapRows = Math.max(1, Math.min(rows - 1 - hudRows, Math.round((cols * frame.height) / frame.width / 2)));
  const keys = color ? kleur.gray(KEYS) : KEYS;
  return [...hud.slice(0, hudRows).map((line) => fit(line, cols)), ...rasterize(frame, cols, mapRows, color), fit(keys, cols)];
}

/** Draws frames in place on a real terminal, at most `fps` times a second. */
export class TerminalScreen {
  private last = 0;
  constructor(private readonly fps = 20) {
    process.stdout.write("\x1b[?25l\x1b[2J"); // hide the cursor, clear once
  }

  show(frame: Frame, force = false): void {
    const now = performance.now();
    if (!force && now - this.last < 1000 / this.fps) return;
    this.last = now;
    const lines = screenLines(frame, process.stdout.columns ?? 100, process.stdout.rows ?? 40);
    // Each line clears what a longer one left; the end clears lines a taller screen left below.
    process.stdout.write(`\x1b[H${lines.map((line) => `${line}\x1b[K`).join("\n")}\x1b[J`);
  }

  close(): void {
    process.stdout.write("\x1b[?25h\n");
  }
}
