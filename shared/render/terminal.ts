// The terminal renderer: rasterises a Frame into a grid of coloured characters, one cell per
// few map pixels. Coarse, but it needs nothing but a terminal (and works over ssh).
import kleur from "kleur";
import type { Color } from "../wire/protocol.ts";
import { insidePolygon, type DrawCommand, type Frame } from "./draw.ts";

/** Text smaller than this many map pixels is a label (player names): too small for a cell. */
const MIN_TEXT = 14;

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

/** The frame as lines of text with ANSI colours, `cols` x `rows` cells. */
export function rasterize(frame: Frame, cols: number, rows: number): string[] {
  const grid: Cell[][] = Array.from({ length: rows }, () => Array.from({ length: cols }, () => ({ char: " ", color: null })));
  const cw = frame.width / cols;
  const ch = frame.height / rows;
  const cellsOf = (x: number, y: number, w: number, h: number) => ({
    c0: Math.max(0, Math.floor(x / cw)),
    c1: Math.min(cols - 1, Math.ceil((x + w) / cw) - 1),
    r0: Math.max(0, Math.floor(y / ch)),
    r1: Math.min(rows - 1, Math.ceil((y + h) / ch) - 1),
  });
  const draw = (cmd: DrawCommand) => {
    if (cmd.kind === "rect") {
      const { c0, c1, r0, r1 } = cellsOf(cmd.x, cmd.y, cmd.w, cmd.h);
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const cell = grid[r]![c]!;
          if (cmd.outline) cell.char = "@";
          else [cell.char, cell.color] = ["█", cmd.color];
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
    } else if (cmd.size >= MIN_TEXT) {
      const r = Math.min(rows - 1, Math.max(0, Math.floor(cmd.y / ch)));
      const c0 = Math.max(0, Math.floor(cmd.x / cw));
      [...cmd.text].forEach((char, i) => {
        const cell = grid[r]![c0 + i];
        if (cell) [cell.char, cell.color] = [char, cmd.color];
      });
    }
  };
  frame.commands.forEach(draw);
  return grid.map((row) => row.map((cell) => (cell.color ? paint(cell.color)(cell.char) : cell.char)).join(""));
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
    const cols = Math.max(20, Math.min(process.stdout.columns ?? 100, 160));
    const rows = Math.max(10, Math.min((process.stdout.rows ?? 40) - 2, Math.round((cols * frame.height) / frame.width / 2)));
    const lines = rasterize(frame, cols, rows);
    process.stdout.write(`\x1b[H${lines.join("\n")}\n${kleur.gray("arrows/WASD move · space stops · q quits")}\x1b[K`);
  }

  close(): void {
    process.stdout.write("\x1b[?25h\n");
  }
}
