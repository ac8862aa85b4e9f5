// Plain polygon helpers: point inside, distance to the outline, convex hull, clipping to a rectangle.
import { cross, type Point, type Polygon, type Rect } from "./types.ts";

/** Even-odd rule: a ray from p to the right crosses the outline an odd number of times.
 *  Points exactly on the outline may go either way: callers keep a margin from it. */
export function pointInPolygon(p: Point, polygon: Polygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i]!;
    const b = polygon[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Distance from p to the nearest edge of the polygon's outline. */
export function distanceToOutline(p: Point, polygon: Polygon): number {
  let best = Infinity;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    best = Math.min(best, distanceToSegment(p, polygon[j]!, polygon[i]!));
  }
  return best;
}

/** Area enclosed (positive whatever the turning direction; meant for simple polygons). */
export function area(polygon: Polygon): number {
  let twice = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    twice += polygon[j]!.x * polygon[i]!.y - polygon[i]!.x * polygon[j]!.y;
  }
  return Math.abs(twice) / 2;
}

/** Smallest convex polygon around the points (Andrew's monotone chain), without aligned vertices. */
export function convexHull(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (sorted.length < 3) return sorted;
  const half = (list: readonly Point[]): Point[] => {
    const out: Point[] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop(); // the last point starts the other half
    return out;
  };
  return [...half(sorted), ...half(sorted.reverse())];
}

/** The part of a convex polygon inside a rectangle (Sutherland-Hodgman: cut by the rectangle's
 *  four edges in turn). Convex in, convex out; an empty list when they do not overlap. */
export function clipToRect(polygon: Polygon, r: Rect): Point[] {
  const left = r.x;
  const right = r.x + r.w;
  const top = r.y;
  const bottom = r.y + r.h;
  let out = cut(polygon, (p) => p.x >= left, (a, b) => ({ x: left, y: a.y + ((b.y - a.y) * (left - a.x)) / (b.x - a.x) }));
  out = cut(out, (p) => p.x <= right, (a, b) => ({ x: right, y: a.y + ((b.y - a.y) * (right - a.x)) / (b.x - a.x) }));
  out = cut(out, (p) => p.y >= top, (a, b) => ({ x: a.x + ((b.x - a.x) * (top - a.y)) / (b.y - a.y), y: top }));
  return cut(out, (p) => p.y <= bottom, (a, b) => ({ x: a.x + ((b.x - a.x) * (bottom - a.y)) / (b.y - a.y), y: bottom }));
}

/** Keeps the part of a polygon on the `inside` side of one line; `at` gives where an edge crosses it. */
function cut(polygon: Polygon, inside: (p: Point) => boolean, at: (a: Point, b: Point) => Point): Point[] {
  const out: Point[] = [];
  let previous = polygon[polygon.length - 1];
  for (const current of polygon) {
    const keep = inside(current);
    if (previous !== undefined && keep !== inside(previous)) out.push(at(previous, current));
    if (keep) out.push(current);
    previous = current;
  }
  return out;
}

/** Inside a convex polygon whose vertices turn counter-clockwise in maths axes (as convexHull and
 *  clipToRect give them), or within `margin` pixels outside it. */
export function insideConvex(p: Point, polygon: Polygon, margin = 0): boolean {
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[j]!;
    const b = polygon[i]!;
    const turn = cross(a, b, p);
    if (turn < 0 && turn < -margin * Math.sqrt((b.x - a.x) ** 2 + (b.y - a.y) ** 2)) return false;
  }
  return polygon.length >= 3;
}
