// Drawing is split in two: a pure function turns what the client knows into a Frame (a list of
// draw commands in map pixels), and thin renderers (terminal, raylib) execute that list.
// The pure half is unit-tested without any display.
import type { Color } from "../wire/protocol.ts";

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type DrawCommand =
  | {
      readonly kind: "rect"; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly color: Color; readonly outline?: boolean;
      /** A player's square, and the character a text renderer shows it as (the name's first letter;
       *  `@` for the player's own). Rects without one are walls: solid blocks. */
      readonly glyph?: string;
    }
  | { readonly kind: "text"; readonly x: number; readonly y: number; readonly size: number; readonly text: string; readonly color: Color }
  | { readonly kind: "polygon"; readonly points: readonly Point[]; readonly color: Color; readonly alpha: number };

/** One picture: the map's size in pixels, a background and the commands in painting order. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly background: Color;
  readonly commands: readonly DrawCommand[];
  /** The HUD's lines, the most important first. Each renderer shows them in rows of its own,
   *  outside the map, so the HUD never hides a square (and a square never hides the HUD). */
  readonly hud?: readonly string[];
}

/** Whether a point is inside a polygon command (even-odd rule), for renderers that fill by sampling
 *  cells, as the terminal does. Points exactly on the outline may go either way. */
export function insidePolygon(p: Point, points: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const a = points[i]!;
    const b = points[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}
