// Segment tests. The rule of sight used everywhere: a wall blocks a line that passes through its
// inside; a line that only touches a wall's edge or corner, or slides along a face, is not blocked.
import { cross, type Point, type Rect, type Segment } from "./types.ts";

/** Do two closed segments share a point? (Touching at an end or overlapping in line counts.) */
export function segmentsIntersect(s: Segment, t: Segment): boolean {
  const d1 = cross(t.a, t.b, s.a);
  const d2 = cross(t.a, t.b, s.b);
  const d3 = cross(s.a, s.b, t.a);
  const d4 = cross(s.a, s.b, t.b);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  // Aligned cases: an end of one lies on the other.
  return (
    (d1 === 0 && onSegment(t, s.a)) ||
    (d2 === 0 && onSegment(t, s.b)) ||
    (d3 === 0 && onSegment(s, t.a)) ||
    (d4 === 0 && onSegment(s, t.b))
  );
}

/** p, already known to be on the line of s, lies between its ends. */
const onSegment = (s: Segment, p: Point): boolean =>
  Math.min(s.a.x, s.b.x) <= p.x && p.x <= Math.max(s.a.x, s.b.x) && Math.min(s.a.y, s.b.y) <= p.y && p.y <= Math.max(s.a.y, s.b.y);

/**
 * Where the moving point `from + t·(dx,dy)`, for t in [0, tMax], first enters the inside of `r`:
 * the smallest such t, or undefined when it never does. Slab method: intersect the t-intervals
 * during which the point is between the two vertical edges and between the two horizontal ones.
 */
export function entryInto(from: Point, dx: number, dy: number, r: Rect, tMax: number): number | undefined {
  let t0 = 0;
  let t1 = tMax;
  if (dx === 0) {
    if (!(from.x > r.x && from.x < r.x + r.w)) return undefined; // runs along or outside the slab
  } else {
    const ta = (r.x - from.x) / dx;
    const tb = (r.x + r.w - from.x) / dx;
    t0 = Math.max(t0, Math.min(ta, tb));
    t1 = Math.min(t1, Math.max(ta, tb));
  }
  if (dy === 0) {
    if (!(from.y > r.y && from.y < r.y + r.h)) return undefined;
  } else {
    const ta = (r.y - from.y) / dy;
    const tb = (r.y + r.h - from.y) / dy;
    t0 = Math.max(t0, Math.min(ta, tb));
    t1 = Math.min(t1, Math.max(ta, tb));
  }
  // Equal ends: the line only grazes a corner. A non-empty interval not along a face crosses the inside.
  return t0 < t1 ? t0 : undefined;
}

/** Does the segment pass through the inside of the rectangle? */
export const segmentEntersRect = (s: Segment, r: Rect): boolean =>
  entryInto(s.a, s.b.x - s.a.x, s.b.y - s.a.y, r, 1) !== undefined;

/** Is the straight line between two points free of every wall's inside? Symmetric in from/to. */
export function hasLineOfSight(from: Point, to: Point, walls: readonly Rect[]): boolean {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  for (const wall of walls) if (entryInto(from, dx, dy, wall, 1) !== undefined) return false;
  return true;
}
