// The few shapes the game's geometry needs. Coordinates are map pixels, y pointing down.
import type { Rect } from "../../../shared/wire/protocol.ts";

export type { Rect };

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Segment {
  readonly a: Point;
  readonly b: Point;
}

/** A polygon as its vertices in order; the last vertex joins the first. */
export type Polygon = readonly Point[];

export const centre = (r: Rect): Point => ({ x: r.x + r.w / 2, y: r.y + r.h / 2 });

/** The four corners, clockwise on screen (y down): top-left, top-right, bottom-right, bottom-left. */
export const corners = (r: Rect): Point[] => [
  { x: r.x, y: r.y },
  { x: r.x + r.w, y: r.y },
  { x: r.x + r.w, y: r.y + r.h },
  { x: r.x, y: r.y + r.h },
];

/** Twice the signed area of the triangle o, a, b: positive when o→a→b turns counter-clockwise
 *  in maths axes (clockwise on screen), zero when they are aligned. */
export const cross = (o: Point, a: Point, b: Point): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Inside the rectangle or on its edge. */
export const insideClosed = (p: Point, r: Rect): boolean => p.x >= r.x && p.x <= r.x + r.w && p.y >= r.y && p.y <= r.y + r.h;

/** Strictly inside: the edge does not count. A wall blocks sight only with its inside. */
export const insideOpen = (p: Point, r: Rect): boolean => p.x > r.x && p.x < r.x + r.w && p.y > r.y && p.y < r.y + r.h;

/** A wall with no width or no height has no inside, so it hides nothing. */
export const hasInside = (r: Rect): boolean => r.w > 0 && r.h > 0;

/** The rectangle two rectangles have in common, when it has an inside. */
export function overlap(a: Rect, b: Rect): Rect | undefined {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.w, b.x + b.w);
  const y1 = Math.min(a.y + a.h, b.y + b.h);
  return x0 < x1 && y0 < y1 ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : undefined;
}
