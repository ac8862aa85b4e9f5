// Drawing is split in two: a pure function turns what the client knows into a Frame (a list of
// draw commands in map pixels), and thin renderers (terminal, raylib) execute that list.
// The pure half is unit-tested without any display.
import type { Color } from "../wire/protocol.ts";

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type DrawCommand =
  | { readonly kind: "rect"; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly color: Color; readonly outline?: boolean }
  | { readonly kind: "text"; readonly x: number; readonly y: number; readonly size: number; readonly text: string; readonly color: Color }
  | { readonly kind: "polygon"; readonly points: readonly Point[]; readonly color: Color; readonly alpha: number };

/** One picture: the map's size in pixels, a background and the commands in painting order. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly background: Color;
  readonly commands: readonly DrawCommand[];
}
