// Shadows: what a viewer does NOT see, as one convex polygon per wall: the wall and everything
// behind it, clipped to the map. A convex occluder seen from a point casts a convex shadow, so a
// renderer fills each polygon directly (a triangle fan) and no polygon union is ever needed.
import { clipToRect, convexHull, insideConvex } from "./polygons.ts";
import { corners, cross, hasInside, insideClosed, insideOpen, type Point, type Rect } from "./types.ts";

/** The points of the map hidden by this wall from the viewer (closed convex polygon, maybe empty). */
export function shadowOf(viewer: Point, wall: Rect, map: Rect): Point[] {
  if (!hasInside(wall)) return [];
  if (insideOpen(viewer, wall)) return corners(map); // inside a wall: blind
  if (insideClosed(viewer, wall)) return behindFace(viewer, wall, map);

  // The two silhouette corners: every other corner is on one side of the line from the viewer.
  const wallCorners = corners(wall);
  let first = wallCorners[0]!;
  let last = wallCorners[0]!;
  for (const c of wallCorners) {
    if (cross(viewer, first, c) < 0) first = c;
    if (cross(viewer, last, c) > 0) last = c;
  }
  // Push the silhouette out beyond the map (three far points, so the far side never cuts back in).
  const farthest = (x0: number, x1: number, v: number): number => Math.max(Math.abs(x0 - v), Math.abs(x1 - v));
  const reach =
    2 *
    Math.hypot(
      farthest(Math.min(map.x, wall.x), Math.max(map.x + map.w, wall.x + wall.w), viewer.x),
      farthest(Math.min(map.y, wall.y), Math.max(map.y + map.h, wall.y + wall.h), viewer.y),
    );
  const unitFirst = unit(first.x - viewer.x, first.y - viewer.y);
  const unitLast = unit(last.x - viewer.x, last.y - viewer.y);
  const unitMiddle = unit(unitFirst.x + unitLast.x, unitFirst.y + unitLast.y);
  const far = [unitFirst, unitMiddle, unitLast].map((u) => ({ x: viewer.x + u.x * reach, y: viewer.y + u.y * reach }));
  return clipToRect(convexHull([...wallCorners, ...far]), map);
}

/** A viewer on a wall's edge sees nothing on the other side of that face: a half (or a quarter,
 *  at a corner) of the map, always a rectangle. */
function behindFace(viewer: Point, wall: Rect, map: Rect): Point[] {
  let x0 = map.x;
  let x1 = map.x + map.w;
  let y0 = map.y;
  let y1 = map.y + map.h;
  if (viewer.x === wall.x) x0 = Math.max(x0, viewer.x);
  else if (viewer.x === wall.x + wall.w) x1 = Math.min(x1, viewer.x);
  if (viewer.y === wall.y) y0 = Math.max(y0, viewer.y);
  else if (viewer.y === wall.y + wall.h) y1 = Math.min(y1, viewer.y);
  return x0 < x1 && y0 < y1 ? corners({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 }) : [];
}

function unit(x: number, y: number): Point {
  const length = Math.hypot(x, y);
  return { x: x / length, y: y / length };
}

/**
 * All the darkness a viewer should draw: the map minus these polygons is exactly its visibility
 * polygon. A wall standing wholly inside the shadow of one nearer wall adds nothing, so its shadow
 * is left out (fewer bytes on the wire, fewer triangles to draw). Shadows may overlap each other.
 */
export function shadows(viewer: Point, walls: readonly Rect[], map: Rect): Point[][] {
  if (!insideClosed(viewer, map)) return [corners(map)];
  const byDistance = walls
    .filter(hasInside)
    .map((wall) => ({ wall, distance: distanceToRect(viewer, wall) }))
    .sort((a, b) => a.distance - b.distance);
  const kept: Point[][] = [];
  for (const { wall } of byDistance) {
    const wallCorners = corners(wall);
    if (kept.some((shadow) => wallCorners.every((c) => insideConvex(c, shadow, 1e-9)))) continue;
    const shadow = shadowOf(viewer, wall, map);
    if (shadow.length >= 3) kept.push(shadow);
  }
  return kept;
}

function distanceToRect(p: Point, r: Rect): number {
  const dx = Math.max(r.x - p.x, 0, p.x - (r.x + r.w));
  const dy = Math.max(r.y - p.y, 0, p.y - (r.y + r.h));
  return Math.hypot(dx, dy);
}
